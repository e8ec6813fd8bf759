package restore_test

import (
	"context"
	"errors"
	"fmt"
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

// unchanged snapshots what a refused restore must not touch.
type unchanged struct {
	digest, status  string
	restores, snaps int
}

func (b *bed) state(envID string) unchanged {
	return unchanged{b.digest(envID), b.status(envID), len(b.lc.Restores(envID)), b.snapshotCount(envID)}
}

func TestProductionGuard(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")
	snap := b.completedSnapshot(tg)
	before := b.state(tg.Env.EnvironmentID)
	for _, confirm := range []string{"", "Acceptance", "yes", " Productio"} {
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg,
			Options: restore.Options{SafetyBackup: true, Confirm: confirm}})
		if err != nil {
			t.Fatal(err)
		}
		if !p.ConfirmationRequired || !p.Production || !hasNote(p, "confirmed by typing its name, Production") {
			t.Errorf("confirm %q: plan does not ask for the confirmation: %+v", confirm, p.Notes)
		}
		res, err := b.e.Run(ctx, p, func(ev restore.Event) { t.Errorf("confirm %q: event %+v", confirm, ev) })
		if !errors.Is(err, restore.ErrConfirmationRequired) || res != nil {
			t.Errorf("confirm %q: Run = %v, %v; want ErrConfirmationRequired", confirm, res, err)
		}
		if s := explain.Explain(err).Summary; !strings.Contains(s, "Nothing was changed") {
			t.Errorf("confirm %q: %q", confirm, s)
		}
		// Nothing typed asks for the name; a wrong name says what was typed does not match.
		want := "Production is a production environment: type its name, Production, to confirm the restore."
		if c := strings.TrimSpace(confirm); c != "" {
			want = fmt.Sprintf("The confirmation %q does not match Production.", c)
		}
		if s := explain.Explain(err).Summary; !strings.HasPrefix(s, want) {
			t.Errorf("confirm %q: %q\nwant it to begin %q", confirm, s, want)
		}
	}
	if after := b.state(tg.Env.EnvironmentID); after != before {
		t.Errorf("a refused production restore changed something: %+v → %+v", before, after)
	}
	if runs := listRuns(t, b.j, journal.Filter{}); len(runs) != 0 {
		t.Errorf("refused runs were journaled: %d", len(runs))
	}
	// The name typed in another case is accepted, also when set after planning (the UI
	// asks for it once the plan is shown).
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	p.Request.Options.Confirm = "PRODUCTION"
	if _, err := b.e.Run(ctx, p, nil); err != nil {
		t.Fatalf("confirmed run: %v", err)
	}
	if n := len(b.lc.Restores(tg.Env.EnvironmentID)); n != 1 {
		t.Errorf("%d restores after the confirmed run", n)
	}
}

// The user looks at the plan and says no: planning alone changes nothing.
func TestDeclinedConfirmationChangesNothing(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Production")
	before := b.state(tg.Env.EnvironmentID)
	snap := b.completedSnapshot(tg)
	for _, opts := range []restore.Options{{SafetyBackup: true, Start: true}, {DBOnly: true, Confirm: "Production"}} {
		if _, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg, Options: opts}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: tg, Options: opts}); err != nil {
			t.Fatal(err)
		}
	}
	if after := b.state(tg.Env.EnvironmentID); after != before {
		t.Errorf("planning changed something: %+v → %+v", before, after)
	}
}

