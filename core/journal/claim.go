package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"restoredesk/core/localfs"
)

// Claim marks run id as followed by this caller until release is called or the process
// ends (a crash releases it too: the mark is an OS file lock, not a row). Unfinished skips
// claimed runs, so a run one window is following is never re-attached by another.
// ErrRunInUse when someone else holds it.
func (j *Journal) Claim(id int64) (release func(), err error) {
	// Unfinished may test the lock for an instant; try a few times before giving up.
	for attempt := 0; ; attempt++ {
		f, err := j.tryLock(id)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, localfs.ErrLocked) || attempt == 20 {
			if errors.Is(err, localfs.ErrLocked) {
				return nil, fmt.Errorf("journal: claim run %d: %w", id, ErrRunInUse)
			}
			return nil, fmt.Errorf("journal: claim run %d: %w", id, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// claimed reports whether someone holds run id's lock right now.
func (j *Journal) claimed(id int64) bool {
	f, err := j.tryLock(id)
	if err != nil {
		// Locked, or the lock file cannot be opened: either way do not offer the run as
		// abandoned (a read-only journal folder must not make every run look crashed).
		return true
	}
	f.Close()
	return false
}

// tryLock opens the run's lock file and takes an exclusive lock without waiting. Closing
// the file releases the lock.
func (j *Journal) tryLock(id int64) (*os.File, error) {
	f, err := os.OpenFile(j.lockName(id), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := localfs.Lock(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (j *Journal) lockName(id int64) string {
	return filepath.Join(j.lockDir, "run-"+strconv.FormatInt(id, 10)+".lock")
}
