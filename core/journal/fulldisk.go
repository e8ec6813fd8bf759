package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"restoredesk/core/localfs"
)

// ErrDiskFull: the disk that holds the journal has no room left, so it could not be
// opened (created, or brought up to date).
var ErrDiskFull = errors.New("the journal's disk is full")

// FullError says which journal could not be opened for lack of room, in words a user can
// act on (it satisfies explain.Plain). Open leaves nothing behind when it returns one.
type FullError struct {
	Path string
	Err  error
}

func (e *FullError) Error() string {
	return fmt.Sprintf("open journal %s: %v: %v", e.Path, ErrDiskFull, e.Err)
}

func (e *FullError) Unwrap() []error { return []error{ErrDiskFull, e.Err} }

// PlainSummary is the sentence for the user.
func (e *FullError) PlainSummary() string {
	return fmt.Sprintf("The disk that holds Restore Desk's journal of runs (%s) is full, so the journal could not be opened and nothing was started. Nothing was changed.", filepath.Dir(e.Path))
}

// PlainNextStep says what to do.
func (e *FullError) PlainNextStep() string {
	return "Free some space on that disk (empty the trash, remove downloads you no longer need), then try again."
}

// lowRoom is what counts as a full disk when SQLite only says its write failed.
const lowRoom = 64 << 10

// asFull turns a failure for lack of room into *FullError: ENOSPC, SQLite's "database or
// disk is full", or an I/O error on a disk with (almost) no room left.
func asFull(path string, err error) error {
	if err == nil {
		return nil
	}
	msg := strings.ToLower(err.Error())
	full := errors.Is(err, syscall.ENOSPC) || strings.Contains(msg, "disk is full") || strings.Contains(msg, "no space left")
	if !full && strings.Contains(msg, "disk i/o error") {
		if n, ferr := localfs.Free(filepath.Dir(path)); ferr == nil && n >= 0 && n < lowRoom {
			full = true
		}
	}
	if full {
		return &FullError{Path: path, Err: err}
	}
	return err
}

// madeByOpen lists what opening the journal at path would create (the folders up to the
// first that exists, the journal file, SQLite's -wal and -shm files, the lock folder), so
// that an Open that fails can take exactly that away again and change nothing.
type madeByOpen []string

func newMadeByOpen(path string) madeByOpen {
	var made madeByOpen
	for dir := filepath.Dir(path); ; {
		if _, err := os.Lstat(dir); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		made = append(made, dir)
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	slices.Reverse(made) // outermost first; undo goes the other way
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".runs"} {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			made = append(made, p)
		}
	}
	return made
}

// undo removes what Open made, innermost first; a folder that is not empty (something
// else was put there meanwhile) stays.
func (m madeByOpen) undo() {
	for _, p := range slices.Backward(m) {
		_ = os.Remove(p)
	}
}
