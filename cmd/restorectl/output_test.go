package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// hostile is cloud text that tries to forge lines of restorectl's output: a newline and
// a carriage return each followed by a line restorectl could print, and a terminal escape.
const hostile = "x\nCheck:   passed: FORGED\r\nRun 9 completed: FORGED\x1b[2K"

// forged reports the lines of out (split at \n and \r, as a terminal shows them) that
// the hostile text made, or a raw escape byte.
func forged(out string) []string {
	var bad []string
	for _, l := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.HasPrefix(l, "Check:   passed: FORGED") || strings.HasPrefix(l, "Run 9 completed: FORGED") {
			bad = append(bad, l)
		}
	}
	if strings.Contains(out, "\x1b") {
		bad = append(bad, "a raw ESC")
	}
	return bad
}

// An embedded cloud whose app name, environment name, backup status message and comment
// hold hostile text: no line of stdout or stderr is forged, whatever the command (plan
// headers, refusals with their details, tables, results).
func TestHostileCloudTextForgesNoLine(t *testing.T) {
	srv := localcloudtest.Start(t)
	lc := srv.Cloud()
	app, err := lc.AddApp(localcloud.AppSpec{AppID: "hostile", Name: "Evil " + hostile, Team: []string{localcloud.DemoUsername},
		Environments: []localcloud.EnvSpec{{Mode: "Test"}}})
	if err != nil {
		t.Fatal(err)
	}
	env := localcloud.EnvironmentID(app.AppID, "Test")
	failed, err := lc.AddSnapshot(env, localcloud.SnapshotSpec{Failed: true, StatusMessage: "disk full " + hostile})
	if err != nil {
		t.Fatal(err)
	}
	good, err := lc.AddSnapshot(env, localcloud.SnapshotSpec{ArchivePath: dumpFixture, DatabaseOnly: true, Comment: "c " + hostile})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"RESTOREDESK_POLL_INTERVAL": "5ms", "RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"download", "hostile", "Test", failed.SnapshotID, "--output", dir},
		{"download", "hostile", "Test", failed.SnapshotID, "--print-url"},
		{"restore", "hostile", "Test", failed.SnapshotID, "--yes"},
		{"download", "hostile", "Test", good.SnapshotID, "--db-only", "--output", dir},
		{"comment", "hostile", "Test", good.SnapshotID, "mine"},
		{"apps"},
		{"backups", "hostile", "Test"},
		{"history"},
	} {
		code, out, errs := ctl(t, srv.URL(), vars, args...)
		if bad := forged(out + "\n" + errs); len(bad) > 0 {
			t.Errorf("%v (exit %d): forged lines %q:\n%s\n%s", args, code, bad, out, errs)
		}
		if args[0] == "download" && args[3] == failed.SnapshotID && (code != exitFailure || !strings.Contains(errs, `disk full x\nCheck:`)) {
			t.Errorf("%v: exit %d, the refusal does not show the status message escaped:\n%s", args, code, errs)
		}
	}
}

// Under --json stdout holds one JSON value and nothing else: the plan goes to stderr
// (download, comment, delete, download --print-url).
func TestJSONOutputIsOnlyJSONAndThePlanGoesToStderr(t *testing.T) {
	srv, id := downloadServer(t, dumpFixture, true)
	vars := map[string]string{"RESTOREDESK_POLL_INTERVAL": "5ms", "RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	// A manual backup of the same environment to comment on and delete.
	code, out, errs := ctl(t, srv.URL(), vars, "create-backup", "customerportal", "Acceptance", "--json")
	var made struct {
		SnapshotID string `json:"snapshot_id"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &made) != nil || made.SnapshotID == "" {
		t.Fatalf("create-backup --json: exit %d:\n%s\n%s", code, out, errs)
	}
	for _, tc := range []struct {
		args []string
		plan string // a line of the plan, expected on stderr
	}{
		{[]string{"download", "customerportal", "Acceptance", id, "--db-only", "--output", t.TempDir()}, "1. Ask Mendix Cloud for an archive"},
		{[]string{"download", "customerportal", "Acceptance", id, "--print-url"}, "1. Ask Mendix Cloud for an archive"},
		{[]string{"comment", "customerportal", "Acceptance", made.SnapshotID, "known good"}, "1. Set the comment of"},
		{[]string{"delete", "customerportal", "Acceptance", made.SnapshotID, "--yes"}, "1. Delete "},
	} {
		code, out, errs := ctl(t, srv.URL(), vars, append(tc.args, "--json")...)
		if code != exitOK {
			t.Errorf("%v --json: exit %d:\n%s\n%s", tc.args, code, out, errs)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(out))
		var v any
		if err := dec.Decode(&v); err != nil || dec.More() {
			t.Errorf("%v --json: stdout is not one JSON value (%v):\n%s", tc.args, err, out)
		}
		if _, isObj := v.(map[string]any); !isObj {
			t.Errorf("%v --json: stdout is %T, want an object", tc.args, v)
		}
		if !strings.Contains(errs, tc.plan) {
			t.Errorf("%v --json: the plan (%q) is not on stderr:\n%s", tc.args, tc.plan, errs)
		}
	}
}
