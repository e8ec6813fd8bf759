package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// restoreBed is the embedded cloud plus the environment restorectl needs for runs: a
// journal in a temporary folder and fast polling.
type restoreBed struct {
	t   *testing.T
	srv *localcloud.Server
	env map[string]string
}

func newRestoreBed(t *testing.T) *restoreBed {
	srv := localcloudtest.Start(t)
	return &restoreBed{t: t, srv: srv, env: map[string]string{
		"RESTOREDESK_JOURNAL":       filepath.Join(t.TempDir(), "journal.db"),
		"RESTOREDESK_POLL_INTERVAL": "5ms",
	}}
}

func (b *restoreBed) ctl(args ...string) (int, string, string) {
	b.t.Helper()
	return ctl(b.t, b.srv.URL(), b.env, args...)
}

// ctlStdin runs restorectl with stdin taken for a terminal, answering the prompt.
func (b *restoreBed) ctlStdin(answer string, args ...string) (int, string, string) {
	b.t.Helper()
	old := stdinIsTerminal
	stdinIsTerminal = func(io.Reader) bool { return true }
	defer func() { stdinIsTerminal = old }()
	vars := map[string]string{"MENDIX_USERNAME": localcloud.DemoUsername, "MENDIX_API_KEY": localcloud.DemoAPIKey}
	for k, v := range b.env {
		vars[k] = v
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, "--api-url", b.srv.URL()), strings.NewReader(answer), &out, &errb, func(k string) string { return vars[k] })
	return code, out.String(), errb.String()
}

// snapshots reads the embedded cloud's backups of envID for an assertion; a failed read
// fails the test.
func (b *restoreBed) snapshots(envID string) []localcloud.SnapshotRecord {
	b.t.Helper()
	snaps, err := b.srv.Cloud().Snapshots(envID)
	if err != nil {
		b.t.Fatalf("read the cloud's backups of %s: %v", envID, err)
	}
	return snaps
}

func (b *restoreBed) envID(app, mode string) string { return localcloud.EnvironmentID(app, mode) }

// olderSnapshot is a completed backup with another model version than the data now.
func (b *restoreBed) olderSnapshot(app, mode string) string {
	b.t.Helper()
	snaps, err := b.srv.Cloud().Snapshots(b.envID(app, mode))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, s := range snaps {
		if s.State == "completed" && s.Kind != localcloud.KindUploaded && s.ModelVersion != snaps[0].ModelVersion {
			return s.SnapshotID
		}
	}
	b.t.Fatalf("no older backup of %s %s", app, mode)
	return ""
}

type envState struct {
	digest, status string
	restores       int
}

func (b *restoreBed) state(app, mode string) envState {
	b.t.Helper()
	lc := b.srv.Cloud()
	id := b.envID(app, mode)
	d, err := lc.EnvironmentDigest(id)
	if err != nil {
		b.t.Fatal(err)
	}
	s, err := lc.EnvironmentStatus(id)
	if err != nil {
		b.t.Fatal(err)
	}
	return envState{d, s, len(lc.Restores(id))}
}

var runLine = regexp.MustCompile(`Run (\d+) completed`)

