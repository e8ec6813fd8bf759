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
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// Stop and start from the toolbar or restorectl: each a journaled run with step events;
// asking for the state the environment is in already changes nothing and says so.
func TestStopAndStartTarget(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")

	rec := &recorder{}
	res, err := act(ctx, b.e, journal.KindStop, tg, "Production", restore.BackupOptions{}, rec.on)
	if err != nil {
		t.Fatalf("StopTarget: %v", err)
	}
	if !res.StoppedEnv || res.AlreadyDone || res.Status != journal.StatusCompleted || res.Message != "Production is stopped." {
		t.Errorf("stop result %+v", res)
	}
	if got := b.status(tg.Env.EnvironmentID); got != "Stopped" {
		t.Fatalf("Production is %s after StopTarget", got)
	}
	if want := []string{"stop:step_started", "stop:step_done", "run_done"}; !slices.Equal(rec.order(), want) {
		t.Errorf("events %v, want %v", rec.order(), want)
	}
	if !slices.ContainsFunc(rec.all(), func(ev restore.Event) bool {
		return ev.Type == restore.EventMessage && ev.Message == "Stopping Production…"
	}) {
		t.Error("no event says that Production is being stopped")
	}

	again, err := act(ctx, b.e, journal.KindStop, tg, "Production", restore.BackupOptions{}, nil)
	if err != nil || !again.AlreadyDone || again.StoppedEnv || again.Message != "Production was already stopped." {
		t.Errorf("second stop = %+v, %v", again, err)
	}

	started, err := act(ctx, b.e, journal.KindStart, tg, "", restore.BackupOptions{}, nil)
	if err != nil || !started.StartedEnv || started.AlreadyDone || b.status(tg.Env.EnvironmentID) != "Running" {
		t.Fatalf("StartTarget = %+v, %v; status %s", started, err, b.status(tg.Env.EnvironmentID))
	}
	again, err = act(ctx, b.e, journal.KindStart, tg, "", restore.BackupOptions{}, nil)
	if err != nil || !again.AlreadyDone || !strings.Contains(again.Message, "running") {
		t.Errorf("second start = %+v, %v", again, err)
	}

	runs, err := b.j.List(ctx, journal.Filter{AppID: localcloud.DemoAppOrderDesk})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []journal.Kind
	for _, r := range runs {
		kinds = append(kinds, r.Kind)
		if r.Status != journal.StatusCompleted || r.Profile != "demo" || r.Mode != "Production" || !r.Production {
			t.Errorf("run %d journaled as %+v", r.ID, r)
		}
	}
	if want := []journal.Kind{journal.KindStart, journal.KindStart, journal.KindStop, journal.KindStop}; !slices.Equal(kinds, want) {
		t.Errorf("journal kinds newest first %v, want %v", kinds, want)
	}
	stop := runs[3]
	if !stop.StoppedEnv || len(stop.Steps) != 1 || stop.Steps[0].Kind != "stop" || stop.Steps[0].Status != journal.StepDone {
		t.Errorf("stop run %+v", stop)
	}
}

// A stop that takes longer than the timeout says so in plain words, without talk of a
// restore that was never asked for; an environment with nothing deployed is refused.
func TestStopTargetTimeoutAndRefusal(t *testing.T) {
	ctx := context.Background()
	b := newBed(t, localcloudtest.WithJobDelay(300*time.Millisecond))
	e := restore.New(b.client, b.j, append(fastEngineOpts(), restore.WithStopTimeout(time.Millisecond))...)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")
	res, err := act(ctx, e, journal.KindStop, tg, "production", restore.BackupOptions{}, nil)
	ex := explain.Explain(err)
	if !errors.Is(err, restore.ErrStopTimeout) || !strings.Contains(ex.Summary, "Production did not stop within") ||
		strings.Contains(ex.Summary, "restore") || !strings.Contains(ex.NextStep, "Mendix Portal") {
		t.Fatalf("stop = %v (%q / %q)", err, ex.Summary, ex.NextStep)
	}
	if jr := getRun(t, b.j, res.RunID); jr.Kind != journal.KindStop || jr.Status != journal.StatusFailed {
		t.Errorf("journal %+v", jr)
	}

	test := b.target(localcloud.DemoAppOrderDesk, "Test")
	b.setStatus(test.Env.EnvironmentID, "Empty")
	if _, err := act(ctx, b.e, journal.KindStop, test, "", restore.BackupOptions{}, nil); !errors.Is(err, restore.ErrTargetBusy) ||
		!strings.Contains(explain.Explain(err).Summary, "Nothing is deployed to Test yet, so there is nothing to stop") {
		t.Errorf("stop of an empty environment = %v", err)
	}
	if _, err := act(ctx, b.e, journal.KindStop, restore.Target{}, "", restore.BackupOptions{}, nil); !errors.Is(err, restore.ErrInvalidRequest) {
		t.Errorf("stop without a target = %v", err)
	}
}