func TestPlanRefusals(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	failed, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{Failed: true, StatusMessage: "The database did not respond."})
	if err != nil {
		t.Fatal(err)
	}
	other := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	otherSnap := b.completedSnapshot(other)

	viewer := newBedOn(t, b.srv, t.TempDir()+"/j.db", localcloud.ViewerUsername, localcloud.ViewerAPIKey)
	prod := viewer.target(localcloud.DemoAppCustomerPortal, "Production")

	empty := b.target(localcloud.DemoAppCustomerPortal, "Test")
	b.setStatus(empty.Env.EnvironmentID, "Empty")
	empty = b.target(localcloud.DemoAppCustomerPortal, "Test")

	cases := []struct {
		name string
		e    *restore.Engine
		req  restore.Request
		is   error
		want string
	}{
		{"failed backup", b.e, restore.Request{Source: restore.Source{SnapshotID: failed.SnapshotID}, Target: tg}, restore.ErrSnapshotNotReady, "only a completed backup can be restored"},
		{"unknown backup", b.e, restore.Request{Source: restore.Source{SnapshotID: "6f0c0f4e-0000-4000-8000-000000000000"}, Target: tg}, cloud.ErrNotFound, "was not found"},
		{"another app's environment", b.e, restore.Request{Source: restore.Source{SnapshotID: otherSnap.SnapshotID, SourceEnvID: other.Env.EnvironmentID}, Target: tg}, restore.ErrInvalidRequest, "only be restored into the app it was made of"},
		{"no backups access", viewer.e, restore.Request{Source: restore.Source{SnapshotID: "x"}, Target: prod}, cloud.ErrNoAccess, "not allowed"},
		{"nothing deployed", b.e, restore.Request{Source: restore.Source{SnapshotID: "x"}, Target: empty}, restore.ErrTargetBusy, "Nothing is deployed"},
		{"no source", b.e, restore.Request{Target: tg}, restore.ErrInvalidRequest, "Choose a backup"},
	}
	for _, c := range cases {
		_, err := c.e.Plan(ctx, c.req)
		if !errors.Is(err, c.is) {
			t.Errorf("%s: %v, want %v", c.name, err, c.is)
			continue
		}
		if e := explain.Explain(err); !strings.Contains(e.Summary, c.want) || e.NextStep == "" {
			t.Errorf("%s: %q / %q, want %q", c.name, e.Summary, e.NextStep, c.want)
		}
	}
}

// A restore job that fails: the run says so plainly, names the safety backup, leaves the
// environment stopped and says that; undoing the run brings the old data back.
func TestFailedRestoreAndUndo(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	b.setStatus(tg.Env.EnvironmentID, "Running")
	tg = b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	before := b.digest(tg.Env.EnvironmentID)
	snap := b.completedSnapshot(tg)
	b.lc.SetFaults(localcloud.Faults{RestoreFailRate: 1})
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg,
		Options: restore.Options{SafetyBackup: true, Start: true}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	res, err := b.e.Run(ctx, p, rec.on)
	if !errors.Is(err, restore.ErrRestoreFailed) {
		t.Fatalf("Run = %v, want ErrRestoreFailed", err)
	}
	e := explain.Explain(err)
	if !strings.Contains(e.Summary, "The restore into Acceptance failed: ") || strings.Contains(e.NextStep, res.SafetySnapshotID) || !strings.Contains(e.NextStep, "safety backup taken just before") ||
		!strings.Contains(e.NextStep, "undo this run") {
		t.Errorf("explanation %q / %q", e.Summary, e.NextStep)
	}
	if !res.LeftStopped || b.status(tg.Env.EnvironmentID) != "Stopped" || !strings.Contains(rec.last().Message, "was stopped by this run and is still stopped") {
		t.Errorf("LeftStopped %v, status %s, final %q", res.LeftStopped, b.status(tg.Env.EnvironmentID), rec.last().Message)
	}
	if jr := getRun(t, b.j, res.RunID); jr.Status != journal.StatusFailed || !strings.Contains(jr.Error, "failed") || !jr.StoppedEnv || jr.StartedEnv {
		t.Errorf("journal %+v", jr)
	}

	b.lc.SetFaults(localcloud.Faults{})
	undo, err := b.e.Undo(ctx, res.RunID)
	if err != nil {
		t.Fatalf("Undo: %v", err)
	}
	if undo.Request.Source.SnapshotID != res.SafetySnapshotID || undo.UndoOf != res.RunID || !strings.Contains(undo.Notes[0], "This undoes run") {
		t.Errorf("undo plan %+v", undo)
	}
	ures, err := b.e.Run(ctx, undo, nil)
	if err != nil {
		t.Fatalf("running the undo: %v", err)
	}
	if b.digest(tg.Env.EnvironmentID) != before {
		t.Error("after undo Acceptance does not hold its data from before the failed run")
	}
	if b.status(tg.Env.EnvironmentID) != "Running" {
		t.Errorf("after undo with start, status %s", b.status(tg.Env.EnvironmentID))
	}
	if jr := getRun(t, b.j, ures.RunID); jr.Kind != journal.KindUndo || jr.UndoOf != res.RunID {
		t.Errorf("undo journaled as %s of %d", jr.Kind, jr.UndoOf)
	}
	if _, err := b.e.Undo(ctx, 9999); err == nil {
		t.Error("undo of an unknown run was planned")
	}
}

