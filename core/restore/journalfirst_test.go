package restore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// holdJournal takes the journal's write lock from another connection, as another program
// would, for d; the engine's writes meanwhile wait (10 s) and then fail.
func holdJournal(t *testing.T, path string, d time.Duration) (released <-chan struct{}) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		time.Sleep(d)
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
		close(done)
	}()
	return done
}

// A journal locked just when the restore is to be recorded as "submitting": the restore
// is not sent, the run stops with a plain message, and the journal, read again, tells the
// truth about it.
func TestJournalLockedWhileSubmittingSendsNoRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the journal's 10 s busy timeout")
	}
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance") // stopped: no stop step
	snap := b.completedSnapshot(tg)
	before := b.digest(tg.Env.EnvironmentID)
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	var released <-chan struct{}
	var once sync.Once
	rec := &recorder{hook: func(ev restore.Event) {
		if ev.Type == restore.EventStepStarted && ev.Step == restore.StepRestore {
			// The restore step was recorded; "submitting" comes next. Held for longer
			// than the busy timeout, so that write fails and the ones after succeed.
			once.Do(func() { released = holdJournal(t, b.j.Path(), 12*time.Second) })
		}
	}}
	res, err := b.e.Run(ctx, p, rec.on)
	if !errors.Is(err, restore.ErrJournalWrite) {
		t.Fatalf("Run = %v, want ErrJournalWrite", err)
	}
	<-released
	if rs := b.lc.Restores(tg.Env.EnvironmentID); len(rs) != 0 {
		t.Fatalf("a restore was sent although it could not be recorded: %+v", rs)
	}
	if b.digest(tg.Env.EnvironmentID) != before {
		t.Error("the data changed")
	}
	ex := explain.Explain(err)
	if !strings.Contains(ex.Summary, "did not send it") || !strings.Contains(ex.Summary, "Nothing was changed") {
		t.Errorf("summary %q", ex.Summary)
	}
	jr, jerr := b.j.Get(ctx, res.RunID)
	if jerr != nil {
		t.Fatal(jerr)
	}
	if jr.Status != journal.StatusFailed || !jr.RestoreSubmittedAt.IsZero() || !strings.Contains(jr.Error, "did not send it") {
		t.Errorf("journal: status %s, submitted %v, error %q", jr.Status, jr.RestoreSubmittedAt, jr.Error)
	}
	// Resuming it says it is over; it does not claim a restore ran or that one is unknown.
	_, err = b.e.Reattach(ctx, res.RunID, nil)
	if !errors.Is(err, restore.ErrRunFinished) {
		t.Errorf("Reattach = %v, want ErrRunFinished", err)
	}
}

// A run cut off (the process died) after its restore step was recorded but before
// "submitting": resume says what the journal proves, that this run sent no restore, and
// the cloud indeed has none.
func TestResumeOfRunCutBeforeSubmittingTellsTheTruth(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	snap := b.completedSnapshot(tg)
	id, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindRestore, SnapshotID: snap.SnapshotID,
		AppID: tg.App.AppID, AppName: tg.App.Name, ProjectID: tg.App.ProjectID, EnvID: tg.Env.EnvironmentID, Mode: tg.Env.Mode,
		Steps: []journal.Step{{Kind: "restore", Title: "Restore"}, {Kind: "wait", Title: "Wait"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.j.StepStarted(ctx, id, "restore", "Restore"); err != nil {
		t.Fatal(err)
	}
	_, err = b.e.Reattach(ctx, id, nil)
	if !errors.Is(err, restore.ErrInterrupted) {
		t.Fatalf("Reattach = %v", err)
	}
	s := explain.Explain(err).Summary
	if !strings.Contains(s, "restored nothing") || strings.Contains(s, "before anything") {
		t.Errorf("summary %q", s)
	}
	if len(b.lc.Restores(tg.Env.EnvironmentID)) != 0 {
		t.Error("the cloud has a restore")
	}
}

// A restore that fails for lack of space says the docs' rule.
func TestRestoreOutOfRoomSaysTheRule(t *testing.T) {
	ctx := context.Background()
	b := newBed(t, localcloudtest.WithFaults(localcloud.Faults{RestoreNoRoom: true}))
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.e.Run(ctx, p, nil)
	if !errors.Is(err, restore.ErrRestoreFailed) || !errors.Is(err, cloud.ErrNoRoom) {
		t.Fatalf("Run = %v", err)
	}
	if s := explain.Explain(err).Summary; !strings.Contains(s, "decompressed database plus 2.25 GB") {
		t.Errorf("summary %q", s)
	}
}
