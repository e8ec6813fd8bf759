package localcloud

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// The desktop demo keeps its cloud in the user's data folder, so that a run left going
// when the window closed can be re-attached the next time, as against a real cloud. It is
// reset on request (restoredesk --reset-demo, restorectl serve --reset).

// ErrDirInUse: another process has the data folder open.
var ErrDirInUse = errors.New("the data folder is in use by another Restore Desk demo or embedded cloud")

// ErrNotCloudDir: ResetDir was given a folder that holds no local cloud.
var ErrNotCloudDir = errors.New("the folder does not hold an embedded cloud's data")

// DemoDir is where the desktop app's demo cloud keeps its data:
// $XDG_DATA_HOME/restoredesk/demo-cloud (~/.local/share/... on Linux; the user's
// configuration folder on Windows and macOS, which have no XDG data folder).
func DemoDir() (string, error) {
	base, err := userDataDir()
	if err != nil {
		return "", fmt.Errorf("find the user data folder: %w", err)
	}
	return filepath.Join(base, "restoredesk", "demo-cloud"), nil
}

// ServeDir is restorectl serve's default data folder, beside the demo's.
func ServeDir() (string, error) {
	base, err := userDataDir()
	if err != nil {
		return "", fmt.Errorf("find the user data folder: %w", err)
	}
	return filepath.Join(base, "restoredesk", "localcloud"), nil
}

func userDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		return os.UserConfigDir()
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}

// ResetDir deletes a local cloud's data folder so that the next Open starts afresh (with
// Demo: a new demo account and history). A missing folder is fine. A folder that does not
// hold a local cloud is refused with ErrNotCloudDir, so a mistyped --data never deletes
// someone's files; one in use by a running cloud is refused with ErrDirInUse. The folder
// stays, holding only its lock file: a folder left so counts as reset.
func ResetDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("reset %s: %w", dir, err)
	case onlyLock(entries):
		return nil // reset before, and no cloud opened since
	}
	if _, err := os.Stat(filepath.Join(dir, "localcloud.db")); err != nil {
		return fmt.Errorf("reset %s: %w (it has no localcloud.db)", dir, ErrNotCloudDir)
	}
	release, err := LockDir(dir)
	if err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	// The lock is held until the data is gone: released earlier, a cloud starting meanwhile
	// could take the folder and have its new files deleted under it. The lock file stays
	// (an open file cannot be deleted on every system), and with it the folder.
	defer release()
	entries, err = os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	for _, en := range entries {
		if en.Name() == lockName {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, en.Name())); err != nil {
			return fmt.Errorf("reset %s: %w", dir, err)
		}
	}
	return nil
}

// lockName is the file LockDir locks in a data folder.
const lockName = "in-use.lock"

func onlyLock(entries []fs.DirEntry) bool {
	return len(entries) == 1 && entries[0].Name() == lockName
}

// LockDir takes dir (created if missing) for this process until release is called or the
// process ends: two clouds on one folder would run each other's jobs. ErrDirInUse when
// another holds it.
func LockDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, ErrDirInUse
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

var errLocked = errors.New("locked")
