package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/localdb"
	"restoredesk/core/localdb/pgtest"
)

// The screenshot tour that `make screenshots` runs in a real window also runs in the
// test driver: every scene is reached and captured.
func TestTour_CapturesEveryScene(t *testing.T) {
	h := newHarness(t)
	archive := fixture(t, "customerportal.backup")
	// The wrong-app scene checks the full snapshot that lies beside it, as in demodata/.
	full := fixture(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	if err := os.Rename(full, filepath.Join(filepath.Dir(archive), filepath.Base(full))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if d := os.Getenv("RESTOREDESK_TOUR_DIR"); d != "" {
		dir = d // keep the pictures to look at them
	}
	shots := []string{ShotMainWindow, ShotRestore, ShotStopPrompt, ShotJobsPanel, ShotUploadReport, ShotWrongApp, ShotDownloadDialog, ShotDownloadFinished, ShotLookInside, ShotCompare}
	var db *localdb.Target
	if pgtest.BinDir() != "" { // the local-database scenes need a real PostgreSQL
		c := sharedPostgres(t)
		db = &localdb.Target{Host: c.Host, Port: c.Port, User: pgtest.User, Password: pgtest.Password, Database: "tour"}
		shots = append(shots, ShotLocalDBDialog, ShotLocalDBReport)
	}
	h.on(func() { h.u.Start(StartOptions{Demo: true}) })
	// Generous: on a loaded machine the race detector slows the whole tour, not one step.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := Tour(ctx, h.u, dir, archive, nil, db); err != nil {
		t.Fatal(err)
	}
	h.idle()
	for _, name := range shots {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 600 {
			t.Errorf("%s is %dx%d", name, b.Dx(), b.Dy())
		}
	}
}
