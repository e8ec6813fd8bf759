package main

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// fallbackSummary is what Explain says about real unknowns. A user's mistake never gets it.
const fallbackSummary = "Something unexpected went wrong"

// Each mistake a user can make on the command line gets its own summary and next step,
// driven through the real commands against the embedded cloud.
func TestUserMistakesAreToldPlainly(t *testing.T) {
	srv := localcloudtest.Start(t)
	url := srv.URL()
	tmp := t.TempDir()
	// Profiles live in the user's config folder: point it at an empty one.
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(tmp, "config"))
	t.Setenv("HOME", tmp)

	fifo := filepath.Join(tmp, "pipe.backup")
	if runtime.GOOS != "windows" {
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	corrupt := filepath.Join(tmp, "corrupt.db")
	if err := os.WriteFile(corrupt, []byte(strings.Repeat("not a journal at all; ", 20)), 0o600); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	// A finished run to resume: a backup of orderdesk Test, journaled.
	journalPath := filepath.Join(tmp, "journal.db")
	withJournal := map[string]string{"RESTOREDESK_JOURNAL": journalPath}
	if code, _, errs := ctl(t, url, withJournal, "create-backup", "orderdesk", "Test"); code != exitOK {
		t.Fatalf("create-backup: %s", errs)
	}
	otherAppsEnv := localcloud.EnvironmentID(localcloud.DemoAppOrderDesk, "Test")
	testSnaps, err := srv.Cloud().Snapshots(otherAppsEnv)
	if err != nil || len(testSnaps) == 0 {
		t.Fatalf("the backups of orderdesk Test: %d, %v", len(testSnaps), err)
	}
	otherAppsSnapshot := testSnaps[0].SnapshotID

	noCreds := map[string]string{"MENDIX_USERNAME": "", "MENDIX_API_KEY": ""}
	cases := []struct {
		name string
		env  map[string]string
		url  string // "" leaves --api-url out
		args []string
		want string // a fragment of the summary or next step
	}{
		{"no credentials", noCreds, url, []string{"apps"}, "MENDIX_API_KEY"},
		{"unknown profile", nil, url, []string{"--profile", "acme", "apps"}, `no profile named "acme"`},
		{"wrong API key", map[string]string{"MENDIX_API_KEY": "wrong"}, url, []string{"apps"}, "API key"},
		{"unknown app", nil, url, []string{"envs", "nosuchapp"}, `no app "nosuchapp"`},
		{"unknown environment", nil, url, []string{"backups", "customerportal", "Staging"}, `no environment "Staging"`},
		{"environment of another app", nil, url, []string{"backups", "customerportal", otherAppsEnv}, "belongs to app orderdesk"},
		{"refused API URL (plain http elsewhere)", nil, "", []string{"apps", "--api-url", "http://deploy.example.com"}, "refusing plain http"},
		{"malformed API URL", nil, "", []string{"apps", "--api-url", "deploy.mendix.com"}, "needs a scheme and a host"},
		{"empty --api-url", nil, "", []string{"apps", "--api-url", ""}, "is empty"},
		{"empty --api-url before the command", nil, "", []string{"--api-url=", "apps"}, "is empty"},
		{"path is a folder", nil, "", []string{"inspect", tmp}, "this is a folder"},
		{"path is missing", nil, "", []string{"inspect", filepath.Join(tmp, "missing.backup")}, "there is no file here"},
		{"path is a FIFO", nil, "", []string{"inspect", fifo}, "named pipe"},
		{"corrupt journal", map[string]string{"RESTOREDESK_JOURNAL": corrupt}, "", []string{"history"}, "damaged or is not a Restore Desk journal"},
		{"address in use for serve", nil, "", []string{"serve", "--addr", busy.Addr().String(), "--data", filepath.Join(tmp, "cloud")}, "already in use"},
		{"resume of a finished run", withJournal, url, []string{"resume", "1"}, "already finished"},
		{"unknown run", withJournal, url, []string{"undo", "99"}, "99"},
		{"bad poll interval", map[string]string{"RESTOREDESK_POLL_INTERVAL": "soon"}, url, []string{"stop", "orderdesk", "Test"}, "RESTOREDESK_POLL_INTERVAL"},
		{"unknown backup", nil, url, []string{"restore", "orderdesk", "Test", "no-such-backup", "--yes"}, "no-such-backup"},
		{"API key with a tab pasted in", map[string]string{"MENDIX_API_KEY": "k3y-5ecret\tpasted"}, url, []string{"apps"}, "paste only the key"},
		{"API key with a control character", map[string]string{"MENDIX_API_KEY": "k3y-5ecret\x01"}, url, []string{"apps"}, "control character"},
		{"username with a line break", map[string]string{"MENDIX_USERNAME": "anna@example.com\nx"}, url, []string{"apps"}, "Type the username again"},
		{"comment that is not UTF-8", nil, url, []string{"comment", "orderdesk", "Test", otherAppsSnapshot, "caf\xe9"}, "not valid text"},
		{"https to a plain-HTTP server", nil, strings.Replace(url, "http://", "https://", 1), []string{"apps"}, "use http:// instead of https://"},
	}
	for _, c := range cases {
		if c.name == "path is a FIFO" && runtime.GOOS == "windows" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := ctl(t, c.url, c.env, c.args...)
			if code == exitOK {
				t.Fatalf("exit 0 for a mistake; stderr:\n%s", errs)
			}
			if strings.Contains(errs, "k3y-5ecret") {
				t.Errorf("the API key reached the message:\n%s", errs)
			}
			if strings.Contains(errs, fallbackSummary) {
				t.Errorf("answered by the fallback:\n%s", errs)
			}
			if !strings.Contains(strings.ToLower(errs), strings.ToLower(c.want)) {
				t.Errorf("stderr lacks %q:\n%s", c.want, errs)
			}
			if !strings.Contains(errs, "What to do: ") || strings.Contains(errs, "What to do: Try again; if it happens again") {
				t.Errorf("no next step of its own:\n%s", errs)
			}
		})
	}
}