// Stop that takes longer than allowed: a clear error, nothing restored, and the run says
// it stopped (or is stopping) the environment.
func TestStopTimeout(t *testing.T) {
	ctx := context.Background()
	// Jobs take 300 ms here, stopping included; the engine allows 1 ms.
	b := newBed(t, localcloudtest.WithJobDelay(300*time.Millisecond))
	e := restore.New(b.client, b.j, append(fastEngineOpts(), restore.WithStopTimeout(time.Millisecond))...)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")
	snap := b.completedSnapshot(tg)
	p, err := e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg, Options: restore.Options{Confirm: "Production"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(ctx, p, nil)
	if !errors.Is(err, restore.ErrStopTimeout) || !strings.Contains(explain.Explain(err).Summary, "did not stop within") {
		t.Fatalf("Run = %v", err)
	}
	if !res.LeftStopped || len(b.lc.Restores(tg.Env.EnvironmentID)) != 0 {
		t.Errorf("LeftStopped %v, restores %d", res.LeftStopped, len(b.lc.Restores(tg.Env.EnvironmentID)))
	}
}

// A start that Mendix Cloud refuses is explained with its documented code in plain words.
func TestStartFailureExplained(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Test")
	// Planned while stopped; the package is gone by the time the start is sent.
	p, err := b.e.Plan(ctx, restore.Request{Action: journal.KindStart, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	b.setStatus(tg.Env.EnvironmentID, "Empty")
	res, err := b.e.Run(ctx, p, nil)
	if err == nil {
		t.Fatal("an environment with nothing deployed started")
	}
	e := explain.Explain(err)
	if !strings.HasPrefix(e.Summary, "Test could not be started: The environment cannot start because no app package has been deployed") ||
		!strings.Contains(e.NextStep, "Deploy a package") || !strings.Contains(e.Detail, "NO_MDA_HAS_BEEN_DEPLOYED") {
		t.Errorf("explanation %q / %q / %q", e.Summary, e.NextStep, e.Detail)
	}
	if jr := getRun(t, b.j, res.RunID); jr.Kind != journal.KindStart || jr.Status != journal.StatusFailed || jr.StartedEnv {
		t.Errorf("journal %+v", jr)
	}
}

func TestPlanConfirmWith(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	prod := b.target(localcloud.DemoAppOrderDesk, "Production")
	snap := b.completedSnapshot(prod)
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: prod})
	if err != nil {
		t.Fatal(err)
	}
	for typed, ok := range map[string]bool{"": false, "Prod": false, "Acceptance": false, "production": true, " PRODUCTION ": true} {
		if got := p.ConfirmWith(typed); got != ok || p.ConfirmationRequired == ok {
			t.Errorf("ConfirmWith(%q) = %v (required %v), want %v", typed, got, p.ConfirmationRequired, ok)
		}
	}
	test := b.target(localcloud.DemoAppOrderDesk, "Test")
	p, err = b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(test).SnapshotID}, Target: test})
	if err != nil {
		t.Fatal(err)
	}
	if p.ConfirmationRequired || !p.ConfirmWith("") {
		t.Error("a non-production plan asks for a typed confirmation")
	}
}
