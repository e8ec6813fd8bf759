package restore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"restoredesk/core/archive"
	"restoredesk/core/progress"
)

func (r *runner) doInspect(ctx context.Context) (string, error) {
	path := r.filePath
	fi, err := os.Stat(path)
	if err != nil {
		return "", &RunError{Summary: fmt.Sprintf("The file %s cannot be opened any more: %s. Nothing was changed.", path, plainFileError(err)), Err: err}
	}
	// The plan inspected the file; read it again only if it changed since.
	if r.report == nil || fi.Size() != r.fileSize || !fi.ModTime().Equal(r.fileMod) {
		rep, err := r.e.inspectCounted(ctx, path, r.id, r.emit)
		if err != nil {
			if ctx.Err() != nil {
				return "", r.cancelled(ctx, StepInspect)
			}
			return "", &RunError{Summary: fmt.Sprintf("The file %s could not be read: %s. Nothing was changed.", fileName(path), plainFileError(err)), Err: err}
		}
		if !rep.Restorable {
			return "", notRestorable(path, rep)
		}
		r.report, r.fileSize, r.fileMod, r.fileSHA = rep, fi.Size(), fi.ModTime(), rep.SHA256
	}
	r.journalErr("file", r.e.journal.SetFile(jctx(ctx), r.id, r.fileSHA, r.fileSize))
	return fmt.Sprintf("%s can be restored: %s, %s, SHA-256 %s….", fileName(path), strings.ToLower(r.report.Kind.Label()),
		progress.Size(r.fileSize), r.fileSHA[:min(12, len(r.fileSHA))]), nil
}

// inspectCounted inspects path, reporting the bytes read through a counter (an
// EventBytes event to onEvent, which may be nil). A file inspected before and unchanged
// since (same path, size and modification time) is not read again.
func (e *Engine) inspectCounted(ctx context.Context, path string, runID int64, onEvent func(Event)) (*archive.Report, error) {
	c := progress.NewCounter(0, 0)
	if onEvent != nil {
		onEvent(Event{RunID: runID, Step: StepInspect, Type: EventBytes, Time: e.now(), Counter: c})
	}
	key, keyed := inspectKeyOf(path)
	if rep, ok := e.inspected.get(key); keyed && ok {
		c.SetTotal(key.size)
		c.Set(key.size)
		return rep, nil
	}
	rep, err := archive.Inspect(ctx, path, func(done, total int64) {
		c.SetTotal(total)
		c.Set(done)
	})
	if err != nil || !keyed {
		return rep, err
	}
	if after, ok := inspectKeyOf(path); ok && after == key { // unchanged while it was read
		e.inspected.put(key, rep)
	}
	return rep, nil
}

// inspectCache remembers the reports of the files an engine inspected, so that planning
// again (another option chosen) or running the plan does not read a large file twice.
type inspectCache struct {
	mu      sync.Mutex
	reports map[inspectKey]archive.Report
}

type inspectKey struct {
	path    string
	size    int64
	modTime int64
}

func inspectKeyOf(path string) (inspectKey, bool) {
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

func (c *inspectCache) get(k inspectKey) (*archive.Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rep, ok := c.reports[k]
	return &rep, ok
}

func (c *inspectCache) put(k inspectKey, rep *archive.Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reports == nil {
		c.reports = map[inspectKey]archive.Report{}
	}
	c.reports[k] = *rep
}
