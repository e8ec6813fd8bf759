package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// Stop, start and create-backup are journaled runs: asking for the state an environment
// is in already says so, a Free App's backup is refused in plain words, and history lists
// every run with its kind.
func TestLifecycleRunsAreJournaled(t *testing.T) {
	b := newRestoreBed(t)
	if code, out, errs := b.ctl("stop", "orderdesk", "Test"); code != exitOK || out != "Order Desk Test is already stopped.\n" {
		t.Fatalf("stop of a stopped environment: exit %d: %q %s", code, out, errs)
	}
	// Production goes down only with its name typed: without a terminal and without
	// --confirm nothing happens.
	code, out, errs := b.ctl("stop", "orderdesk", "Production")
	if code != exitUsage || !strings.Contains(errs, "--confirm Production") || b.state("orderdesk", "Production").status != "Running" {
		t.Fatalf("stop of production without --confirm: exit %d: %q\n%s", code, out, errs)
	}
	if code, _, errs = b.ctl("stop", "orderdesk", "Production", "--confirm", "Test"); code != exitUsage || b.state("orderdesk", "Production").status != "Running" {
		t.Fatalf("stop of production with the wrong name: exit %d\n%s", code, errs)
	}
	code, out, errs = b.ctl("stop", "orderdesk", "Production", "--confirm", "production")
	if code != exitOK || out != "Order Desk Production is stopped.\n" || !strings.Contains(errs, "Stop Production and wait until it is stopped") {
		t.Fatalf("stop: exit %d: %q\n%s", code, out, errs)
	}
	if code, out, errs = b.ctl("start", "orderdesk", "Production", "--json"); code != exitOK {
		t.Fatalf("start: exit %d: %s %s", code, out, errs)
	}
	var res struct {
		RunID      int64
		StartedEnv bool
		Status     string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.RunID == 0 || !res.StartedEnv || res.Status != "completed" {
		t.Errorf("start --json = %+v, %v:\n%s", res, err, out)
	}
	if code, out, _ = b.ctl("start", "orderdesk", "Production"); code != exitOK || out != "Order Desk Production is already running.\n" {
		t.Errorf("start of a running environment: exit %d: %q", code, out)
	}
	if code, out, errs = b.ctl("create-backup", "orderdesk", "Test", "--no-wait"); code != exitOK || !strings.Contains(out, ": queued") {
		t.Errorf("create-backup --no-wait: exit %d: %q %s", code, out, errs)
	}

	code, out, errs = b.ctl("create-backup", "expensetracker", "Sandbox")
	if code != exitFailure || out != "" || !strings.Contains(errs, "Free App") || !strings.Contains(errs, "What to do:") {
		t.Errorf("create-backup of a Free App: exit %d: %q\n%s", code, out, errs)
	}
	if code, _, errs = b.ctl("stop", "orderdesk", "Production", "--timeout", "0s"); code != exitUsage {
		t.Errorf("stop --timeout 0s: exit %d: %s", code, errs)
	}

	code, out, _ = b.ctl("history", "--json")
	var runs []struct {
		Kind, Mode, Status string
	}
	if err := json.Unmarshal([]byte(out), &runs); err != nil || code != exitOK {
		t.Fatalf("history --json: exit %d, %v:\n%s", code, err, out)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.Kind+" "+r.Mode+" "+r.Status)
	}
	want := "backup Test completed, start Production completed, start Production completed, stop Production completed, stop Test completed"
	if strings.Join(got, ", ") != want {
		t.Errorf("history lists %q, want %q", strings.Join(got, ", "), want)
	}
}
