package restore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/restore"
)

// refuseStepStart makes the journal file at path refuse, from now on, to record that a
// step of kind starts: a trigger in the real SQLite file aborts that write, as a full disk
// or a broken file would, while every other write goes through. (Simulated: the failure
// is made by the database itself on request, since a disk cannot be filled here.)
func refuseStepStart(t *testing.T, path string, kind restore.StepKind) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, op := range []string{"INSERT", "UPDATE"} {
		q := fmt.Sprintf(`CREATE TRIGGER refuse_%s_%s BEFORE %s ON steps WHEN NEW.kind = '%s' AND NEW.status = 'running'
			BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`, strings.ToLower(op), kind, op, kind)
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// The journal cannot record the start of pg_restore: pg_restore is never started, the
// database is never created, and the message says so plainly.
func TestLocalRestoreNotRecordedNeverStartsPgRestore(t *testing.T) {
	c := pgtest.Start(t)
	e, j := localEngine(t)
	ctx := context.Background()
	p, err := e.PlanLocal(ctx, restore.LocalRequest{File: localFixture, Target: localTarget(c, "untouched"), Create: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	refuseStepStart(t, j.Path(), restore.StepLocalRestore)
	res, err := e.RunLocal(ctx, p, nil)
	if !errors.Is(err, restore.ErrJournalWrite) {
		t.Fatalf("RunLocal = %v, want ErrJournalWrite", err)
	}
	if dbs := c.Databases(t); slices.Contains(dbs, "untouched") {
		t.Fatalf("the database was created although its restore was not recorded: %v", dbs)
	}
	if res.Restore != nil {
		t.Errorf("pg_restore ran: %+v", res.Restore)
	}
	s := explain.Explain(err).Summary
	if !strings.Contains(s, "did not start pg_restore") || !strings.Contains(s, `The database "untouched" was not touched.`) {
		t.Errorf("summary %q", s)
	}
	run, err := j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != journal.StatusFailed || !strings.Contains(run.Error, "did not start pg_restore") {
		t.Errorf("journal: %s %q", run.Status, run.Error)
	}
}

// For every step that changes the cloud, a journal that refuses to record the step's
// start means the step is never sent: the environment, its backups and its restores stay
// as they were.
func TestEveryCloudStepIsRecordedBeforeItIsSent(t *testing.T) {
	ctx := context.Background()
	for _, k := range []restore.StepKind{restore.StepSafetyBackup, restore.StepStop, restore.StepRestore, restore.StepStart,
		restore.StepBackup, restore.StepComment, restore.StepDelete, restore.StepUpload} {
		t.Run(string(k), func(t *testing.T) {
			b := newBed(t)
			tg := b.target(localcloud.DemoAppOrderDesk, "Production") // running: a restore stops it
			envID := tg.Env.EnvironmentID
			if k == restore.StepStart {
				b.setStatus(envID, "Stopped")
				tg = b.target(localcloud.DemoAppOrderDesk, "Production")
			}
			var plan restore.Planned
			var run func() (*restore.Result, error)
			switch k {
			case restore.StepBackup, restore.StepStart:
				kind := journal.KindBackup
				if k == restore.StepStart {
					kind = journal.KindStart
				}
				p, err := b.e.Plan(ctx, restore.Request{Action: kind, Target: tg})
				if err != nil {
					t.Fatal(err)
				}
				plan, run = p, func() (*restore.Result, error) { return b.e.Run(ctx, p, nil) }
			case restore.StepComment, restore.StepDelete:
				made, err := act(ctx, b.e, journal.KindBackup, tg, "", restore.BackupOptions{Comment: "mine"}, nil)
				if err != nil {
					t.Fatal(err)
				}
				p, err := b.e.PlanManage(ctx, restore.ManageRequest{Target: tg, SnapshotID: made.Backup.SnapshotID,
					Delete: k == restore.StepDelete, Comment: "changed"})
				if err != nil {
					t.Fatal(err)
				}
				plan, run = p, func() (*restore.Result, error) { return b.e.RunManage(ctx, p, nil) }
			case restore.StepUpload:
				p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: tg,
					Options: restore.Options{UploadOnly: true}})
				if err != nil {
					t.Fatal(err)
				}
				plan, run = p, func() (*restore.Result, error) { return b.e.Run(ctx, p, nil) }
			default:
				p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg,
					Options: restore.Options{SafetyBackup: true}})
				if err != nil {
					t.Fatal(err)
				}
				plan, run = p, func() (*restore.Result, error) { return b.e.Run(ctx, p, nil) }
			}
			plan.ConfirmWith("Production")
			status, snaps, digest := b.status(envID), b.snapshotCount(envID), b.digest(envID)
			comments := b.comments(envID)
			refuseStepStart(t, b.j.Path(), k)
			_, err := run()
			if !errors.Is(err, restore.ErrJournalWrite) {
				t.Fatalf("run = %v, want ErrJournalWrite", err)
			}
			if !strings.Contains(explain.Explain(err).Summary, "did not send it") {
				t.Errorf("summary %q", explain.Explain(err).Summary)
			}
			// The message says what the steps before it did: a safety backup was made
			// (before the stop), the environment stopped (before the restore), or nothing.
			done := "Nothing was changed."
			switch k {
			case restore.StepStop:
				done = "Production's data was not changed."
			case restore.StepRestore:
				done = "Production was stopped by this run and is still stopped."
			}
			if !strings.Contains(explain.Explain(err).Summary, done) {
				t.Errorf("summary %q does not say %q", explain.Explain(err).Summary, done)
			}
			// What the steps before it did stays; the refused step left no trace.
			switch k {
			case restore.StepStop, restore.StepStart, restore.StepSafetyBackup:
				if got := b.status(envID); got != status {
					t.Errorf("status %s, was %s", got, status)
				}
			}
			if k != restore.StepRestore && k != restore.StepStop && b.snapshotCount(envID) != snaps {
				t.Errorf("%d backups, were %d", b.snapshotCount(envID), snaps)
			}
			if k == restore.StepRestore && b.snapshotCount(envID) != snaps+1 {
				t.Errorf("%d backups, want the safety backup only over %d", b.snapshotCount(envID), snaps)
			}
			if rs := b.lc.Restores(envID); len(rs) != 0 || b.digest(envID) != digest {
				t.Errorf("restores %+v; data changed: %v", rs, b.digest(envID) != digest)
			}
			if got := b.comments(envID); (k == restore.StepComment || k == restore.StepDelete) && !slices.Equal(got, comments) {
				t.Errorf("comments %q, were %q", got, comments)
			}
		})
	}
}