func TestRestoreCommand(t *testing.T) {
	b := newRestoreBed(t)
	snap := b.olderSnapshot("orderdesk", "Test")
	testBefore := b.state("orderdesk", "Test")
	code, out, errs := b.ctl("restore", "orderdesk", "test", snap, "--yes", "--start")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"Restore into Order Desk / Test", "1. Make a safety backup of Test", "Changes made since then will be lost", "Safety backup: ", "Restore: "} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"[1/5] Make a safety backup", "[4/5] Start Test", "✓ Test is running."} {
		if !strings.Contains(errs, want) {
			t.Errorf("progress lacks %q:\n%s", want, errs)
		}
	}
	m := runLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no completed run in:\n%s", out)
	}
	firstRun := m[1]
	if st := b.state("orderdesk", "Test"); st.status != "Running" || st.restores != 1 {
		t.Errorf("after restore: %+v", st)
	}

	// From another environment, into a stopped one, database only, no safety backup.
	acc := b.state("orderdesk", "Acceptance")
	code, out, errs = b.ctl("restore", "orderdesk", "Acceptance", b.olderSnapshot("orderdesk", "Production"), "--from", "Production", "--db-only", "--no-safety-backup", "--yes")
	if code != exitOK || !strings.Contains(out, "backup Production made on") || !strings.Contains(out, "No safety backup will be made") {
		t.Fatalf("--from: exit %d\n%s\n%s", code, out, errs)
	}
	if st := b.state("orderdesk", "Acceptance"); st.restores != acc.restores+1 || st.status != "Stopped" {
		t.Errorf("after --from: %+v", st)
	}

	// Undo the first run: its safety backup goes back.
	code, out, errs = b.ctl("undo", firstRun, "--yes")
	if code != exitOK || !strings.Contains(out, "Undo run "+firstRun+" in Order Desk / Test") || !strings.Contains(out, "This undoes run "+firstRun) {
		t.Fatalf("undo: exit %d\n%s\n%s", code, out, errs)
	}
	if st := b.state("orderdesk", "Test"); st.digest != testBefore.digest || st.status != "Running" {
		t.Errorf("after undo Test does not hold its data from before run %s: %+v", firstRun, st)
	}

	// History lists all three, newest first; CSV and JSON carry the same runs.
	code, out, _ = b.ctl("history")
	if code != exitOK || strings.Index(out, "undo") > strings.Index(out, "orderdesk / Acceptance") {
		t.Errorf("history exit %d:\n%s", code, out)
	}
	code, out, _ = b.ctl("history", "--csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != exitOK || err != nil || len(recs) != 4 || recs[0][0] != "run_id" {
		t.Errorf("history --csv exit %d, %v, %d records:\n%s", code, err, len(recs), out)
	}
	code, out, _ = b.ctl("history", "--json", "--app", "orderdesk", "--limit", "1")
	var runs []map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 1 {
		t.Errorf("history --json exit %d:\n%s", code, out)
	}
}

