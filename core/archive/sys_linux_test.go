//go:build linux

package archive

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }

// asUnprivileged runs fn with the effective user id of "nobody" when the test runs as
// root, so that file permissions apply; the saved user id lets it switch back. dir (a
// t.TempDir) and its parent are opened up so that only the file's own mode matters.
func asUnprivileged(t *testing.T, dir string, fn func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		fn()
		return
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const nobody = 65534
	if err := syscall.Setresuid(-1, nobody, -1); err != nil {
		t.Skipf("cannot drop root privileges to make a file unreadable: %v", err)
	}
	defer func() {
		if err := syscall.Setresuid(-1, 0, -1); err != nil {
			panic("cannot regain root privileges: " + err.Error())
		}
	}()
	fn()
}

// maxRSS is the peak resident memory of a finished child process, in bytes.
func maxRSS(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return ru.Maxrss * 1024, true // Linux reports kilobytes
}