// A manual backup with a comment: made, followed until completed, journaled with its id;
// without waiting, the run ends once the cloud accepted it.
func TestBackupTarget(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	before := b.snapshotCount(tg.Env.EnvironmentID)

	rec := &recorder{}
	res, err := act(ctx, b.e, journal.KindBackup, tg, "", restore.BackupOptions{Comment: "before the migration"}, rec.on)
	if err != nil {
		t.Fatalf("BackupTarget: %v", err)
	}
	if res.Backup == nil || res.Backup.State != cloud.StateCompleted || res.Backup.Comment != "before the migration" || res.Status != journal.StatusCompleted {
		t.Fatalf("result %+v, backup %+v", res, res.Backup)
	}
	if !strings.Contains(res.Message, "The backup "+res.Backup.SnapshotID+" of Acceptance is completed") {
		t.Errorf("final message %q", res.Message)
	}
	if want := []string{"backup:step_started", "backup:step_done", "run_done"}; !slices.Equal(rec.order(), want) {
		t.Errorf("events %v, want %v", rec.order(), want)
	}
	if !slices.ContainsFunc(rec.all(), func(ev restore.Event) bool {
		return ev.Step == restore.StepBackup && ev.Type == restore.EventProgress && ev.State == string(cloud.StateCompleted)
	}) {
		t.Error("no progress event follows the backup's state")
	}
	snaps, err := b.client.ListAllSnapshots(ctx, tg.App.ProjectID, tg.Env.EnvironmentID)
	if err != nil {
		t.Fatalf("list the backups: %v", err)
	}
	if len(snaps) != before+1 || !slices.ContainsFunc(snaps, func(s cloud.Snapshot) bool {
		return s.SnapshotID == res.Backup.SnapshotID && s.State == cloud.StateCompleted && cloud.KindOf(s) == cloud.KindManual
	}) {
		t.Errorf("the cloud lists %d backups (%d before), the new one not as a completed manual backup", len(snaps), before)
	}
	jr := getRun(t, b.j, res.RunID)
	if jr.Kind != journal.KindBackup || jr.Status != journal.StatusCompleted || jr.BackupSnapshotID != res.Backup.SnapshotID ||
		jr.SafetySnapshotID != "" || len(jr.Steps) != 1 || jr.Steps[0].Status != journal.StepDone {
		t.Errorf("journal %+v", jr)
	}

	quick, err := act(ctx, b.e, journal.KindBackup, tg, "", restore.BackupOptions{NoWait: true}, nil)
	if err != nil || quick.Backup == nil || quick.Backup.State.Done() || quick.Backup.Comment != cloud.CommentManual ||
		!strings.Contains(quick.Message, "makes it now") {
		t.Fatalf("BackupTarget without waiting = %+v, %v", quick, err)
	}
	if jr := getRun(t, b.j, quick.RunID); jr.Status != journal.StatusCompleted || jr.BackupSnapshotID != quick.Backup.SnapshotID {
		t.Errorf("journal %+v", jr)
	}
}

// Free Apps take no manual backups: refused with a sentence that says why, before the
// cloud is asked. The engine here talks to a port nobody listens on, so any request would
// fail with a connection error instead; the real cloud shows no new backup either.
func TestBackupTargetFreeAppRefusedBeforeAnyRequest(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppExpenseTracker, "Sandbox")
	before := b.snapshotCount(tg.Env.EnvironmentID)
	dead, err := cloud.New("http://127.0.0.1:1", cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*restore.Engine{restore.New(dead, b.j, fastEngineOpts()...), b.e} {
		res, err := act(ctx, e, journal.KindBackup, tg, "", restore.BackupOptions{Comment: "mine"}, nil)
		ex := explain.Explain(err)
		if res != nil || !errors.Is(err, restore.ErrFreeAppBackup) || !strings.Contains(ex.Summary, "Free App") ||
			!strings.Contains(ex.Summary, "every night") || ex.NextStep == "" {
			t.Fatalf("BackupTarget of a Free App = %+v, %v (%q / %q)", res, err, ex.Summary, ex.NextStep)
		}
	}
	if after := b.snapshotCount(tg.Env.EnvironmentID); after != before {
		t.Errorf("backups of the Free App: %d → %d", before, after)
	}
	if runs := listRuns(t, b.j, journal.Filter{}); len(runs) != 0 {
		t.Errorf("a refused backup was journaled: %+v", runs)
	}
	if err := restore.CheckBackupTarget(b.target(localcloud.DemoAppOrderDesk, "Test")); err != nil {
		t.Errorf("a licensed environment may not be backed up: %v", err)
	}
}

