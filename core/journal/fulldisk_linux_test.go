//go:build linux

package journal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"restoredesk/core/journal"
)

// fullDisk is a folder on a new tmpfs of size (mount's notation) holding seed (may be
// nil: called with the folder before the disk is filled), then filled to the last byte
// by a file named fill; unmounted when the test ends. Skipped where a tmpfs cannot be
// mounted.
func fullDisk(t *testing.T, size string, seed func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v: %s): a full disk cannot be made safely", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	if seed != nil {
		seed(dir)
	}
	f, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			break // ENOSPC: the disk is full
		}
	}
	f.Close()
	return dir
}

// tree lists every path under dir with its size, to compare before and after.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %s %d", strings.TrimPrefix(p, dir), fi.Mode(), fi.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// A new journal on a full disk (a real 64 KiB tmpfs filled to the last byte): Open says
// the disk is full in plain words, and leaves the disk as it was: no folder, no empty
// journal file, no lock folder.
func TestOpenOnAFullDiskSaysSoAndLeavesNothing(t *testing.T) {
	dir := fullDisk(t, "64k", nil)
	before := tree(t, dir)
	path := filepath.Join(dir, "restoredesk", "data", "journal.db")
	j, err := journal.Open(path)
	if err == nil {
		j.Close()
		t.Fatal("a journal opened on a full disk")
	}
	var fe *journal.FullError
	if !errors.Is(err, journal.ErrDiskFull) || !errors.As(err, &fe) {
		t.Fatalf("Open = %v, want ErrDiskFull", err)
	}
	if s := fe.PlainSummary(); !strings.Contains(s, "is full") || !strings.Contains(s, "Nothing was changed") || !strings.Contains(fe.PlainNextStep(), "Free some space") {
		t.Errorf("plain words: %q %q", s, fe.PlainNextStep())
	}
	if after := tree(t, dir); !slices.Equal(before, after) {
		t.Errorf("the full disk changed:\nbefore %q\nafter  %q", before, after)
	}
}

// A journal with runs whose disk then fills: Open either works (reading needs no room)
// or says the disk is full; either way the journal file is not changed, and its runs
// can still be read once there is room again.
func TestOpenAnExistingJournalOnADiskThatFilledUp(t *testing.T) {
	var path string
	dir := fullDisk(t, "1m", func(dir string) {
		path = filepath.Join(dir, "journal.db")
		j, err := journal.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Create(context.Background(), newRun("p", "orderdesk")); err != nil {
			t.Fatal(err)
		}
		j.Close()
	})
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(path)
	switch {
	case err == nil:
		t.Log("the journal opened on the full disk (reading needs no room)")
		runs, lerr := j.List(context.Background(), journal.Filter{})
		if lerr != nil || len(runs) != 1 {
			t.Errorf("List on the full disk = %d runs, %v", len(runs), lerr)
		}
		j.Close()
	case !errors.Is(err, journal.ErrDiskFull):
		t.Fatalf("Open = %v, want success or ErrDiskFull", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the journal file changed on the full disk")
	}
	if err := os.Remove(filepath.Join(dir, "fill")); err != nil {
		t.Fatal(err)
	}
	j, err = journal.Open(path)
	if err != nil {
		t.Fatalf("Open once there is room again: %v", err)
	}
	defer j.Close()
	if runs, err := j.List(context.Background(), journal.Filter{}); err != nil || len(runs) != 1 {
		t.Fatalf("after the disk has room again: %d runs, %v", len(runs), err)
	}
}
