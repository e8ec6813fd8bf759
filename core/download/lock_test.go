//go:build unix || windows

package download

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localfs"
)

// Two downloads of one backup into one folder: the second stops with a clear error
// instead of writing into the first one's .part.
func TestDownloadIntoAPartAnotherDownloadWritesIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	dir := t.TempDir()
	dest := filepath.Join(dir, "cp.backup")
	// The first download, as far as the file system can tell: the .part open and locked.
	first, err := os.OpenFile(dest+".part", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := localfs.Lock(first); err != nil {
		t.Fatal(err)
	}
	if _, err := first.WriteString("the first download's bytes"); err != nil {
		t.Fatal(err)
	}
	_, err = e.runner(nil).Run(context.Background(), e.plan(e.target(id, dest, true)), Hooks{})
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "wait for that download to finish") {
		t.Fatalf("second download into the same .part: %v", err)
	}
	if b, _ := os.ReadFile(dest + ".part"); string(b) != "the first download's bytes" {
		t.Fatalf("the first download's .part was changed: %q", b)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatalf("a final file appeared: %v", err)
	}
}