// A backup Mendix Cloud fails is reported with its reason, and the run ends failed.
func TestBackupTargetFailureExplained(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	if _, err := b.lc.AddApp(localcloud.AppSpec{AppID: "emptyshell", Name: "Empty Shell", Team: []string{localcloud.DemoUsername},
		Environments: []localcloud.EnvSpec{{Mode: "Test", Status: "Stopped", NoData: true}}}); err != nil {
		t.Fatal(err)
	}
	tg := b.target("emptyshell", "Test")
	res, err := act(ctx, b.e, journal.KindBackup, tg, "", restore.BackupOptions{}, nil)
	ex := explain.Explain(err)
	if !errors.Is(err, restore.ErrBackupFailed) || !strings.HasPrefix(ex.Summary, "The backup of Test failed (Mendix Cloud says: ") ||
		!strings.Contains(ex.NextStep, "Try again") {
		t.Fatalf("BackupTarget = %v (%q / %q)", err, ex.Summary, ex.NextStep)
	}
	if res.Backup == nil || res.Backup.State != cloud.StateFailed {
		t.Errorf("result backup %+v", res.Backup)
	}
	if jr := getRun(t, b.j, res.RunID); jr.Status != journal.StatusFailed || jr.BackupSnapshotID != res.Backup.SnapshotID {
		t.Errorf("journal %+v", jr)
	}
}

// Interrupted stop and backup runs are found, described and closed by Reattach: the
// backup is followed to its end, the stop judged by the environment's status now.
func TestReattachInterruptedStopAndBackup(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	prod := b.target(localcloud.DemoAppOrderDesk, "Production")
	stopID, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindStop, Profile: "demo", AppID: prod.App.AppID, ProjectID: prod.App.ProjectID,
		EnvID: prod.Env.EnvironmentID, Mode: "Production", Steps: []journal.Step{{Kind: "stop", Title: "Stop Production"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.j.SetStoppedEnv(ctx, stopID, true)
	if err := b.client.StopEnvironment(ctx, prod.App.AppID, "Production"); err != nil {
		t.Fatal(err)
	}

	acc := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	snap, err := b.client.CreateSnapshot(ctx, acc.App.ProjectID, acc.Env.EnvironmentID, "nightly by hand")
	if err != nil {
		t.Fatal(err)
	}
	backupID, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindBackup, Profile: "demo", AppID: acc.App.AppID, ProjectID: acc.App.ProjectID,
		EnvID: acc.Env.EnvironmentID, Mode: "Acceptance", Steps: []journal.Step{{Kind: "backup", Title: "Make a backup of Acceptance"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.j.SetBackupSnapshot(ctx, backupID, snap.SnapshotID)

	un, err := b.e.Unfinished(ctx)
	if err != nil {
		t.Fatalf("Unfinished: %v", err)
	}
	if len(un) != 2 || !strings.Contains(restore.Describe(un[0]), "was stopping Production") ||
		!strings.Contains(restore.Describe(un[1]), "can follow it to the end") {
		t.Fatalf("Unfinished: %d runs, %q / %q", len(un), restore.Describe(un[0]), restore.Describe(un[1]))
	}

	for b.status(prod.Env.EnvironmentID) != "Stopped" {
		time.Sleep(5 * time.Millisecond)
	}
	res, err := b.e.Reattach(ctx, stopID, nil)
	if err != nil || res.Status != journal.StatusCompleted || res.Message != "Production is stopped." {
		t.Errorf("Reattach of the stop = %+v, %v", res, err)
	}
	res, err = b.e.Reattach(ctx, backupID, nil)
	if err != nil || res.Status != journal.StatusCompleted || res.Backup == nil || res.Backup.State != cloud.StateCompleted {
		t.Errorf("Reattach of the backup = %+v, %v", res, err)
	}
	if un, err := b.e.Unfinished(ctx); err != nil || len(un) != 0 {
		t.Errorf("%d runs still unfinished (%v)", len(un), err)
	}
}

// A backup's plan says the environment keeps running only when it runs: a stopped one
// stays stopped.
func TestBackupPlanSaysWhatTheEnvironmentDoesMeanwhile(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	for mode, want := range map[string]string{"Production": "Production keeps running meanwhile", "Test": "Test stays stopped meanwhile"} {
		tg := b.target(localcloud.DemoAppOrderDesk, mode)
		p, err := b.e.Plan(ctx, restore.Request{Action: journal.KindBackup, Target: tg})
		if err != nil {
			t.Fatalf("plan a backup of %s (%s): %v", mode, tg.Env.Status, err)
		}
		notes := strings.Join(p.Notes, " ")
		if !strings.Contains(notes, want) {
			t.Errorf("%s is %s; the plan says %q, want %q", mode, tg.Env.Status, notes, want)
		}
	}
}
