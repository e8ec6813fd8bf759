package journal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"restoredesk/core/journal"
)

// The journal and SQLite's -wal and -shm files are readable by their owner only, even
// under a permissive umask and when the file existed with wider rights.
func TestJournalFilesAreOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	if err := os.WriteFile(path, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Create(context.Background(), newRun("acme", "orderdesk")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), m)
		}
	}
}

// The journal path is a path: "a?b.db" makes a file named a?b.db, not a.db with a query.
func TestJournalPathIsAPathNotAURI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("'?' is not allowed in Windows file names")
	}
	dir := t.TempDir()
	for _, name := range []string{"a?b.db", "c#d.db", "e%20f.db"} {
		j, err := journal.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := j.Create(context.Background(), newRun("acme", "orderdesk")); err != nil {
			t.Fatal(err)
		}
		j.Close()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was not made: %v", name, err)
		}
	}
	for _, wrong := range []string{"a", "c", "e f.db"} {
		if _, err := os.Stat(filepath.Join(dir, wrong)); err == nil {
			t.Errorf("a file %q was made instead", wrong)
		}
	}
}

func TestCorruptJournalIsNamedSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(path, []byte("this is a shopping list, not a database; it is long enough to have a header.............................................."), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := journal.Open(path)
	var ce *journal.CorruptError
	if !errors.Is(err, journal.ErrCorrupt) || !errors.As(err, &ce) || ce.Path != path {
		t.Fatalf("Open = %v, want a *CorruptError for %s", err, path)
	}
}
