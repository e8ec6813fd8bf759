package backupdata

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCacheFolderAndFile(t *testing.T) {
	root := t.TempDir()
	for _, ids := range [][2]string{{"..", "x"}, {"env", "../../etc"}, {`a\b`, "c:d"}, {"", "."}} {
		dir := CacheFolder(root, ids[0], ids[1])
		if rel, err := filepath.Rel(root, dir); err != nil || strings.HasPrefix(rel, "..") || strings.Count(rel, string(filepath.Separator)) != 1 {
			t.Errorf("CacheFolder(%q, %q) = %s, outside its own folder under root", ids[0], ids[1], dir)
		}
	}
	dir := CacheFolder(root, "env-1", "snap-1")
	if CachedFile(dir) != "" {
		t.Error("a missing folder has a cached file")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "db.backup.part"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := CachedFile(dir); got != "" {
		t.Errorf("an unfinished download counts as cached: %s", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "db.backup"), []byte("PGDMP"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := CachedFile(dir); got != filepath.Join(dir, "db.backup") {
		t.Errorf("CachedFile = %q", got)
	}
}
