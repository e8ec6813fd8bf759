package restore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// A new restore plan starts from the plan's own defaults: a safety backup wherever one can
// be made, and the target started again only when it was running. No front end decides.
func TestPlanDefaultsStartAgainOnlyATargetThatWasRunning(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	running, stopped := b.runningAndStopped()
	free := b.target(localcloud.DemoAppExpenseTracker, "Sandbox")
	cases := []struct {
		name         string
		t            restore.Target
		safety, strt bool
	}{
		{"running target", running, true, true},
		{"stopped target", stopped, true, false},
		{"Free App", free, false, true},
	}
	for _, c := range cases {
		// The request's own options say the opposite: Defaults must win over them.
		req := restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(c.t).SnapshotID}, Target: c.t,
			Options: restore.Options{Defaults: true, DBOnly: true, SafetyBackup: !c.safety, Start: !c.strt}}
		if c.t.Env.Mode == "Sandbox" {
			b.setStatus(c.t.Env.EnvironmentID, string(cloud.StatusRunning))
		}
		p, err := b.e.Plan(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		o := p.Request.Options
		if o.SafetyBackup != c.safety || o.Start != c.strt || o.DBOnly || o.Defaults {
			t.Errorf("%s: plan starts with %+v, want safety backup %v, start %v, database and files", c.name, o, c.safety, c.strt)
		}
		if st, ok := p.Choice(restore.OptStart); !ok || st.Default != c.strt || st.Set != c.strt {
			t.Errorf("%s: start choice %+v (offered %v), want default and set %v", c.name, st, ok, c.strt)
		}
		if sb, ok := p.Choice(restore.OptSafetyBackup); ok != c.safety || ok && (!sb.Default || !sb.Set) {
			t.Errorf("%s: safety backup choice %+v (offered %v), want offered and on: %v", c.name, sb, ok, c.safety)
		}
	}

	// Without Defaults the request's options stand (a ticked or unticked box planned again),
	// and the choice still says what the default was.
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(running).SnapshotID},
		Target: running, Options: restore.Options{SafetyBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := p.Choice(restore.OptStart); st.Set || !st.Default {
		t.Errorf("start unticked by the user: choice %+v, want set false, default true", st)
	}

	// An upload alone restores nothing: nothing to start, so no start choice at all.
	up, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: running,
		Options: restore.Options{Defaults: true, UploadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := up.Choice(restore.OptStart); ok || up.Request.Options.Start {
		t.Errorf("upload only: start offered or set (%+v)", up.Request.Options)
	}
}

// Whether a front end asks "Stop Application?" before it runs a plan is the plan's fact:
// a restore that stops a running target asks; a restore into a stopped one, an upload
// alone and a stop asked for do not.
func TestPlanStopsRunningSaysWhenToAskBeforeStopping(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	running, stopped := b.runningAndStopped()
	cases := []struct {
		name string
		req  restore.Request
		want bool
	}{
		{"restore into a running target", restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(running).SnapshotID},
			Target: running, Options: restore.Options{Defaults: true}}, true},
		{"restore into a stopped target", restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(stopped).SnapshotID},
			Target: stopped, Options: restore.Options{Defaults: true}}, false},
		{"upload alone", restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: running,
			Options: restore.Options{UploadOnly: true}}, false},
		{"stop asked for", restore.Request{Action: journal.KindStop, Target: running}, false},
	}
	for _, c := range cases {
		p, err := b.e.Plan(ctx, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if p.StopsRunning != c.want {
			t.Errorf("%s: StopsRunning = %v, want %v", c.name, p.StopsRunning, c.want)
		}
	}
}

// A run that left its environment stopped suggests starting it, unless stopping it was
// the run's purpose: a stop run's result offers no start.
func TestNoStartSuggestedAfterAStopRun(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tgt := b.target(localcloud.DemoAppOrderDesk, "Test")
	b.setStatus(tgt.Env.EnvironmentID, string(cloud.StatusRunning))
	stop, err := b.e.Plan(ctx, restore.Request{Action: journal.KindStop, Target: tgt})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.e.Run(ctx, stop, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.LeftStopped {
		t.Fatalf("the stop run did not leave Test stopped: %+v", res)
	}
	if slices.ContainsFunc(res.NextActions(), func(a restore.NextAction) bool { return a.Kind == restore.ActionStart }) {
		t.Errorf("a stop run suggests starting again: %+v", res.NextActions())
	}

	// A restore with "start again" unticked leaves Test stopped: that one suggests it.
	b.setStatus(tgt.Env.EnvironmentID, string(cloud.StatusRunning))
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tgt).SnapshotID}, Target: tgt})
	if err != nil {
		t.Fatal(err)
	}
	res, err = b.e.Run(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.NextActions(), func(a restore.NextAction) bool { return a.Kind == restore.ActionStart }) {
		t.Errorf("a restore that left Test stopped suggests no start: %+v", res.NextActions())
	}
}

// safetyCommentOf is the comment a safety backup before restoring snap carries: which
// backup, by its kind and the date it was made, never its id.
func safetyCommentOf(snap cloud.Snapshot) string {
	return "Safety backup before restoring the " + strings.ToLower(cloud.KindOf(snap).Label()) + " backup of " +
		snap.CreatedAt.Local().Format("Mon 2 Jan 2006 15:04") + " (Restore Desk)"
}

// runningAndStopped are Order Desk's Test, running, and Acceptance, stopped.
func (b *bed) runningAndStopped() (running, stopped restore.Target) {
	b.t.Helper()
	running = b.target(localcloud.DemoAppOrderDesk, "Test")
	stopped = b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	b.setStatus(running.Env.EnvironmentID, string(cloud.StatusRunning))
	b.setStatus(stopped.Env.EnvironmentID, string(cloud.StatusStopped))
	// The targets carry the status the plan will read.
	running.Env.Status, stopped.Env.Status = cloud.StatusRunning, cloud.StatusStopped
	return running, stopped
}
