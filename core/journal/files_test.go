package journal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"restoredesk/core/journal"
)

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
