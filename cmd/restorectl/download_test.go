package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

const (
	fullBackupFixture = "../../core/archive/testdata/files_and_database-1a2b3c4d-202611250130.tar.gz"
	dumpFixture       = "../../core/archive/testdata/customerportal.backup"
)

// downloadServer is the embedded cloud refusing Mendix headers on archive links, with a
// backup of the demo app's Acceptance environment made from fixture; it returns the
// backup's id.
func downloadServer(t *testing.T, fixture string, dbOnly bool) (*localcloud.Server, string) {
	t.Helper()
	srv := localcloudtest.Start(t, localcloudtest.WithStrictDownloads())
	env := localcloud.EnvironmentID(localcloud.DemoAppCustomerPortal, "Acceptance")
	rec, err := srv.Cloud().AddSnapshot(env, localcloud.SnapshotSpec{ArchivePath: fixture, DatabaseOnly: dbOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, r := range srv.Cloud().DownloadRequests() {
			if r.MendixHeaders {
				t.Errorf("a request to archive link %s carried Mendix headers", r.ArchiveID)
			}
		}
	})
	return srv, rec.SnapshotID
}

var fastPoll = map[string]string{"RESTOREDESK_POLL_INTERVAL": "5ms"}

func sha(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func noLink(t *testing.T, outs ...string) {
	t.Helper()
	for _, s := range outs {
		for _, bit := range []string{"/downloads/", "signature=", "expires="} {
			if strings.Contains(s, bit) {
				t.Errorf("the output holds a piece of the archive link (%q):\n%s", bit, s)
			}
		}
	}
}

func TestDownloadFullBackupPrintsPathSizeSHAAndVerdict(t *testing.T) {
	srv, id := downloadServer(t, fullBackupFixture, false)
	dir := t.TempDir()
	env := map[string]string{"RESTOREDESK_POLL_INTERVAL": "5ms", "RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	code, out, errs := ctl(t, srv.URL(), env, "download", "customerportal", "acceptance", id, "--output", dir)
	noLink(t, out, errs)
	if code != exitOK {
		t.Fatalf("download exit %d:\n%s\n%s", code, out, errs)
	}
	want := sha(t, fullBackupFixture)
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 1 || sha(t, names[0]) != want {
		t.Fatalf("the folder holds %v, want the backup with SHA-256 %s", names, want)
	}
	for _, s := range []string{"1. Ask Mendix Cloud for an archive of the backup", "Saved:   " + names[0], "SHA-256: " + want,
		"Check:   passed: Full snapshot (database and files) that Mendix Cloud can restore (run 1)", "(66088 bytes)"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if !strings.Contains(errs, "[2/3] Download it to the folder "+dir) || !strings.Contains(errs, "completed: Done preparing download archive") ||
		!strings.Contains(errs, "66 kB of 66 kB downloaded (100%)") {
		t.Errorf("progress lacks the stages:\n%s", errs)
	}
	// The history has the run with the file, its size and SHA-256, and no link.
	code, hist, _ := ctl(t, "", env, "history", "--csv")
	noLink(t, hist)
	if code != exitOK || !strings.Contains(hist, "1,download,completed") || !strings.Contains(hist, filepath.Base(names[0])) ||
		!strings.Contains(hist, want) || !strings.Contains(hist, "66088") {
		t.Errorf("history lacks the download run:\n%s", hist)
	}
	code, hist, _ = ctl(t, "", env, "history", "--json")
	noLink(t, hist)
	if code != exitOK || !strings.Contains(hist, `"FilePath": "`+names[0]+`"`) {
		t.Errorf("history --json lacks the file's path:\n%s", hist)
	}
}

func TestDownloadLatestDatabaseOnlyAsJSON(t *testing.T) {
	srv, id := downloadServer(t, dumpFixture, true)
	dir := t.TempDir()
	code, out, errs := ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance", "latest", "--db-only", "--output", filepath.Join(dir, "cp.backup"), "--json")
	noLink(t, out, errs)
	if code != exitOK {
		t.Fatalf("download exit %d:\n%s\n%s", code, out, errs)
	}
	var rep downloadReport
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if rep.SnapshotID != id || rep.Path != filepath.Join(dir, "cp.backup") || rep.SHA256 != sha(t, dumpFixture) ||
		rep.Kind != "database_only" || !rep.Restorable {
		t.Fatalf("report = %+v", rep)
	}
}

func TestDownloadKeepsAnExistingFileUnlessForced(t *testing.T) {
	srv, id := downloadServer(t, dumpFixture, true)
	dest := filepath.Join(t.TempDir(), "mine.backup")
	if err := os.WriteFile(dest, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance", id, "--db-only", "--output", dest)
	if code != exitFailure || !strings.Contains(errs, "already exists") || !strings.Contains(errs, "--force") {
		t.Fatalf("download over an existing file: exit %d\n%s", code, errs)
	}
	if b, _ := os.ReadFile(dest); string(b) != "mine" || len(srv.Cloud().DownloadRequests()) != 0 {
		t.Fatalf("the existing file was touched or a download started")
	}
	code, _, errs = ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance", id, "--db-only", "--output", dest, "--force")
	if code != exitOK || sha(t, dest) != sha(t, dumpFixture) {
		t.Fatalf("forced download: exit %d\n%s", code, errs)
	}
}

func TestDownloadRefusesAMissingFolderAndBadUsage(t *testing.T) {
	srv, id := downloadServer(t, dumpFixture, true)
	missing := filepath.Join(t.TempDir(), "nope", "x.backup")
	code, _, errs := ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance", id, "--output", missing)
	if code != exitFailure || !strings.Contains(errs, "does not exist; create it or choose another folder") {
		t.Fatalf("download into a missing folder: exit %d\n%s", code, errs)
	}
	if n := len(srv.Cloud().DownloadRequests()); n != 0 {
		t.Fatalf("%d download requests for a refused plan", n)
	}
	if code, _, errs := ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance"); code != exitUsage || !strings.Contains(errs, "usage: restorectl download") {
		t.Fatalf("missing SNAPSHOT_ID: exit %d\n%s", code, errs)
	}
	if code, _, _ := ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance", id, "--bogus"); code != exitUsage {
		t.Fatalf("unknown flag: exit %d", code)
	}
}

func TestDownloadThatFailsInspectionExitsOne(t *testing.T) {
	srv, id := downloadServer(t, "../../core/archive/testdata/truncated-snapshot.tar.gz", false)
	dir := t.TempDir()
	code, out, errs := ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance", id, "--output", dir)
	if code != exitFailure || !strings.Contains(out, "Check:   FAILED: this file cannot be restored as it is") || !strings.Contains(out, "Saved:   ") {
		t.Fatalf("download of a damaged backup: exit %d\n%s\n%s", code, out, errs)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz")); len(names) != 1 {
		t.Fatalf("the damaged download is not kept to look at: %v", names)
	}
}
