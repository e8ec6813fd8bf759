package restore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// Flow 1: a Free App's backup restored into its Sandbox, which is running.
func TestFreeAppRestore(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppExpenseTracker, "Sandbox")
	snap := b.completedSnapshot(tg)
	before := b.digest(tg.Env.EnvironmentID)

	p, err := b.e.Plan(ctx, restore.Request{Profile: "demo", Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg,
		Options: restore.Options{SafetyBackup: true, Start: true}})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if !p.FreeApp || p.Request.Options.SafetyBackup {
		t.Errorf("FreeApp %v, safety backup %v: a Free App cannot have one", p.FreeApp, p.Request.Options.SafetyBackup)
	}
	if want := []restore.StepKind{restore.StepStop, restore.StepRestore, restore.StepWait, restore.StepStart, restore.StepVerify}; !slices.Equal(kinds(p), want) {
		t.Errorf("steps %v, want %v", kinds(p), want)
	}
	if !hasNote(p, "Free App: Mendix Cloud cannot make a safety backup") || !hasNote(p, "cannot receive uploaded archives") {
		t.Errorf("notes do not say what a Free App cannot do: %q", p.Notes)
	}
	if !hasNote(p, "Sandbox's data will be replaced by the backup of ") || !hasNote(p, "ago). Changes made since then will be lost.") {
		t.Errorf("notes do not say what is replaced and since when: %q", p.Notes)
	}
	rec := &recorder{}
	res, err := b.e.Run(ctx, p, rec.on)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.LeftStopped || !res.StoppedEnv || !res.StartedEnv || res.SafetySnapshotID != "" || res.Status != journal.StatusCompleted {
		t.Errorf("result %+v", res)
	}
	if got := b.status(tg.Env.EnvironmentID); got != "Running" {
		t.Errorf("Sandbox is %s after the run, want Running", got)
	}
	if b.digest(tg.Env.EnvironmentID) == before {
		t.Error("Sandbox's data did not change")
	}
	if mv := b.dataModelVersion(tg.Env.EnvironmentID); mv != snap.ModelVersion {
		t.Errorf("data holds model version %q, want the backup's %q", mv, snap.ModelVersion)
	}
	rs := b.lc.Restores(tg.Env.EnvironmentID)
	if len(rs) != 1 || rs[0].SourceSnapshotID != snap.SnapshotID || rs[0].RestoreID != res.RestoreID {
		t.Errorf("restores on the server: %+v", rs)
	}
	want := []string{"stop:step_started", "stop:step_done", "restore:step_started", "restore:step_done", "wait:step_started", "wait:step_done",
		"start:step_started", "start:step_done", "verify:step_started", "verify:step_done", "run_done"}
	if !slices.Equal(rec.order(), want) {
		t.Errorf("events %v", rec.order())
	}
	if !strings.Contains(rec.last().Message, "running") {
		t.Errorf("final message %q", rec.last().Message)
	}

	// A Free App cannot receive an upload: refused before anything changes.
	_, err = b.e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: b.target(localcloud.DemoAppExpenseTracker, "Sandbox")})
	if !errors.Is(err, restore.ErrFreeAppUpload) || !strings.Contains(explain.Explain(err).Summary, "Free App cannot receive an uploaded archive") {
		t.Errorf("Free App upload: %v", err)
	}
}

