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
