package restore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// runFor records a run of kind on t, started at, as the engine would.
func runFor(t *testing.T, j *journal.Journal, kind journal.Kind, tg restore.Target, at time.Time) int64 {
	t.Helper()
	id, err := j.Create(context.Background(), &journal.Run{Kind: kind, AppID: tg.App.AppID, ProjectID: tg.App.ProjectID,
		EnvID: tg.Env.EnvironmentID, Mode: tg.Env.Mode, StartedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestBusyWhileARunHereHoldsTheEnvironment(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	test, acc := b.target("orderdesk", "Test"), b.target("orderdesk", "Acceptance")
	now := time.Now()
	// Earlier restores of Test took 5, 6 and 20 minutes: about 6 is expected.
	for _, took := range []time.Duration{5 * time.Minute, 6 * time.Minute, 20 * time.Minute} {
		id := runFor(t, b.j, journal.KindRestore, test, now.Add(-took))
		if err := b.j.Finish(ctx, id, journal.StatusCompleted, ""); err != nil {
			t.Fatal(err)
		}
	}
	check := restore.NewBusyCheck(b.client, b.j, nil)
	if busy, err := check.Check(ctx, test, 0); err != nil || busy != nil {
		t.Fatalf("idle Test: busy = %+v, err = %v", busy, err)
	}

	started := now.Add(-time.Minute)
	id := runFor(t, b.j, journal.KindRestore, test, started)
	release, err := b.j.Claim(id) // followed right now, as by another window
	if err != nil {
		t.Fatal(err)
	}
	busy, err := check.Check(ctx, test, 0)
	if err != nil || busy == nil {
		t.Fatalf("busy = %v, err = %v; want the running restore", busy, err)
	}
	if busy.With != restore.BusyRun || busy.RunID != id || busy.RunKind != journal.KindRestore {
		t.Errorf("busy = %+v, want run %d (restore)", busy, id)
	}
	if d := busy.Until.Sub(started.Add(6 * time.Minute)); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("until = %v, want about %v (the median of earlier restores)", busy.Until, started.Add(6*time.Minute))
	}
	want := "Test is busy: a restore started in Restore Desk at " + started.Local().Format("15:04") +
		" is still running; it should be done around " + busy.Until.Local().Format("15:04") + "."
	if busy.Summary != want {
		t.Errorf("summary = %q\nwant      %q", busy.Summary, want)
	}
	err = busy.Err()
	if !errors.Is(err, restore.ErrTargetBusy) {
		t.Errorf("Err() = %v, want ErrTargetBusy in its chain", err)
	}
	if ex := explain.Explain(err); ex.Summary != want || !strings.Contains(ex.NextStep, "Nothing was sent") {
		t.Errorf("explained = %+v", ex)
	}

	// The run itself, and another environment of the app, are not held by it.
	if busy, err := check.Check(ctx, test, id); err != nil || busy != nil {
		t.Errorf("excepting the run itself: busy = %+v, err = %v", busy, err)
	}
	if busy, err := check.Check(ctx, acc, 0); err != nil || busy != nil {
		t.Errorf("Acceptance: busy = %+v, err = %v", busy, err)
	}

	// Nobody follows it any more (the window closed before it had sent a restore): it
	// waits for re-attach and holds nothing in the cloud.
	release()
	if busy, err := check.Check(ctx, test, 0); err != nil || busy != nil {
		t.Errorf("interrupted run without a restore: busy = %+v, err = %v", busy, err)
	}
}

func TestBusyWhileTheCloudMakesABackup(t *testing.T) {
	b := newBed(t, localcloudtest.WithJobDelay(time.Hour))
	ctx := context.Background()
	test := b.target("orderdesk", "Test")
	snap, err := b.client.CreateSnapshot(ctx, test.App.ProjectID, test.Env.EnvironmentID, "nightly-ish")
	if err != nil {
		t.Fatal(err)
	}
	busy, err := restore.NewBusyCheck(b.client, b.j, nil).Check(ctx, test, 0)
	if err != nil || busy == nil {
		t.Fatalf("busy = %v, err = %v; want the backup", busy, err)
	}
	if busy.With != restore.BusyBackup || busy.JobID != snap.SnapshotID {
		t.Errorf("busy = %+v, want backup %s", busy, snap.SnapshotID)
	}
	// The seeded history holds completed backups with their durations: an end is expected.
	if busy.Until.IsZero() || !busy.Until.After(busy.Since) {
		t.Errorf("until = %v, since = %v: want an expected end after the start", busy.Until, busy.Since)
	}
	for _, want := range []string{"Test is busy: Mendix Cloud is making a backup of it, started at ", "it should be done around "} {
		if !strings.Contains(busy.Summary, want) {
			t.Errorf("summary %q does not say %q", busy.Summary, want)
		}
	}
}

func TestBusyWhileARestoreOfAnInterruptedRunGoesOnInTheCloud(t *testing.T) {
	b := newBed(t, localcloudtest.WithJobDelay(time.Hour))
	ctx := context.Background()
	test := b.target("orderdesk", "Test")
	if test.Env.Status != cloud.StatusStopped {
		t.Fatalf("demo Test is %s, want Stopped", test.Env.Status)
	}
	snap := b.completedSnapshot(test)
	rs, err := b.client.CreateRestore(ctx, test.App.ProjectID, test.Env.EnvironmentID, cloud.RestoreRequest{SourceSnapshotID: snap.SnapshotID})
	if err != nil {
		t.Fatal(err)
	}
	id := runFor(t, b.j, journal.KindRestore, test, time.Now().Add(-time.Minute))
	if err := b.j.SetRestore(ctx, id, rs.RestoreID); err != nil {
		t.Fatal(err)
	}
	busy, err := restore.NewBusyCheck(b.client, b.j, nil).Check(ctx, test, 0)
	if err != nil || busy == nil {
		t.Fatalf("busy = %v, err = %v; want the restore", busy, err)
	}
	if busy.With != restore.BusyRestore || busy.JobID != rs.RestoreID || busy.RunID != id {
		t.Errorf("busy = %+v, want restore %s of run %d", busy, rs.RestoreID, id)
	}
	if !strings.HasPrefix(busy.Summary, "Test is busy: Mendix Cloud is restoring a backup into it, started at ") {
		t.Errorf("summary = %q", busy.Summary)
	}
}

// A download of a backup of Test, or a restore of one into a local database, only reads
// from the cloud: while one runs, Test may still be restored. A running restore of Test
// still holds it.
func TestBusyIgnoresRunsThatOnlyRead(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	test := b.target("orderdesk", "Test")
	snap := b.completedSnapshot(test)
	req := restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: test}
	for _, kind := range []journal.Kind{journal.KindDownload, restore.KindLocalRestore} {
		id := runFor(t, b.j, kind, test, time.Now().Add(-time.Minute))
		release, err := b.j.Claim(id) // followed right now, as by another window
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if busy, err := restore.NewBusyCheck(b.client, b.j, nil).Check(ctx, test, 0); err != nil || busy != nil {
			t.Errorf("a running %s: busy = %+v, err = %v; want Test free", kind, busy, err)
		}
	}
	if _, err := b.e.Plan(ctx, req); err != nil {
		t.Fatalf("plan while a download and a local restore run: %v; want a plan", err)
	}

	id := runFor(t, b.j, journal.KindRestore, test, time.Now().Add(-time.Minute))
	release, err := b.j.Claim(id)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, err = b.e.Plan(ctx, req)
	if !errors.Is(err, restore.ErrTargetBusy) {
		t.Fatalf("plan while a restore runs: %v; want ErrTargetBusy", err)
	}
	ex := explain.Explain(err)
	if !strings.HasPrefix(ex.Summary, "Test is busy: a restore started in Restore Desk at ") {
		t.Errorf("summary %q does not say the restore holds Test", ex.Summary)
	}
	// The desktop app shows this text too: it names no front end.
	if want := "Wait until it has finished (its progress and history show when), then try again. Nothing was sent."; ex.NextStep != want {
		t.Errorf("next step %q\nwant        %q", ex.NextStep, want)
	}
}

// An expected end is told only when it rests on enough earlier runs, and never once it
// has passed: then nothing measured says how much longer ("any moment now" was said to a
// run at its first step of three).
func TestBusyTellsAnEndOnlyWhenMeasured(t *testing.T) {
	for name, c := range map[string]struct {
		earlier []time.Duration
		started time.Duration // ago
	}{
		"two earlier runs are no measure": {[]time.Duration{5 * time.Minute, 6 * time.Minute}, time.Minute},
		"the expected end has passed":     {[]time.Duration{time.Minute, time.Minute, time.Minute}, 10 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			b := newBed(t)
			ctx := context.Background()
			test := b.target("orderdesk", "Test")
			now := time.Now()
			for _, took := range c.earlier {
				if err := b.j.Finish(ctx, runFor(t, b.j, journal.KindRestore, test, now.Add(-took)), journal.StatusCompleted, ""); err != nil {
					t.Fatal(err)
				}
			}
			release, err := b.j.Claim(runFor(t, b.j, journal.KindRestore, test, now.Add(-c.started)))
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			busy, err := restore.NewBusyCheck(b.client, b.j, nil).Check(ctx, test, 0)
			if err != nil || busy == nil {
				t.Fatalf("busy = %v, err = %v; want the running restore", busy, err)
			}
			if strings.Contains(busy.Summary, "should be done") {
				t.Errorf("summary %q tells an end nothing measured", busy.Summary)
			}
		})
	}
}
