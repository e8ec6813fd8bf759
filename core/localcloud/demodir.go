package localcloud

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"restoredesk/core/localfs"
)

// The desktop demo keeps its cloud in the user's data folder, so that a run left going
// when the window closed can be re-attached the next time, as against a real cloud. It is
// reset on request (restoredesk --reset-demo, restorectl serve --reset).

// ErrDirInUse: another process has the data folder open.
var ErrDirInUse = errors.New("the data folder is in use by another Restore Desk demo or embedded cloud")

// ErrNotCloudDir: the folder holds files that are not an embedded cloud's: it is neither
// adopted as a data folder nor reset.
var ErrNotCloudDir = errors.New("the folder does not hold an embedded cloud's data")

// DemoDir is where the desktop app's demo cloud keeps its data: demo-cloud in Restore
// Desk's folder of the user's data folder (localfs.DataDir).
func DemoDir() (string, error) {
	base, err := localfs.DataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "demo-cloud"), nil
}

// ServeDir is restorectl serve's default data folder, beside the demo's.
func ServeDir() (string, error) {
	base, err := localfs.DataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "localcloud"), nil
}

// What a cloud makes in its data folder, and all that a reset removes. A folder holding
// dbName is a cloud's: Open creates it before anything else of its own.
const (
	dbName   = "localcloud.db"
	lockName = "in-use.lock" // the file LockDir locks
)

var (
	ownFolders = []string{"envs", "blobs", "archives", "uploads"}
	// ownFiles go last in a reset: an interrupted reset leaves a folder that still counts
	// as the cloud's, and the next reset finishes it.
	ownFiles = []string{dbName + "-wal", dbName + "-shm", dbName + "-journal", dbName}
)

// claimDir makes dir a data folder. A missing folder is created, for the owner only. An
// existing one is taken as it is, its mode untouched (it is not the cloud's to change),
// when it is empty or already a cloud's (it holds the database, or the lock file a reset
// leaves); a folder holding anything else is someone's files and is refused with
// ErrNotCloudDir, so that nothing a reset does can ever reach them.
func claimDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("open %s: %w", dir, err)
	case len(entries) == 0 || holds(entries, dbName) || holds(entries, lockName):
		// The lock file alone is made only in a folder taken so: a reset leaves it, with
		// whatever else the folder held.
		return nil
	}
	names := make([]string, 0, 4)
	for _, en := range entries[:min(len(entries), 3)] {
		names = append(names, en.Name())
	}
	if len(entries) > 3 {
		names = append(names, "…")
	}
	return &DirError{Dir: dir, Err: ErrNotCloudDir,
		Summary: fmt.Sprintf("%s already holds files of its own (%s), so it is not used for the embedded cloud's data; nothing in it was changed.", dir, strings.Join(names, ", ")),
		Next:    "Choose a new or empty folder for the embedded cloud's data."}
}

// DirError is a refused data folder, in plain words (explain.Plain); errors.Is reaches
// Err (ErrNotCloudDir).
type DirError struct {
	Dir           string
	Summary, Next string
	Err           error
}

func (e *DirError) Error() string         { return fmt.Sprintf("%s: %v", e.Dir, e.Err) }
func (e *DirError) Unwrap() error         { return e.Err }
func (e *DirError) PlainSummary() string  { return e.Summary }
func (e *DirError) PlainNextStep() string { return e.Next }

func holds(entries []fs.DirEntry, name string) bool {
	return slices.ContainsFunc(entries, func(en fs.DirEntry) bool { return en.Name() == name })
}

func onlyLock(entries []fs.DirEntry) bool {
	return len(entries) == 1 && entries[0].Name() == lockName
}

// ResetDir deletes a local cloud's data so that the next Open starts afresh (with Demo: a
// new demo account and history). It removes only what a cloud makes (its database and its
// folders); anything else in the folder stays. A missing folder is fine. A folder that
// does not hold a local cloud is refused with ErrNotCloudDir, so a mistyped folder never
// loses a file; one in use by a running cloud is refused with ErrDirInUse. The folder
// stays, holding its lock file: a folder left so counts as reset.
func ResetDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("reset %s: %w", dir, err)
	case onlyLock(entries):
		return nil // reset before, and no cloud opened since
	case !holds(entries, dbName):
		return &DirError{Dir: dir, Err: ErrNotCloudDir,
			Summary: fmt.Sprintf("%s does not hold an embedded cloud's data (it has no %s), so nothing in it was deleted.", dir, dbName),
			Next:    "Check the folder's name; a reset deletes only the data of an embedded cloud."}
	}
	release, err := LockDir(dir)
	if err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	// The lock is held until the data is gone: released earlier, a cloud starting meanwhile
	// could take the folder and have its new files deleted under it. The lock file stays
	// (an open file cannot be deleted on every system), and with it the folder.
	defer release()
	for _, name := range slices.Concat(ownFolders, ownFiles) {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("reset %s: %w", dir, err)
		}
	}
	return nil
}

// LockDir takes dir for this process until release is called or the process ends: two
// clouds on one folder would run each other's jobs. ErrDirInUse when another holds it. A
// missing folder is created; one holding someone else's files is refused with
// ErrNotCloudDir before anything is written in it.
func LockDir(dir string) (release func(), err error) {
	if err := claimDir(dir); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := localfs.Lock(f); err != nil {
		f.Close()
		if errors.Is(err, localfs.ErrLocked) {
			return nil, ErrDirInUse
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
