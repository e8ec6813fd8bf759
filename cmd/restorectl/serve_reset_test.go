package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

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

// The reproduction of a review: a project folder with the user's notes and a sub-folder,
// made writable for everyone (sticky, 1777). serve --data must not adopt it (nor change
// its mode), and serve --reset must not delete what is in it.
func TestServeNeverAdoptsNorResetsAFolderOfTheUsersFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	proj := filepath.Join(t.TempDir(), "proj")
	if err := os.MkdirAll(filepath.Join(proj, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proj, "notes.txt"), []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sticky := os.ModeDir | os.ModeSticky | 0o777
	if err := os.Chmod(proj, sticky); err != nil {
		t.Fatal(err)
	}
	serve := func(args ...string) (int, string) {
		t.Helper()
		// A serve that (wrongly) starts is stopped after a while instead of hanging the test.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", proj}, args...),
			strings.NewReader(""), &out, &errb, func(string) string { return "" })
		return code, out.String() + errb.String()
	}
	code, out := serve()
	if code == 0 || !strings.Contains(out, "already holds files of its own") || strings.Contains(out, "unexpected") || !strings.Contains(out, "notes.txt") {
		t.Errorf("serve --data on a folder of the user's files: exit %d\n%s", code, out)
	}
	code, out = serve("--reset")
	if code == 0 || !strings.Contains(out, "does not hold an embedded cloud") || strings.Contains(out, "unexpected") {
		t.Errorf("serve --reset on a folder of the user's files: exit %d\n%s", code, out)
	}
	fi, err := os.Stat(proj)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != sticky {
		t.Errorf("the folder's mode is %v, want %v as the user left it", fi.Mode(), sticky)
	}
	if b, err := os.ReadFile(filepath.Join(proj, "notes.txt")); err != nil || string(b) != "keep\n" {
		t.Errorf("notes.txt after serve and serve --reset: %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(proj, "sub")); err != nil || !fi.IsDir() {
		t.Errorf("sub/ after serve and serve --reset: %v", err)
	}
	entries, err := os.ReadDir(proj)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("the refused serves left files in the folder: %v", entries)
	}
}

// An empty folder the user made is adopted with its mode as it is; the cloud's own
// folders inside are private. A reset removes what the cloud made and nothing else: files
// of the user's that came into the folder later (an older version adopted such folders)
// stay.
func TestServeResetRemovesOnlyWhatTheCloudMade(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	data := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	sticky := os.ModeDir | os.ModeSticky | 0o777
	if err := os.Chmod(data, sticky); err != nil {
		t.Fatal(err)
	}
	_, stop := serveIn(t, data)
	stop()
	fi, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != sticky {
		t.Errorf("serve changed the mode of a folder it did not create: %v, want %v", fi.Mode(), sticky)
	}
	for _, own := range []string{"blobs", "envs", "archives", "uploads"} {
		fi, err := os.Stat(filepath.Join(data, own))
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("the cloud's folder %s: %v (mode %v), want 0700", own, err, fi)
		}
	}
	if err := os.WriteFile(filepath.Join(data, "notes.txt"), []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(data, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A file in one of the cloud's folders stands for its data: a reset removes it.
	cloudFile := filepath.Join(data, "blobs", "made-by-the-cloud")
	if err := os.WriteFile(cloudFile, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stop = serveIn(t, data, "--reset")
	stop()
	if _, err := os.Stat(cloudFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the cloud's data survived the reset: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(data, "notes.txt")); err != nil || string(b) != "keep\n" {
		t.Errorf("notes.txt after serve --reset: %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(data, "sub")); err != nil || !fi.IsDir() {
		t.Errorf("sub/ after serve --reset: %v", err)
	}
}