// comments are the comments of envID's backups, in the cloud's order.
func (b *bed) comments(envID string) []string {
	b.t.Helper()
	snaps, err := b.lc.Snapshots(envID)
	if err != nil {
		b.t.Fatal(err)
	}
	var out []string
	for _, s := range snaps {
		out = append(out, s.Comment)
	}
	return out
}

// The app closes while a restore makes its safety backup: the engine said it would
// cancel the run, and it does: the journal says it was cancelled because the app closed,
// nothing was restored, and the run is never offered for undo. Closed once the restore
// was submitted, the run goes on in the cloud as the engine said, and the next start
// follows it to the end.
func TestClosingTheAppDoesWhatTheEngineSaid(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	envID := tg.Env.EnvironmentID
	plan := func() *restore.Plan {
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg,
			Options: restore.Options{SafetyBackup: true}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	closeAt := func(step restore.StepKind, wantGoesOn bool) (*restore.Result, error) {
		rctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		var said string
		var goesOn, known bool
		res, err := b.e.Run(rctx, plan(), func(ev restore.Event) {
			if ev.Step == step && ev.Type == restore.EventProgress && said == "" {
				goesOn, said, known = b.e.OnClose(ev.RunID)
				cancel(restore.ErrAppClosed)
			}
		})
		if !known || goesOn != wantGoesOn || said == "" {
			t.Fatalf("OnClose at %s = %v %q %v", step, goesOn, said, known)
		}
		if l := b.e.Live(); len(l) != 0 {
			t.Errorf("runs still live after Run returned: %+v", l)
		}
		return res, err
	}

	res, err := closeAt(restore.StepSafetyBackup, false)
	if !errors.Is(err, restore.ErrCancelled) || res.Status != journal.StatusCancelled {
		t.Fatalf("closed during the safety backup: %v, %+v", err, res)
	}
	if slices.ContainsFunc(res.NextActions(), func(a restore.NextAction) bool { return a.Kind == restore.ActionUndo }) {
		t.Errorf("a run that restored nothing offers undo: %+v", res.NextActions())
	}
	jr, err := b.j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if jr.Status != journal.StatusCancelled || jr.CanUndo() || !strings.Contains(jr.Error, "Restore Desk was closed") ||
		!strings.Contains(jr.Error, "so the run was cancelled before anything in Acceptance was changed") {
		t.Errorf("journal: %s, can undo %v, %q", jr.Status, jr.CanUndo(), jr.Error)
	}
	if _, err := b.e.Undo(ctx, res.RunID); !errors.Is(err, restore.ErrNothingToUndo) {
		t.Errorf("Undo of the cancelled run = %v, want ErrNothingToUndo", err)
	}
	if rs := b.lc.Restores(envID); len(rs) != 0 {
		t.Fatalf("restores %+v", rs)
	}

	// The cancelled run's safety backup goes on in the cloud: wait until it is done.
	deadline := time.Now().Add(20 * time.Second)
	for {
		busy, err := b.e.Busy(ctx, tg)
		if err != nil {
			t.Fatal(err)
		}
		if busy == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still busy: %s", busy.Summary)
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err = closeAt(restore.StepRestore, true)
	if !errors.Is(err, restore.ErrDetached) || !res.Detached {
		t.Fatalf("closed after the restore was submitted: %v, %+v", err, res)
	}
	left, err := b.e.Unfinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].ID != res.RunID {
		t.Fatalf("unfinished runs at the next start: %+v", left)
	}
	var replayed []restore.StepKind
	again, err := b.e.Reattach(ctx, res.RunID, func(ev restore.Event) {
		if ev.Type == restore.EventStepDone {
			replayed = append(replayed, ev.Step)
		}
	})
	if err != nil || again.Status != journal.StatusCompleted {
		t.Fatalf("Reattach = %+v, %v", again, err)
	}
	if !slices.Equal(replayed[:2], []restore.StepKind{restore.StepSafetyBackup, restore.StepRestore}) {
		t.Errorf("Reattach emitted the done steps %v, want the safety backup and the restore first", replayed)
	}
	if jr, err := b.j.Get(ctx, res.RunID); err != nil || !jr.CanUndo() {
		t.Errorf("the restored run cannot be undone: %+v, %v", jr, err)
	}
}

// runSQL runs statements on the journal file at path from a connection of its own.
func runSQL(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// A run whose restore was submitted but whose restore id never reached the journal (the
// journal failed from then on, as when the process dies there) is resumed as "the outcome
// is not known", never as "restored nothing", and nothing is submitted again. The journal
// row is made by the real runner.
func TestResumeOfSubmittedRestoreWithoutIdSaysOutcomeUnknown(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	// (Simulated: the journal refuses the restore id and the run's end, as a dying disk would.)
	runSQL(t, b.j.Path(),
		`CREATE TRIGGER no_id BEFORE UPDATE ON runs WHEN NEW.restore_id != '' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`,
		`CREATE TRIGGER no_end BEFORE UPDATE ON runs WHEN NEW.status != 'running' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`)
	res, _ := b.e.Run(ctx, p, nil)
	runSQL(t, b.j.Path(), `DROP TRIGGER no_id`, `DROP TRIGGER no_end`)
	sent := len(b.lc.Restores(tg.Env.EnvironmentID))
	if sent != 1 {
		t.Fatalf("%d restores in the cloud, want the one submitted", sent)
	}
	jr, err := b.j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if jr.Status != journal.StatusRunning || jr.RestoreSubmittedAt.IsZero() || jr.RestoreID != "" {
		t.Fatalf("journal row %s, submitted %v, id %q: not the state wanted", jr.Status, jr.RestoreSubmittedAt, jr.RestoreID)
	}
	again, err := b.e.Reattach(ctx, res.RunID, nil)
	if !errors.Is(err, restore.ErrOutcomeUnknown) || again.Status != journal.StatusUnknown {
		t.Fatalf("Reattach = %v, %+v", err, again)
	}
	if s := explain.Explain(err).Summary; !strings.Contains(s, "not known whether Mendix Cloud started it") || strings.Contains(s, "restored nothing") {
		t.Errorf("summary %q", s)
	}
	if n := len(b.lc.Restores(tg.Env.EnvironmentID)); n != sent {
		t.Errorf("resume submitted the restore again: %d restores", n)
	}
}

// The engine says what a run holds and what the environment is doing while it runs; a
// refused run holds nothing, and a finished one leaves nothing behind.
func TestLiveStatusComesFromTheEngine(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production") // running
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg,
		Options: restore.Options{Start: true}})
	if err != nil {
		t.Fatal(err)
	}
	p.ConfirmWith("Production")
	var statuses []string
	var held bool
	if _, err := b.e.Run(ctx, p, func(ev restore.Event) {
		if ev.Type == restore.EventStatus {
			statuses = append(statuses, ev.State)
			l := b.e.LiveOf(tg)
			held = held || l != nil && l.RunID == ev.RunID && l.Status == ev.State
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{restore.LiveStopping, restore.LiveStopped, restore.LiveRestoring, restore.LiveStopped, restore.LiveStarting, restore.LiveRunning}
	if !slices.Equal(statuses, want) || !held {
		t.Errorf("statuses %q (held %v), want %q", statuses, held, want)
	}
	// A second run refused (nothing confirmed) leaves no live state behind.
	p2, err := b.e.Plan(ctx, restore.Request{Action: journal.KindStop, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.Run(ctx, p2, nil); !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Fatalf("unconfirmed stop = %v", err)
	}
	if l := b.e.LiveOf(tg); l != nil || len(b.e.Live()) != 0 {
		t.Errorf("live state after the runs: %+v", b.e.Live())
	}
	if b.status(tg.Env.EnvironmentID) != "Running" {
		t.Errorf("Production is %s", b.status(tg.Env.EnvironmentID))
	}
}

// The busy check cannot be made (the cloud fails every read): the run is refused, and
// nothing is sent or journaled. The check fails closed.
func TestBusyCheckThatFailsRefusesTheRun(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")
	envID := tg.Env.EnvironmentID
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	p.ConfirmWith("Production")
	b.lc.SetFaults(localcloud.Faults{Rate: 1, Kinds: []localcloud.FaultKind{localcloud.FaultServerError}})
	_, err = b.e.Run(ctx, p, nil)
	b.lc.SetFaults(localcloud.Faults{})
	if err == nil || !strings.Contains(explain.Explain(err).Summary, "could not tell whether Production is busy") {
		t.Fatalf("Run with the busy check failing = %v", err)
	}
	runs, err := b.j.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 || len(b.lc.Restores(envID)) != 0 || b.status(envID) != "Running" {
		t.Errorf("something was done: %d runs, %d restores, status %s", len(runs), len(b.lc.Restores(envID)), b.status(envID))
	}
}

// The connection breaks while the restore is submitted (the cloud made it, the answer was
// lost): the engine never submits it again, and says the outcome is unknown.
func TestAmbiguousRestoreSubmissionIsNeverRetried(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production") // running: the stop comes first
	envID := tg.Env.EnvironmentID
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	p.ConfirmWith("Production")
	res, err := b.e.Run(ctx, p, func(ev restore.Event) {
		if ev.Type == restore.EventStepStarted && ev.Step == restore.StepRestore {
			// From the submission on, every request is carried out and its answer lost.
			b.lc.SetFaults(localcloud.Faults{Rate: 1, Kinds: []localcloud.FaultKind{localcloud.FaultDrop}})
		}
	})
	b.lc.SetFaults(localcloud.Faults{})
	if !errors.Is(err, restore.ErrOutcomeUnknown) || res.Status != journal.StatusUnknown {
		t.Fatalf("Run = %v, %+v", err, res)
	}
	if n := len(b.lc.Restores(envID)); n != 1 {
		t.Fatalf("%d restores made, want exactly the one submitted", n)
	}
	if s := explain.Explain(err).Summary; !strings.Contains(s, "will not submit it again") {
		t.Errorf("summary %q", s)
	}
}

// An undo plan says which later runs it also reverts: undoing the first of two restores
// puts back data from before the second too.
func TestUndoPlanNamesTheLaterRunsItReverts(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	var ids []int64
	for range 2 {
		// Each run's safety backup must be done before the next plan: wait until not busy.
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			busy, err := b.e.Busy(ctx, tg)
			if err != nil {
				t.Fatal(err)
			}
			if busy == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still busy: %s", busy.Summary)
			}
		}
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg,
			Options: restore.Options{SafetyBackup: true}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.e.Run(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.RunID)
	}
	p, err := b.e.Undo(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("It also reverts what run %d put into Acceptance after run %d.", ids[1], ids[0])
	if !slices.Contains(p.Notes, want) || !p.Undoable {
		t.Errorf("undo notes %q (undoable %v), want %q", p.Notes, p.Undoable, want)
	}
	last, err := b.e.Undo(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(last.Notes, func(n string) bool { return strings.Contains(n, "also reverts") }) {
		t.Errorf("undoing the last run names later runs: %q", last.Notes)
	}
}
