package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// ctl runs one restorectl command line in-process against the server at url, with the
// demo account's credentials and a journal in a temporary folder in the environment
// unless env overrides them.
func ctl(t *testing.T, url string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	vars := map[string]string{"MENDIX_USERNAME": localcloud.DemoUsername, "MENDIX_API_KEY": localcloud.DemoAPIKey,
		"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	for k, v := range env {
		vars[k] = v
	}
	if url != "" {
		args = append(args, "--api-url", url)
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return vars[k] })
	return code, out.String(), errb.String()
}

func TestAppsListsLicensedAndFreeApps(t *testing.T) {
	srv := localcloudtest.Start(t)
	code, out, errs := ctl(t, srv.URL(), nil, "apps")
	if code != exitOK {
		t.Fatalf("apps exit %d: %s", code, errs)
	}
	for _, want := range []string{"customerportal", "Customer Portal", "orderdesk", "expensetracker", "Free App", "Production (Running)"} {
		if !strings.Contains(out, want) {
			t.Errorf("apps output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = ctl(t, srv.URL(), nil, "apps", "--json")
	if code != exitOK {
		t.Fatalf("apps --json exit %d", code)
	}
	var apps []map[string]any
	if err := json.Unmarshal([]byte(out), &apps); err != nil {
		t.Fatalf("apps --json is not JSON: %v\n%s", err, out)
	}
	free := map[string]bool{}
	for _, a := range apps {
		for _, field := range []string{"AppId", "Name", "ProjectId", "Url", "FreeApp"} {
			if _, ok := a[field]; !ok {
				t.Errorf("app %v lacks the API field %s", a["AppId"], field)
			}
		}
		free[a["AppId"].(string)] = a["FreeApp"].(bool)
	}
	if !free["expensetracker"] || free["customerportal"] {
		t.Errorf("FreeApp flags = %v", free)
	}
}

// Flags are accepted after the positional arguments, as the docs write the commands.
func TestFlagsAfterArgumentsAndEnvByAnyCase(t *testing.T) {
	srv := localcloudtest.Start(t)
	code, out, errs := ctl(t, srv.URL(), nil, "backups", "Customer Portal", "production", "--json")
	if code != exitOK {
		t.Fatalf("backups exit %d: %s", code, errs)
	}
	var snaps []map[string]any
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) == 0 {
		t.Fatalf("backups --json = %v, %s", err, out)
	}
	if _, ok := snaps[0]["snapshot_id"]; !ok {
		t.Errorf("snapshot JSON lacks snapshot_id: %v", snaps[0])
	}

	code, out, _ = ctl(t, srv.URL(), nil, "envs", "customerportal")
	if code != exitOK || !strings.Contains(out, "Acceptance") || !strings.Contains(out, "Stopped") {
		t.Fatalf("envs exit %d:\n%s", code, out)
	}
	code, out, _ = ctl(t, srv.URL(), nil, "backups", "customerportal", "Test")
	if code != exitOK || !strings.Contains(out, "nightly") || !strings.Contains(out, "failed") {
		t.Fatalf("backups table exit %d lacks kinds/states:\n%s", code, out)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"no-such-command"},
		{"envs"},
		{"backups", "customerportal"},
		{"apps", "extra"},
		{"apps", "--no-such-flag"},
	} {
		code, _, errs := ctl(t, "", nil, args...)
		if code != exitUsage {
			t.Errorf("restorectl %v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
}

func TestMissingCredentialsSaysWhatToSet(t *testing.T) {
	code, _, errs := ctl(t, "http://127.0.0.1:1", map[string]string{"MENDIX_USERNAME": "", "MENDIX_API_KEY": ""}, "apps")
	if code != exitFailure || !strings.Contains(errs, "MENDIX_API_KEY") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

func TestWrongKeyExplainedWithoutLeakingIt(t *testing.T) {
	srv := localcloudtest.Start(t)
	const key = "wrong-key-6d1f0c"
	code, out, errs := ctl(t, srv.URL(), map[string]string{"MENDIX_API_KEY": key}, "apps")
	if code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out+errs, key) {
		t.Fatalf("the API key appears in the output:\n%s%s", out, errs)
	}
	if !strings.Contains(strings.ToLower(errs), "api key") {
		t.Errorf("the error does not point at the API key:\n%s", errs)
	}
}

func TestUnknownAppAndEnvironment(t *testing.T) {
	srv := localcloudtest.Start(t)
	code, _, errs := ctl(t, srv.URL(), nil, "envs", "nosuchapp")
	if code != exitFailure || !strings.Contains(errs, "restorectl apps") {
		t.Errorf("unknown app: exit %d: %s", code, errs)
	}
	code, _, errs = ctl(t, srv.URL(), nil, "backups", "customerportal", "Staging")
	if code != exitFailure || !strings.Contains(errs, "Production") {
		t.Errorf("unknown env: exit %d: %s", code, errs)
	}
}

func TestCreateBackupStopAndStart(t *testing.T) {
	srv := localcloudtest.Start(t)
	code, out, errs := ctl(t, srv.URL(), nil, "create-backup", "orderdesk", "Test", "--comment", "before the migration")
	if code != exitOK || !strings.Contains(out, "completed") {
		t.Fatalf("create-backup exit %d: %s %s", code, out, errs)
	}
	_, out, _ = ctl(t, srv.URL(), nil, "backups", "orderdesk", "Test")
	if !strings.Contains(out, "before the migration") {
		t.Errorf("new backup not listed:\n%s", out)
	}
	if code, out, errs = ctl(t, srv.URL(), nil, "stop", "orderdesk", "Production", "--confirm", "Production"); code != exitOK || !strings.Contains(out, "stopped") {
		t.Fatalf("stop exit %d: %s %s", code, out, errs)
	}
	_, out, _ = ctl(t, srv.URL(), nil, "envs", "orderdesk")
	if !strings.Contains(out, "Production  Stopped") {
		t.Errorf("Production not stopped after stop:\n%s", out)
	}
	if code, out, errs = ctl(t, srv.URL(), nil, "start", "orderdesk", "Production"); code != exitOK || !strings.Contains(out, "running") {
		t.Fatalf("start exit %d: %s %s", code, out, errs)
	}
}

func TestInspectExitCodesAndJSON(t *testing.T) {
	good := filepath.Join("..", "..", "core", "archive", "testdata", "files_and_database-1a2b3c4d-202611250130.tar.gz")
	code, out, errs := ctl(t, "", nil, "inspect", good, "--json")
	if code != exitOK {
		t.Fatalf("inspect good: exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["kind"] != "full_snapshot" || rep["restorable"] != true || rep["archive_version"] != "1.14" || rep["model_version"] != "1.4.0.211" {
		t.Errorf("report = %v", rep)
	}
	bad := filepath.Join("..", "..", "core", "archive", "testdata", "truncated-snapshot.tar.gz")
	code, out, _ = ctl(t, "", nil, "inspect", bad)
	if code != exitFailure || !strings.Contains(strings.ToLower(out), "ends early") {
		t.Errorf("inspect truncated: exit %d:\n%s", code, out)
	}
	code, _, _ = ctl(t, "", nil, "inspect", filepath.Join(t.TempDir(), "missing.backup"))
	if code != exitFailure {
		t.Errorf("inspect missing file: exit %d", code)
	}
}

// TestCurlAgainstServeDemo runs scripts/curl-demo.sh — the real curl, the documented
// headers and paths — against `restorectl serve --demo`.
func TestCurlAgainstServeDemo(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed; run `make deps`")
	}
	data := t.TempDir() // before the cleanup below, so it is removed after serve stopped
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb bytes.Buffer
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", data},
			strings.NewReader(""), pw, &errb, func(string) string { return "" })
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop after cancel")
		}
	})
	lines := bufio.NewScanner(pr)
	url := ""
	for lines.Scan() {
		if f := strings.Fields(lines.Text()); len(f) > 4 && strings.HasPrefix(lines.Text(), "Embedded cloud listening on") {
			url = f[4]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if url == "" {
		t.Fatal("serve printed no URL")
	}
	cmd := exec.Command("bash", filepath.Join("..", "..", "scripts", "curl-demo.sh"), url)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	t.Logf("curl-demo.sh:\n%s", out)
	if err != nil || !strings.Contains(string(out), " 0 failed") {
		t.Fatalf("curl checks failed: %v", err)
	}
}
