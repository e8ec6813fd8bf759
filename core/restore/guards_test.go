package restore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// Customer Portal's snapshot (model 1.4.0.211) into Order Desk › Test (2.3.0.351): the plan
// says so first, needs Test typed although Test is no production, and a run without it
// sends nothing. Typed, it goes ahead, and the journal keeps the dump's database name.
func TestAnotherAppsArchiveNeedsTheTypedNameOnEveryEnvironment(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Test")
	before, snaps := b.digest(tg.Env.EnvironmentID), b.snapshotCount(tg.Env.EnvironmentID)
	req := restore.Request{Profile: "demo", Source: restore.Source{File: fixture("files_and_database-1a2b3c4d-202611250130.tar.gz")},
		Target: tg, Options: restore.Options{SafetyBackup: true}}
	p, err := b.e.Plan(ctx, req)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if p.Fit.Fit != restore.FitWrongApp || p.Production {
		t.Fatalf("fit %v (production %v), want the wrong-app verdict on a non-production target", p.Fit.Fit, p.Production)
	}
	if p.Allows.ConfirmName != "Test" || !p.ConfirmationRequired {
		t.Errorf("confirm name %q, required %v: want Test to be typed", p.Allows.ConfirmName, p.ConfirmationRequired)
	}
	if len(p.Warnings) == 0 || !strings.Contains(p.Warnings[0], "model version 1.4.0.211, from another line than the 2.3.0.351") {
		t.Errorf("warnings %q, want the wrong-app warning", p.Warnings)
	}
	if slices.ContainsFunc(p.Notes, func(n string) bool { return strings.Contains(n, "another line") }) {
		t.Errorf("the warning is repeated among the notes: %q", p.Notes)
	}
	if c := p.Shape().Confirm; c.Kind != restore.ConfirmName || c.Name != "Test" || c.Reason != p.Warnings[0] {
		t.Errorf("confirmation %+v, want Test typed because of the warning", c)
	}
	if !strings.Contains(p.ConfirmReason(), "another app's data") {
		t.Errorf("confirm reason %q", p.ConfirmReason())
	}

	_, err = b.e.Run(ctx, p, nil)
	if !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Fatalf("Run without the typed name: %v, want ErrConfirmationRequired", err)
	}
	if !strings.Contains(err.Error(), "another app's data") {
		t.Errorf("refusal %q does not say why", err)
	}
	if b.digest(tg.Env.EnvironmentID) != before || b.snapshotCount(tg.Env.EnvironmentID) != snaps {
		t.Fatal("Test changed, or something was uploaded, without the typed name")
	}
	if p.ConfirmWith("Acceptance") {
		t.Error("another environment's name confirmed the plan")
	}
	if !p.ConfirmWith("test") {
		t.Fatal("the environment's name (any case) did not confirm the plan")
	}
	res, err := b.e.Run(ctx, p, nil)
	if err != nil {
		t.Fatalf("confirmed Run: %v", err)
	}
	if b.digest(tg.Env.EnvironmentID) == before {
		t.Error("the confirmed restore changed nothing")
	}
	run, err := b.j.Get(ctx, res.RunID)
	if err != nil || run.DumpDatabase != "customerportal" {
		t.Errorf("journal run %+v (%v), want the dump database customerportal recorded", run, err)
	}

	// An upload alone replaces nothing: no name to type.
	req.Options = restore.Options{UploadOnly: true}
	up, err := b.e.Plan(ctx, req)
	if err != nil || up.Allows.ConfirmName != "" || up.ConfirmationRequired {
		t.Errorf("upload-only plan: confirm %q required %v err %v, want none", up.Allows.ConfirmName, up.ConfirmationRequired, err)
	}
}

// The journal knows the database Test's earlier restores used; a dump of another database
// (no model version to compare) is caught by its name.
func TestDumpOfAnotherDatabaseThanEarlierRunsUsed(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	id, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindUpload, AppID: tg.App.AppID, ProjectID: tg.App.ProjectID,
		EnvID: tg.Env.EnvironmentID, Mode: tg.Env.Mode, FileName: "od.backup", DumpDatabase: "orderdesk_acc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.j.Finish(ctx, id, journal.StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: tg})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if p.Fit.Fit != restore.FitWrongApp || p.Allows.ConfirmName != "Acceptance" {
		t.Fatalf("fit %+v, confirm %q: want the database name to need Acceptance typed", p.Fit, p.Allows.ConfirmName)
	}
	if len(p.Warnings) == 0 || !strings.Contains(p.Warnings[0], `is called "customerportal", but earlier backups and restores of Acceptance used "orderdesk_acc"`) {
		t.Errorf("warnings %q", p.Warnings)
	}
}

