package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// The demo lives in the user's data folder and stays there after it closes; a second
// demo window meanwhile gets a temporary one that is removed when it closes.
func TestDemoDirIsKeptAndShared(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_DATA_HOME", base)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	kept, release, err := demoDir(log, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "restoredesk", "demo-cloud"); kept != want {
		t.Errorf("demo folder = %s, want %s", kept, want)
	}
	second, releaseSecond, err := demoDir(log, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if second == kept {
		t.Fatal("a second demo got the folder the first one holds")
	}
	if err := releaseSecond(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(second); !os.IsNotExist(err) {
		t.Errorf("the temporary demo folder %s is still there (%v)", second, err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the kept demo folder is gone after closing: %v", err)
	}
}
