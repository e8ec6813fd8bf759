package backupdata

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/explain"
)

// TestFilesWithoutReadableData: every file that is no readable backup gets a specific
// sentence and a next step, never a panic or an empty list.
func TestFilesWithoutReadableData(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not a backup at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fixture := func(name string) string { return filepath.Join("..", "archive", "testdata", name) }
	for path, want := range map[string]string{
		fixture("truncated-snapshot.tar.gz"): "is incomplete or damaged",
		fixture("no-db-snapshot.tar.gz"):     "holds no database dump to look inside",
		text:                                 "holds no database dump to look inside",
	} {
		_, err := ListEntities(context.Background(), source(t, path), nil)
		var m *explain.Mistake
		if !errors.As(err, &m) || !strings.Contains(m.Summary, want) || m.NextStep == "" {
			t.Errorf("%s: %v, want a mistake saying %q with a next step", filepath.Base(path), err, want)
		}
	}
	if _, err := OpenSource(dir); err == nil || !strings.Contains(err.Error(), "is not a backup file") {
		t.Errorf("a folder: %v", err)
	}
	if _, err := OpenSource(filepath.Join(dir, "missing.backup")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestFixtureEntities reads the real backups kept with the project: the dump and the
// snapshot that holds it list the same entities.
func TestFixtureEntities(t *testing.T) {
	for _, name := range []string{"customerportal.backup", "files_and_database-1a2b3c4d-202611250130.tar.gz"} {
		l, err := ListEntities(context.Background(), source(t, filepath.Join("..", "archive", "testdata", name)), nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range l.Entities {
			got = append(got, e.Name+":"+itoa(e.Rows)+sys(e.System))
		}
		if want := "myfirstmodule.customer:2000 myfirstmodule.order:8000 system.filedocument:5 (system)"; strings.Join(got, " ") != want || l.Named {
			t.Errorf("%s: %q, want %q (named by table)", name, got, want)
		}
	}
}