// Flow 2: licensed nodes, a backup into a chosen environment, in the situations the
// how-to names.
func TestLicensedRestore(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	app := localcloud.DemoAppOrderDesk
	cases := []struct {
		name       string
		target     string
		from       string // "" = the target's own backup
		startAs    string // status before the run
		safety     bool
		start      bool
		confirm    string
		wantSteps  []restore.StepKind
		wantStatus string
		leftStop   bool
	}{
		{"production running, own backup, safety backup, start", "Production", "", "Running", true, true, "production",
			[]restore.StepKind{restore.StepSafetyBackup, restore.StepStop, restore.StepRestore, restore.StepWait, restore.StepStart, restore.StepVerify}, "Running", false},
		{"acceptance stopped, production's backup, no safety backup", "Acceptance", "Production", "Stopped", false, false, "",
			[]restore.StepKind{restore.StepRestore, restore.StepWait}, "Stopped", false},
		{"test running, acceptance's backup, safety backup, left stopped", "Test", "Acceptance", "Running", true, false, "",
			[]restore.StepKind{restore.StepSafetyBackup, restore.StepStop, restore.StepRestore, restore.StepWait}, "Stopped", true},
		{"test stopped, own backup, start", "Test", "", "Stopped", false, true, "",
			[]restore.StepKind{restore.StepRestore, restore.StepWait, restore.StepStart, restore.StepVerify}, "Running", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := b.target(app, c.target)
			b.setStatus(tg.Env.EnvironmentID, c.startAs)
			tg = b.target(app, c.target)
			src := tg
			if c.from != "" {
				src = b.target(app, c.from)
			}
			snap := b.completedSnapshot(src)
			restoresBefore := len(b.lc.Restores(tg.Env.EnvironmentID))
			p, err := b.e.Plan(ctx, restore.Request{Profile: "work", Target: tg,
				Source:  restore.Source{SnapshotID: snap.SnapshotID, SourceEnvID: src.Env.EnvironmentID},
				Options: restore.Options{SafetyBackup: c.safety, Start: c.start, Confirm: c.confirm}})
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if !slices.Equal(kinds(p), c.wantSteps) {
				t.Errorf("steps %v, want %v", kinds(p), c.wantSteps)
			}
			if c.from != "" && !hasNote(p, fmt.Sprintf("replaced by the backup %s made on", c.from)) {
				t.Errorf("notes do not name the source environment: %q", p.Notes)
			}
			if !c.safety && !hasNote(p, "No safety backup will be made") {
				t.Errorf("notes do not warn about the missing safety backup: %q", p.Notes)
			}
			rec := &recorder{}
			res, err := b.e.Run(ctx, p, rec.on)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := b.status(tg.Env.EnvironmentID); got != c.wantStatus {
				t.Errorf("%s is %s, want %s", c.target, got, c.wantStatus)
			}
			if res.LeftStopped != c.leftStop {
				t.Errorf("LeftStopped = %v, want %v", res.LeftStopped, c.leftStop)
			}
			if c.leftStop && !strings.Contains(rec.last().Message, "was stopped by this run and is still stopped") {
				t.Errorf("final event does not say the environment was left stopped: %q", rec.last().Message)
			}
			if mv := b.dataModelVersion(tg.Env.EnvironmentID); mv != snap.ModelVersion {
				t.Errorf("data holds model version %q, want the backup's %q", mv, snap.ModelVersion)
			}
			rs := b.lc.Restores(tg.Env.EnvironmentID)
			if len(rs) != restoresBefore+1 || rs[len(rs)-1].RestoreID != res.RestoreID || rs[len(rs)-1].SourceSnapshotID != snap.SnapshotID {
				t.Errorf("restores: %d before, now %+v", restoresBefore, rs)
			}
			jr, err := b.j.Get(ctx, res.RunID)
			if err != nil {
				t.Fatal(err)
			}
			if jr.Status != journal.StatusCompleted || jr.RestoreID != res.RestoreID || jr.SnapshotID != snap.SnapshotID ||
				jr.Username != localcloud.DemoUsername || jr.Profile != "work" || jr.StoppedEnv != (c.startAs == "Running") ||
				jr.StartedEnv != c.start || jr.RestoreSubmittedAt.IsZero() || jr.SafetySnapshotID != res.SafetySnapshotID {
				t.Errorf("journal run %+v", jr)
			}
			for _, s := range jr.Steps {
				if s.Status != journal.StepDone || s.StartedAt.IsZero() || s.FinishedAt.IsZero() || s.Message == "" {
					t.Errorf("journal step %+v", s)
				}
			}
			if c.safety {
				safety, err := b.client.GetSnapshot(ctx, tg.App.ProjectID, tg.Env.EnvironmentID, res.SafetySnapshotID)
				if err != nil || safety.State != cloud.StateCompleted || safety.Comment != safetyCommentOf(snap) || strings.Contains(safety.Comment, snap.SnapshotID) {
					t.Errorf("safety backup %+v, %v", safety, err)
				}
			} else if res.SafetySnapshotID != "" {
				t.Errorf("a safety backup was made although not asked for")
			}
		})
	}
}