// An older backup of the app itself gets the portal's softer warning and no typed name.
func TestOlderModelOfTheSameAppIsAWarningOnly(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Test")
	snap := b.completedSnapshot(tg) // a backup of Test with an older model version
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if p.Fit.Fit != restore.FitOtherModel || p.Allows.ConfirmName != "" || p.ConfirmationRequired {
		t.Fatalf("fit %v confirm %q: want the softer warning without a typed name", p.Fit.Fit, p.Allows.ConfirmName)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "deploy the matching model ("+snap.ModelVersion+") to Test") {
		t.Errorf("warnings %q, want the deploy-the-matching-model warning", p.Warnings)
	}
	if len(p.Warnings) == 1 && !strings.HasPrefix(p.Warnings[0], "The backup of ") {
		t.Errorf("warning %q: a backup of Test itself is named \"The backup of …\"", p.Warnings[0])
	}
	if c := p.Shape().Confirm; c.Kind != restore.ConfirmYes {
		t.Errorf("confirmation %+v, want a plain yes", c)
	}
}

// A backup of another environment of the app is named by its environment in the warning,
// so the owner sees whose data goes into Test.
func TestOlderModelOfAnotherEnvironmentSaysWhoseBackupItIs(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Test")
	src := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	snaps, err := b.client.ListAllSnapshots(ctx, src.App.ProjectID, src.Env.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	current := b.dataModelVersion(tg.Env.EnvironmentID)
	i := slices.IndexFunc(snaps, func(s cloud.Snapshot) bool {
		return s.State == cloud.StateCompleted && cloud.KindOf(s) != cloud.KindUploaded && s.ModelVersion != "" && s.ModelVersion != current
	})
	if i < 0 {
		t.Fatalf("no completed backup of Acceptance with a model version other than Test's %s", current)
	}
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snaps[i].SnapshotID, SourceEnvID: src.Env.EnvironmentID}, Target: tg})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if len(p.Warnings) == 0 || !strings.HasPrefix(p.Warnings[0], "Acceptance's backup of ") {
		t.Errorf("warnings %q, want the first to name Acceptance's backup", p.Warnings)
	}
}

// While a restore runs on Test, a second restore, a start and a stop of Test are refused
// before anything is sent, saying which run holds it; once the first run detaches (its
// restore goes on in the cloud), the cloud's restore holds Test instead.
func TestSecondRestoreWhileOneRunsIsRefusedBeforeAnythingIsSent(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Test")
	snap := b.completedSnapshot(tg)
	first, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}

	runCtx, detach := context.WithCancel(ctx)
	defer detach()
	var planErr, runErr, startErr, stopErr error
	var restoresMeanwhile, snapsBefore, snapsMeanwhile int
	rec := &recorder{}
	rec.hook = func(ev restore.Event) {
		// The first run has submitted its restore and is following it (this hook holds it
		// there): everything else must wait.
		if ev.Step != restore.StepWait || ev.Type != restore.EventStepStarted {
			return
		}
		snapsBefore = b.snapshotCount(tg.Env.EnvironmentID)
		_, planErr = b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
		_, runErr = b.e.Run(ctx, second, nil)
		_, startErr = act(ctx, b.e, journal.KindStart, tg, "", restore.BackupOptions{}, nil)
		_, stopErr = act(ctx, b.e, journal.KindStop, tg, "", restore.BackupOptions{}, nil)
		restoresMeanwhile = len(b.lc.Restores(tg.Env.EnvironmentID))
		snapsMeanwhile = b.snapshotCount(tg.Env.EnvironmentID)
		detach() // stop following: the restore goes on in the cloud
	}
	res, err := b.e.Run(runCtx, first, rec.on)
	if !errors.Is(err, restore.ErrDetached) {
		t.Fatalf("first run: %v, want it detached", err)
	}
	for name, e := range map[string]error{"plan": planErr, "run": runErr, "start": startErr, "stop": stopErr} {
		if !errors.Is(e, restore.ErrTargetBusy) {
			t.Errorf("%s while the first run held Test: %v, want ErrTargetBusy", name, e)
			continue
		}
		ex := explain.Explain(e)
		if !strings.HasPrefix(ex.Summary, "Test is busy: a restore started in Restore Desk at ") || !strings.Contains(ex.NextStep, "Nothing was sent") {
			t.Errorf("%s refusal %q does not say which run holds Test", name, e)
		}
	}
	if restoresMeanwhile != 1 || snapsMeanwhile != snapsBefore {
		t.Errorf("meanwhile %d restores and %d→%d backups: want only the first run's restore", restoresMeanwhile, snapsBefore, snapsMeanwhile)
	}
	if s := b.status(tg.Env.EnvironmentID); s != "Stopped" {
		t.Errorf("Test is %s: the refused start was sent", s)
	}
	runs, err := b.j.List(ctx, journal.Filter{})
	if err != nil || len(runs) != 1 || runs[0].ID != res.RunID {
		t.Errorf("journal holds %d runs (%v): the refused ones must leave no trace", len(runs), err)
	}

	// Detached: nobody follows the run, but its restore may still run in the cloud.
	deadline := time.Now().Add(5 * time.Second)
	for {
		busy, err := b.e.Busy(ctx, tg)
		if err != nil {
			t.Fatal(err)
		}
		if busy == nil || time.Now().After(deadline) {
			break // the restore finished quickly; nothing holds Test any more
		}
		if busy.With != restore.BusyRestore || busy.RunID != res.RunID {
			t.Fatalf("after detaching: %+v, want the cloud's restore of run %d", busy, res.RunID)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
