package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// ctlLine runs restorectl with exactly args (no --api-url appended), the demo account's
// credentials and a temporary journal.
func ctlLine(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	vars := map[string]string{"MENDIX_USERNAME": localcloud.DemoUsername, "MENDIX_API_KEY": localcloud.DemoAPIKey,
		"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	var out, errb strings.Builder
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return vars[k] })
	return code, out.String(), errb.String()
}

// Global flags work before the command, as in git and kubectl.
func TestGlobalFlagsBeforeTheCommand(t *testing.T) {
	srv := localcloudtest.Start(t)

	code, out, errs := ctlLine(t, "--api-url", srv.URL(), "--json", "apps")
	if code != exitOK {
		t.Fatalf("--api-url URL --json apps: exit %d: %s", code, errs)
	}
	var apps []map[string]any
	if err := json.Unmarshal([]byte(out), &apps); err != nil || len(apps) == 0 {
		t.Fatalf("--json before the command did not give JSON: %v\n%s", err, out)
	}

	code, out, errs = ctlLine(t, "--api-url="+srv.URL(), "backups", "customerportal", "Production")
	if code != exitOK || !strings.Contains(out, "SNAPSHOT ID") {
		t.Fatalf("--api-url=URL backups: exit %d:\n%s%s", code, out, errs)
	}
	// Given on both sides, the one after the command wins (it is parsed last).
	code, _, errs = ctlLine(t, "--api-url", "http://127.0.0.1:1", "apps", "--api-url", srv.URL())
	if code != exitOK {
		t.Fatalf("--api-url on both sides: exit %d: %s", code, errs)
	}

	// --profile before the command: the profile's own (bad) URL is what is refused, so
	// the profile was found and used.
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	dir := filepath.Join(cfg, "restoredesk")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "profiles.json"), []byte(`{"profiles":[{"name":"acme","username":"a@example.com","api_url":"http://deploy.example.com"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = ctlLine(t, "--profile", "acme", "apps")
	if code != exitFailure || !strings.Contains(errs, "refusing plain http to deploy.example.com") {
		t.Errorf("--profile acme apps: exit %d:\n%s", code, errs)
	}
	code, _, errs = ctlLine(t, "--profile", "nosuch", "apps")
	if code != exitFailure || !strings.Contains(errs, `no profile named "nosuch"`) || !strings.Contains(errs, "acme") {
		t.Errorf("--profile nosuch apps: exit %d:\n%s", code, errs)
	}

	// A command's own flag before the command is a usage error.
	if code, _, _ := ctlLine(t, "--comment", "x", "apps"); code != exitUsage {
		t.Errorf("unknown global flag: exit %d, want 2", code)
	}
}

func TestHelpOfAnUnknownCommandExits2(t *testing.T) {
	code, _, errs := ctlLine(t, "help", "NOSUCH")
	if code != exitUsage || !strings.Contains(errs, `unknown command "NOSUCH"`) {
		t.Errorf("help NOSUCH: exit %d: %s", code, errs)
	}
	if code, out, _ := ctlLine(t, "help", "restore"); code != exitOK || !strings.Contains(out, "usage: restorectl restore") {
		t.Errorf("help restore: exit %d:\n%s", code, out)
	}
	if code, _, _ := ctlLine(t, "--json", "help"); code != exitOK {
		t.Errorf("--json help: exit %d", code)
	}
}
