package localfs_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"restoredesk/core/localfs"
)

// A second open file cannot take a held lock; once the holder closes, it can.
func TestLockKeepsASecondHolderOutUntilTheFirstCloses(t *testing.T) {
	if runtime.GOOS != "windows" && runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("no file locks on this system")
	}
	path := filepath.Join(t.TempDir(), "a.lock")
	open := func() *os.File {
		t.Helper()
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	first := open()
	if err := localfs.Lock(first); err != nil {
		t.Fatal(err)
	}
	// Written through the locked handle: the lock must not get in the way of its own I/O.
	if _, err := first.WriteString("held"); err != nil {
		t.Fatalf("write through the locked file: %v", err)
	}
	second := open()
	defer second.Close()
	if err := localfs.Lock(second); !errors.Is(err, localfs.ErrLocked) {
		t.Fatalf("second lock while the first is held = %v, want ErrLocked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := localfs.Lock(second); err != nil {
		t.Fatalf("lock after the holder closed = %v, want nil", err)
	}
}

func TestFreeReportsTheSpaceOfARealFolder(t *testing.T) {
	n, err := localfs.Free(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("Free of a writable temp folder = 0")
	}
	if _, err := localfs.Free(filepath.Join(t.TempDir(), "missing")); err == nil && runtime.GOOS == "linux" {
		t.Error("Free of a missing folder gave no error")
	}
}

func TestDataDirFollowsXDGDataHomeWhenAbsolute(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_DATA_HOME", base)
	dir, err := localfs.DataDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "restoredesk"); dir != want {
		t.Errorf("DataDir = %s, want %s", dir, want)
	}
	if runtime.GOOS != "linux" {
		return
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "relative/ignored") // the XDG spec: relative values are invalid
	dir, err = localfs.DataDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".local", "share", "restoredesk"); dir != want {
		t.Errorf("DataDir with a relative XDG_DATA_HOME = %s, want %s", dir, want)
	}
}
