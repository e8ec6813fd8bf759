//go:build linux

package archive

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// peakRSS is this process's peak resident memory (VmHWM), in bytes. It is read in the
// child itself because the rusage of a child started from a large process is no use:
// Go starts children with vfork, and Linux carries the parent's peak over into the
// child's ru_maxrss at exec.
func peakRSS() (int64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