// Odd SNAPSHOT_ID arguments ("." and ".." that would name another resource, empty,
// a path, latest where a command needs the id) are usage mistakes told plainly before
// anything is asked of the cloud: no backup changes, no run is journaled.
func TestOddBackupArgumentsAreToldPlainly(t *testing.T) {
	srv := localcloudtest.Start(t)
	env := localcloud.EnvironmentID(localcloud.DemoAppOrderDesk, "Test")
	before, err := srv.Cloud().Snapshots(env)
	if err != nil {
		t.Fatal(err)
	}
	journalPath := filepath.Join(t.TempDir(), "journal.db")
	vars := map[string]string{"RESTOREDESK_JOURNAL": journalPath}
	for _, id := range []string{".", "..", "", " ", "a/b", `..\x`} {
		for _, args := range [][]string{
			{"delete", "orderdesk", "Test", id, "--yes"},
			{"comment", "orderdesk", "Test", id, "text"},
			{"restore", "orderdesk", "Test", id, "--yes"},
			{"download", "orderdesk", "Test", id, "--output", t.TempDir()},
			{"download", "orderdesk", "Test", id, "--print-url"},
		} {
			code, out, errs := ctl(t, srv.URL(), vars, args...)
			if code != exitUsage || !strings.Contains(errs, "is not a backup's id: give a backup's id as 'restorectl backups APP ENV' lists it") {
				t.Errorf("%q: exit %d\n%s\n%s", args, code, out, errs)
			}
		}
	}
	for _, cmd := range []string{"delete", "comment", "restore"} {
		code, _, errs := ctl(t, srv.URL(), vars, cmd, "orderdesk", "Test", "latest", "--yes")
		if cmd == "comment" {
			code, _, errs = ctl(t, srv.URL(), vars, cmd, "orderdesk", "Test", "latest", "text")
		}
		if code != exitUsage || !strings.Contains(errs, cmd+" needs the backup's own id, not latest") {
			t.Errorf("%s latest: exit %d\n%s", cmd, code, errs)
		}
	}
	after, err := srv.Cloud().Snapshots(env)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("%d backups, were %d", len(after), len(before))
	}
	if _, err := os.Stat(journalPath); err == nil {
		code, hist, _ := ctl(t, "", vars, "history", "--csv")
		if code != exitOK || strings.Count(hist, "\n") > 1 {
			t.Errorf("runs were journaled for refused arguments:\n%s", hist)
		}
	}
}
