package restore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// An interrupted run's restore holds the environment while the cloud queues or runs it,
// and no longer once the cloud has finished it.
func TestBusyFollowsTheStateOfAnInterruptedRunsRestore(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	test := b.target("orderdesk", "Test")
	snap := b.completedSnapshot(test)
	// Three restores of Test run here first: the cloud's restore is expected to take the
	// median of their wait steps.
	for range 3 {
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: b.target("orderdesk", "Test")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.e.Run(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := b.j.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	for _, r := range runs {
		for _, s := range r.Steps {
			if s.Kind == string(restore.StepWait) && s.Status == journal.StepDone {
				waits = append(waits, s.Duration())
			}
		}
	}
	if len(waits) != 3 {
		t.Fatalf("%d measured waits, want 3", len(waits))
	}
	slices.Sort(waits)
	release := b.lc.HoldRestores() // running, and held there until released
	t.Cleanup(release)
	rs, err := b.client.CreateRestore(ctx, test.App.ProjectID, test.Env.EnvironmentID, cloud.RestoreRequest{SourceSnapshotID: snap.SnapshotID})
	if err != nil {
		t.Fatal(err)
	}
	id := runFor(t, b.j, journal.KindRestore, test, time.Now().Add(-time.Minute))
	if err := b.j.SetRestore(ctx, id, rs.RestoreID); err != nil {
		t.Fatal(err)
	}
	restoreIn := func(want cloud.JobState) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, err := b.client.GetRestore(ctx, test.App.ProjectID, test.Env.EnvironmentID, rs.RestoreID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("restore is %s after 30 s, want %s", got.State, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	check := restore.NewBusyCheck(b.client, b.j, nil)

	restoreIn(cloud.StateRunning)
	busy, err := check.Check(ctx, test, 0)
	if err != nil || busy == nil || busy.With != restore.BusyRestore || busy.JobID != rs.RestoreID {
		t.Fatalf("while the cloud runs the restore: busy = %+v, err = %v; want restore %s", busy, err, rs.RestoreID)
	}
	if got := busy.Until.Sub(busy.Since); got != waits[1] {
		t.Errorf("the restore is expected to take %v, want %v (the median of the waits %v)", got, waits[1], waits)
	}

	release()
	restoreIn(cloud.StateCompleted)
	if busy, err := check.Check(ctx, test, 0); err != nil || busy != nil {
		t.Errorf("after the cloud finished the restore: busy = %+v, err = %v; want Test free", busy, err)
	}
}

// A run recorded with an environment's id holds that environment only, even when another
// environment of the app now has its mode (the environment was replaced); a run recorded
// without an id (older journals) is matched by app and mode.
func TestBusyMatchesRunsByEnvironmentIdBeforeMode(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	test := b.target("orderdesk", "Test")
	check := restore.NewBusyCheck(b.client, b.j, nil)

	replaced := test
	replaced.Env.EnvironmentID = "an-environment-that-was-replaced"
	old := runFor(t, b.j, journal.KindRestore, replaced, time.Now().Add(-time.Minute))
	releaseOld, err := b.j.Claim(old)
	if err != nil {
		t.Fatal(err)
	}
	if busy, err := check.Check(ctx, test, 0); err != nil || busy != nil {
		t.Errorf("a run on another environment id: busy = %+v, err = %v; want Test free", busy, err)
	}
	releaseOld()

	withoutID := test
	withoutID.Env.EnvironmentID = ""
	legacy := runFor(t, b.j, journal.KindRestore, withoutID, time.Now().Add(-time.Minute))
	releaseLegacy, err := b.j.Claim(legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseLegacy()
	if busy, err := check.Check(ctx, test, 0); err != nil || busy == nil || busy.RunID != legacy {
		t.Errorf("a run of Test recorded without an id: busy = %+v, err = %v; want run %d", busy, err, legacy)
	}
	// Asked about an environment whose id is not known yet, the mode decides.
	if busy, err := check.Check(ctx, withoutID, 0); err != nil || busy == nil || busy.RunID != legacy {
		t.Errorf("Test without its id: busy = %+v, err = %v; want run %d", busy, err, legacy)
	}
}

// While the cloud makes a backup, its expected end is its start plus the median time of the
// environment's recent completed backups (the 19 before it, with it the 20 newest the
// check lists): failed or unfinished ones do not count. The demo's history grows by a
// nightly backup each day, so which ones are recent depends on the time of day.
func TestBusyBackupEndsAroundTheMedianOfCompletedBackups(t *testing.T) {
	b := newBed(t, localcloudtest.WithJobDelay(time.Hour))
	ctx := context.Background()
	test := b.target("orderdesk", "Test")
	before, err := b.client.ListAllSnapshots(ctx, test.App.ProjectID, test.Env.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(before, func(a, b cloud.Snapshot) int { return b.CreatedAt.Compare(a.CreatedAt) })
	before = before[:min(len(before), 19)]
	var took []time.Duration
	for _, s := range before {
		if s.State == cloud.StateCompleted && !s.CreatedAt.IsZero() && s.FinishedAt.After(s.CreatedAt) {
			took = append(took, s.FinishedAt.Sub(s.CreatedAt))
		}
	}
	if len(took) < 3 {
		t.Fatalf("the demo's Test has %d completed backups with times; want a history to take a median of", len(took))
	}
	slices.Sort(took)
	median := took[len(took)/2]

	if _, err := b.client.CreateSnapshot(ctx, test.App.ProjectID, test.Env.EnvironmentID, "in the way"); err != nil {
		t.Fatal(err)
	}
	busy, err := restore.NewBusyCheck(b.client, b.j, nil).Check(ctx, test, 0)
	if err != nil || busy == nil || busy.With != restore.BusyBackup {
		t.Fatalf("busy = %+v, err = %v; want the backup", busy, err)
	}
	if got := busy.Until.Sub(busy.Since); got != median {
		t.Errorf("expected to take %v, want %v (the median of %d completed backups)", got, median, len(took))
	}
}
