//go:build linux

package download

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A disk that fills up during the download (a 32 KiB tmpfs, mounted when the test may;
// the free-space check is told there is room, as if another program filled the disk
// after it): a clear error, the .part kept, nothing under the final name.
func TestDownloadOntoADiskThatFillsUpMidway(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v: %s): a full disk cannot be made safely", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	e := newEnv(t)
	id := e.seed(fullFixture, false) // 66 KB: twice what the disk holds
	// fakeFreeSpace claims room, as the disk had before another program filled it.
	fakeFreeSpace := func(string) (int64, error) { return 1 << 40, nil }
	_, err := e.runner(&Fetcher{FreeSpace: fakeFreeSpace}).Run(context.Background(), e.plan(e.target(id, dir, false)), Hooks{})
	if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "is full") {
		t.Fatalf("download onto a disk that fills up: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	parts, _ := filepath.Glob(filepath.Join(dir, "*.part"))
	finals, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	if len(parts) != 1 || len(finals) != 0 {
		t.Fatalf("after a full disk the folder holds %v and %v, want only the .part", parts, finals)
	}
	if _, err := os.Stat(parts[0]); err != nil {
		t.Fatal(err)
	}
}
