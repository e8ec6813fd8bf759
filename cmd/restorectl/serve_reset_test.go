package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
)

// serve --reset never deletes a folder that holds no cloud, and a second serve on a
// folder in use is refused before it touches anything.
func TestServeResetAndAFolderInUse(t *testing.T) {
	noenv := func(string) string { return "" }
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"serve", "--reset", "--addr", "127.0.0.1:0", "--data", dir},
		strings.NewReader(""), &out, &errb, noenv)
	if code == 0 || !strings.Contains(errb.String(), "does not hold an embedded cloud") {
		t.Errorf("serve --reset on a plain folder: exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("the folder's file is gone: %v", err)
	}

	busy := t.TempDir()
	release, err := localcloud.LockDir(busy)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	errb.Reset()
	code = run(context.Background(), []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", busy},
		strings.NewReader(""), &out, &errb, noenv)
	if code == 0 || !strings.Contains(errb.String(), "in use by another") {
		t.Errorf("serve on a folder in use: exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(busy, "localcloud.db")); err == nil {
		t.Error("the refused serve created a cloud in the folder in use")
	}
}
