package localdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"restoredesk/core/localfs"
)

// extractReserve is the room left free beside an extracted dump, so that extracting
// never fills a disk.
const extractReserve = 256 << 20

// minExtractJobs is the fewest parallel jobs for which a snapshot's dump is extracted
// first: measured on two processors (BenchmarkRestoreLocalCommand/targz), streaming the
// dump into one pg_restore beat extracting it for two jobs.
const minExtractJobs = 3

// extractDir is where a snapshot's dump of size bytes is extracted for a parallel
// restore: next to the backup when that folder has room, else the system's temporary
// folder; "" when neither has (then the dump is streamed).
func extractDir(source string, size int64) string {
	for _, dir := range []string{filepath.Dir(source), os.TempDir()} {
		free, err := localfs.Free(dir)
		if err == nil && (free < 0 || free >= size+extractReserve) && writable(dir) {
			return dir
		}
	}
	return ""
}

func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".restoredesk-probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// extract writes the snapshot's dump to a temporary file in p.ExtractDir, counting its
// rows from the same read, then reads the rest of the snapshot: a second db/db.backup is
// refused, and the whole file is hashed. It changes nothing in the database; the caller
// removes the file (returned also with an error).
func (p *Plan) extract(ctx context.Context, s *dumpStream, onSpan func(string, int64)) (path string, rc rowCount, err error) {
	f, err := os.CreateTemp(p.ExtractDir, ".restoredesk-"+filepath.Base(p.Source)+"-*.backup")
	if err != nil {
		return "", rc, &Error{Reason: ErrRestoreFailed, Err: err, Advice: fmt.Sprintf("The dump could not be extracted to %s (%v); nothing was changed. Free space there and restore again.", p.ExtractDir, err)}
	}
	tee := newTeePipe(8, 256<<10)
	cnt := startCount(ctx, tee, onSpan)
	_, err = io.Copy(io.MultiWriter(f, tee), ctxReader{ctx, s})
	tee.CloseWrite()
	err = errors.Join(err, f.Close())
	rc = cnt.wait()
	if err == nil {
		rc.sha256, err = s.rest()
	}
	switch {
	case ctx.Err() != nil:
		return f.Name(), rc, &Error{Reason: ErrCancelled, Err: ctx.Err(), Advice: "The restore was cancelled before it started; nothing was changed."}
	case errors.Is(err, errTwoDumps):
		return f.Name(), rc, &Error{Reason: ErrDumpRefused, Err: err, Advice: "This backup cannot be restored, nothing was changed: it holds db/db.backup 2 times, so which database it holds is not clear."}
	case err != nil:
		return f.Name(), rc, &Error{Reason: ErrRestoreFailed, Err: err, Advice: fmt.Sprintf("The backup could not be read to its end (%v); nothing was changed. Check the file, or download it again.", err)}
	case rc.err != nil:
		return f.Name(), rc, damaged(rc.err, "nothing was changed.")
	}
	return f.Name(), rc, nil
}

// damaged says that the dump's data did not read whole, and what that left behind.
func damaged(err error, state string) error {
	return &Error{Reason: ErrDumpRefused, Err: err, Advice: fmt.Sprintf("The backup's database dump is damaged (%v): %s Use another backup, or download this one again.", err, state)}
}
