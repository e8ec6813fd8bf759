//go:build linux

package download

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"restoredesk/core/localfs"
)

// smallDisk is a folder on a new tmpfs of size (mount's notation), unmounted when the
// test ends; the test is skipped where it cannot be mounted.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v: %s): a full disk cannot be made safely", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir
}

// A disk that fills up during the download (a 32 KiB tmpfs, mounted when the test may;
// the free-space check is told there is room, as if another program filled the disk
// after it): a clear error, the .part kept, nothing under the final name.
func TestDownloadOntoADiskThatFillsUpMidway(t *testing.T) {
	t.Parallel()
	dir := smallDisk(t, "32k")
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

// A download whose length the storage host does not say (no Content-Length) onto a small
// disk (a real 24 MiB tmpfs; the body is 40 MiB): it stops while the reserve is still
// free, never fills the disk, says the partial download cannot be continued (no sidecar
// was kept), and gives the space back.
func TestADownloadOfUnknownLengthStopsBeforeTheDiskIsFull(t *testing.T) {
	t.Parallel()
	dir := smallDisk(t, "24m")
	chunk := bytes.Repeat([]byte("backup bytes "), 1<<16) // 832 KiB
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		for sent := 0; sent < 40<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush() // chunked: the length is never said
		}
	}))
	defer host.Close()
	var mu sync.Mutex
	least := int64(math.MaxInt64)
	freeSpace := func(d string) (int64, error) {
		n, err := localfs.Free(d)
		mu.Lock()
		least = min(least, n)
		mu.Unlock()
		return n, err
	}
	_, err := (&Fetcher{FreeSpace: freeSpace, RetryDelay: 1}).Fetch(context.Background(),
		Request{URL: host.URL + signedPath, Dir: dir}, nil)
	if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "cannot be continued") || strings.Contains(err.Error(), "continues from") {
		t.Fatalf("download of unknown length onto a small disk: %v", err)
	}
	if strings.Contains(err.Error(), "is full") || !strings.Contains(err.Error(), "kept free") {
		t.Errorf("the download filled the disk instead of stopping at the reserve: %v", err)
	}
	if !strings.Contains(err.Error(), "deleted to give the space back") {
		t.Errorf("the error does not say what became of the partial download: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	mu.Lock()
	defer mu.Unlock()
	if least == math.MaxInt64 || least < spaceReserve {
		t.Errorf("the disk went down to %d bytes free, below the %d kept free", least, spaceReserve)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("the folder holds %v, want nothing (the partial download cannot be continued)", names)
	}
}

// An earlier run left 2 MiB of a 4 MiB object on a nearly full disk (a real 22 MiB tmpfs:
// 20 MiB free, room for the rest and the 16 MiB kept free, not for the whole object
// again): the download continues the .part instead of refusing for want of space.
func TestAContinuationNeedsRoomOnlyForTheRest(t *testing.T) {
	t.Parallel()
	dir := smallDisk(t, "22m")
	const size, have = 4 << 20, 2 << 20
	obj, _ := twoObjects(t, size)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(answerObject(w, r, obj, `"v1"`))
	}))
	defer host.Close()
	final := filepath.Join(dir, "obj.backup")
	leavePart(t, final, obj[:have], validator{ETag: `"v1"`, Size: size})
	res, err := (&Fetcher{RetryDelay: 1}).Fetch(context.Background(), Request{URL: host.URL + signedPath, Dir: dir, Name: "obj.backup"}, nil)
	if err != nil {
		t.Fatalf("continuing 2 MiB of 4 MiB with 20 MiB free: %v", err)
	}
	got, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, obj) || res.Resumed != have {
		t.Fatalf("saved %d bytes (the object: %v), %d taken from the .part; want the object continued from %d", len(got), bytes.Equal(got, obj), res.Resumed, have)
	}
}
