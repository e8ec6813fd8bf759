package ui

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"restoredesk/core/archive"
)

// inspector remembers the reports of the archives checked in this session, so that the
// restore engine's own check before an upload does not read a large file a second time.
// A file whose size or modification time changed since is read again.
type inspector struct {
	mu      sync.Mutex
	reports map[inspectKey]archive.Report
}

type inspectKey struct {
	path    string
	size    int64
	modTime int64
}

func newInspector() *inspector { return &inspector{reports: map[inspectKey]archive.Report{}} }

// inspect has the signature of archive.Inspect (and restore.InspectFunc).
func (in *inspector) inspect(ctx context.Context, path string, onProgress archive.Progress) (*archive.Report, error) {
	key, ok := fileKey(path)
	if ok {
		in.mu.Lock()
		rep, found := in.reports[key]
		in.mu.Unlock()
		if found {
			if onProgress != nil {
				onProgress(key.size, key.size)
			}
			return &rep, nil
		}
	}
	rep, err := archive.Inspect(ctx, path, onProgress)
	if err != nil || !ok {
		return rep, err
	}
	if after, same := fileKey(path); same && after == key { // unchanged while it was read
		in.mu.Lock()
		in.reports[key] = *rep
		in.mu.Unlock()
	}
	return rep, nil
}

func fileKey(path string) (inspectKey, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return inspectKey{}, false
	}
	fi, err := os.Stat(abs)
	if err != nil || !fi.Mode().IsRegular() {
		return inspectKey{}, false
	}
	return inspectKey{path: abs, size: fi.Size(), modTime: fi.ModTime().UnixNano()}, true
}