// Production needs --confirm with its name; --yes alone, a wrong name, or no terminal
// without flags are refused and change nothing.
func TestRestoreCommandProductionGuard(t *testing.T) {
	b := newRestoreBed(t)
	snap := b.olderSnapshot("customerportal", "Production")
	before := b.state("customerportal", "Production")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--yes"}, "Production is a production environment. --yes alone is not enough for that: if you are sure, add --confirm Production"},
		{[]string{"--confirm", "Acceptance"}, "does not name the environment Production"},
		{nil, "no terminal"},
		{[]string{"--yes", "--confirm", "Production"}, "not both"},
	} {
		code, _, errs := b.ctl(append([]string{"restore", "customerportal", "Production", snap}, c.args...)...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", c.args, code, c.want, errs)
		}
	}
	// At a terminal: a declined prompt changes nothing.
	code, out, _ := b.ctlStdin("prod\n", "restore", "customerportal", "Production", snap)
	if code != exitFailure || !strings.Contains(out, "Cancelled: nothing was changed.") {
		t.Errorf("declined: exit %d\n%s", code, out)
	}
	if after := b.state("customerportal", "Production"); after != before {
		t.Fatalf("a refused restore changed Production: %+v → %+v", before, after)
	}
	if code, out, _ := b.ctl("history"); code != exitOK || !strings.Contains(out, "No runs yet.") {
		t.Errorf("refused restores were journaled:\n%s", out)
	}
	// Typing the name runs it; so does --confirm in any case.
	code, out, errs := b.ctlStdin("Production\n", "restore", "customerportal", "Production", snap)
	if code != exitOK || !strings.Contains(errs, "Production is a production environment. If you are sure, type the environment's name (Production)") {
		t.Fatalf("typed name: exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = b.ctl("restore", "customerportal", "Production", snap, "--confirm", "production", "--start")
	if code != exitOK {
		t.Fatalf("--confirm: exit %d\n%s", code, errs)
	}
	if st := b.state("customerportal", "Production"); st.restores != 2 || st.status != "Running" {
		t.Errorf("after two confirmed restores: %+v", st)
	}
}

func TestUploadCommand(t *testing.T) {
	b := newRestoreBed(t)
	file := filepath.Join("..", "..", "core", "archive", "testdata", "customerportal.backup")
	before := b.state("customerportal", "Production")
	snapsBefore := b.snapshots(b.envID("customerportal", "Production"))

	// Upload only: a backup appears, Production never stops, no confirmation needed.
	code, out, errs := b.ctl("upload", "customerportal", "Production", file)
	if code != exitOK || !strings.Contains(out, "Uploading it stops and replaces nothing") || !strings.Contains(out, "Uploaded backup: ") {
		t.Fatalf("upload: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "sent (100%)") {
		t.Errorf("no byte progress:\n%s", errs)
	}
	if after := b.state("customerportal", "Production"); after != before {
		t.Errorf("upload-only changed Production: %+v → %+v", before, after)
	}
	if snaps := b.snapshots(b.envID("customerportal", "Production")); len(snaps) != len(snapsBefore)+1 {
		t.Errorf("%d backups, want %d", len(snaps), len(snapsBefore)+1)
	}

	// Upload and restore into a stopped environment.
	code, out, errs = b.ctl("upload", "customerportal", "Test", file, "--restore", "--yes", "--no-safety-backup")
	if code != exitOK || !strings.Contains(out, "completed") {
		t.Fatalf("upload --restore: exit %d\n%s\n%s", code, out, errs)
	}
	if st := b.state("customerportal", "Test"); st.restores != 1 {
		t.Errorf("after upload --restore: %+v", st)
	}

	// A bad file: plain words, exit 1, nothing uploaded.
	bad := filepath.Join("..", "..", "core", "archive", "testdata", "truncated-snapshot.tar.gz")
	code, _, errs = b.ctl("upload", "customerportal", "Test", bad, "--restore", "--yes")
	if code != exitFailure || !strings.Contains(errs, "cannot be restored") || !strings.Contains(errs, "What to do:") {
		t.Errorf("bad file: exit %d\n%s", code, errs)
	}

	// Options that only make sense with --restore are refused.
	if code, _, errs = b.ctl("upload", "customerportal", "Test", file, "--start"); code != exitUsage {
		t.Errorf("--start without --restore: exit %d\n%s", code, errs)
	}
}

func TestRunCommandsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"restore", "customerportal", "Test"},
		{"upload", "customerportal"},
		{"undo"},
		{"undo", "abc"},
		{"resume", "0"},
		{"history", "extra"},
		{"history", "--limit", "-1"},
	} {
		if code, _, errs := ctl(t, "", nil, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}

// Issue 9's proof: Customer Portal's archive uploaded into Order Desk › Test with --restore
// --yes is refused (exit 2, nothing uploaded, Test unchanged); with --confirm Test it goes.
func TestUploadOfAnotherAppsArchiveNeedsConfirm(t *testing.T) {
	b := newRestoreBed(t)
	file := filepath.Join("..", "..", "core", "archive", "testdata", "files_and_database-1a2b3c4d-202611250130.tar.gz")
	env := b.envID("orderdesk", "Test")
	before := b.state("orderdesk", "Test")
	snapsBefore := b.snapshots(env)

	code, out, errs := b.ctl("upload", "orderdesk", "Test", file, "--restore", "--yes")
	if code != exitUsage {
		t.Fatalf("--yes: exit %d, want %d\n%s\n%s", code, exitUsage, out, errs)
	}
	if !strings.Contains(out, "  ! files_and_database-1a2b3c4d-202611250130.tar.gz was made with model version 1.4.0.211, from another line than the 2.3.0.351") {
		t.Errorf("the plan does not lead with the wrong-app warning:\n%s", out)
	}
	if !strings.Contains(errs, "--yes alone is not enough") || !strings.Contains(errs, "--confirm Test") || !strings.Contains(errs, "Nothing was uploaded") {
		t.Errorf("refusal does not say what to do:\n%s", errs)
	}
	if snaps := b.snapshots(env); len(snaps) != len(snapsBefore) {
		t.Errorf("%d backups after the refusal, want %d: something was uploaded", len(snaps), len(snapsBefore))
	}
	if after := b.state("orderdesk", "Test"); after != before {
		t.Errorf("Test changed after the refusal: %+v → %+v", before, after)
	}

	code, out, errs = b.ctl("upload", "orderdesk", "Test", file, "--restore", "--confirm", "Test", "--no-safety-backup")
	if code != exitOK || !strings.Contains(out, "completed") {
		t.Fatalf("--confirm Test: exit %d\n%s\n%s", code, out, errs)
	}
	if st := b.state("orderdesk", "Test"); st.restores != before.restores+1 {
		t.Errorf("after --confirm Test: %+v, want one restore more than %+v", st, before)
	}
}
