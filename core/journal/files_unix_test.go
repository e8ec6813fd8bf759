//go:build unix

package journal_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"restoredesk/core/journal"
)

// The journal and SQLite's -wal and -shm files are readable by their owner only, even
// under a permissive umask and when the file existed with wider rights.
func TestJournalFilesAreOwnerOnly(t *testing.T) {
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
