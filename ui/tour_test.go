package ui

import (
	"context"
	"image"
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
		if got := pngSize(t, filepath.Join(dir, name)); got.X < 1000 || got.Y < 600 {
			t.Errorf("%s is %dx%d", name, got.X, got.Y)
		}
	}
	// The small screens' scenes (tour_sizes.go) are as large as those screens' windows.
	for name, want := range map[string]image.Point{ShotMain1024: {1024, 768}, ShotMain800: {800, 600}, ShotMoreMenu800: {800, 600}, ShotRestore800: {800, 600}} {
		if got := pngSize(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s is %v, want %v", name, got, want)
		}
	}
}

// pngSize is the size of the PNG at path.
func pngSize(t *testing.T, path string) image.Point {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img.Bounds().Size()
}
