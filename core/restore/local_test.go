package restore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"restoredesk/core/journal"
	"restoredesk/core/localdb"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

var localFixture = filepath.Join("..", "archive", "testdata", "files_and_database-1a2b3c4d-202611250130.tar.gz")

// localEngine is an engine with a real journal and no cloud: a local restore needs none.
func localEngine(t *testing.T) (*restore.Engine, *journal.Journal) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return restore.New(nil, j, fastEngineOpts()...), j
}

func localTarget(c *pgtest.Cluster, db string) localdb.Target {
	return localdb.Target{Host: c.Host, Port: c.Port, User: pgtest.User, Database: db, Password: pgtest.Password}
}

// A local restore of a full snapshot is planned, run and journaled step by step; its
// events carry the dump bytes, and the result proves every row arrived.
func TestRunLocalJournalsStepsAndProvesRows(t *testing.T) {
	c := pgtest.Start(t)
	e, j := localEngine(t)
	ctx := context.Background()
	p, err := e.PlanLocal(ctx, restore.LocalRequest{Profile: "dev", File: localFixture, Target: localTarget(c, "eng"), Create: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 2 || p.Steps[0].Kind != restore.StepLocalRestore || p.Steps[1].Kind != restore.StepRowCheck {
		t.Fatalf("steps %+v", p.Steps)
	}
	var mu sync.Mutex
	var types []restore.EventType
	res, err := e.RunLocal(ctx, p, func(ev restore.Event) {
		mu.Lock()
		defer mu.Unlock()
		types = append(types, ev.Type)
	})
	if err != nil || !res.Complete() || res.Check.DBRows != 10005 {
		t.Fatalf("result %+v, %v", res, err)
	}
	run, err := j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Kind != restore.KindLocalRestore || run.Status != journal.StatusCompleted || run.Profile != "dev" ||
		run.FileSHA256 == "" || run.FileSHA256 != res.Restore.SHA256 || run.AppID != localTarget(c, "eng").String() || len(run.Steps) != 2 {
		t.Fatalf("journal %+v", run)
	}
	for _, s := range run.Steps {
		if s.Status != journal.StepDone || s.Message == "" {
			t.Fatalf("step %+v", s)
		}
	}
	if run.Steps[1].Message != "3 tables, 10,005 rows: every row arrived." {
		t.Fatalf("row check step says %q", run.Steps[1].Message)
	}
	if types[0] != restore.EventStepStarted || types[len(types)-1] != restore.EventRunDone {
		t.Fatalf("events %v", types)
	}
}

// A refused plan is a *RunError in plain words whose reason callers can branch on, and
// no run is journaled.
func TestPlanLocalRefusalsArePlain(t *testing.T) {
	c := pgtest.Start(t)
	e, j := localEngine(t)
	bad := localTarget(c, "eng")
	bad.Password = "nope"
	_, err := e.PlanLocal(context.Background(), restore.LocalRequest{File: localFixture, Target: bad, Create: true}, nil)
	var re *restore.RunError
	if !errors.As(err, &re) || !errors.Is(err, localdb.ErrPassword) || re.PlainSummary() == "" {
		t.Fatalf("got %v", err)
	}
	if runs := listRuns(t, j, journal.Filter{}); len(runs) != 0 {
		t.Fatalf("a refused plan was journaled: %+v", runs)
	}
}

// Cancelling journals the run as cancelled with what state the database is in.
func TestRunLocalCancelIsJournaled(t *testing.T) {
	c := pgtest.Start(t)
	e, j := localEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := e.PlanLocal(ctx, restore.LocalRequest{File: localFixture, Target: localTarget(c, "stopped"), Create: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Cancelled as soon as pg_restore has been fed its first bytes.
	res, err := e.RunLocal(ctx, p, func(ev restore.Event) {
		if ev.Step == restore.StepLocalRestore && ev.Type == restore.EventBytes {
			go func() {
				for done, _ := ev.Counter.Load(); done == 0; done, _ = ev.Counter.Load() {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}()
		}
	})
	if !errors.Is(err, localdb.ErrCancelled) || res.Status != journal.StatusCancelled {
		t.Fatalf("got %v, %+v", err, res)
	}
	run, err := j.Get(context.Background(), res.RunID)
	if err != nil || run.Status != journal.StatusCancelled || run.Error == "" || run.Steps[0].Status != journal.StepFailed {
		t.Fatalf("journal %+v %v", run, err)
	}
}

// A local restore that was interrupted (the process ended mid-run) is closed by Reattach
// as interrupted, saying the database may hold part of the backup.
func TestReattachClosesInterruptedLocalRestore(t *testing.T) {
	e, j := localEngine(t)
	ctx := context.Background()
	id, err := j.Create(ctx, &journal.Run{Kind: restore.KindLocalRestore, FileName: "db.backup", AppID: "postgresql://u@127.0.0.1:5432/app", Mode: "app",
		Steps: []journal.Step{{Kind: string(restore.StepLocalRestore), Title: "Restore"}, {Kind: string(restore.StepRowCheck), Title: "Count"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Reattach(ctx, id, nil)
	if !errors.Is(err, restore.ErrInterrupted) || res.Status != journal.StatusInterrupted {
		t.Fatalf("got %v, %+v", err, res)
	}
	run := getRun(t, j, id)
	if run.Status != journal.StatusInterrupted || !strings.Contains(run.Error, `may hold part of the backup`) {
		t.Fatalf("journal %+v", run)
	}
}

// A download that was interrupted changed nothing in the cloud: Reattach closes it as
// interrupted and says so, and that a new download continues from the part kept.
func TestReattachClosesInterruptedDownload(t *testing.T) {
	e, j := localEngine(t)
	ctx := context.Background()
	id, err := j.Create(ctx, &journal.Run{Kind: journal.KindDownload, SnapshotID: "snap-1", AppID: "orderdesk", Mode: "Test",
		Steps: []journal.Step{{Kind: string(restore.StepArchive), Title: "Archive"}, {Kind: string(restore.StepDownload), Title: "Download"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Reattach(ctx, id, nil)
	if !errors.Is(err, restore.ErrInterrupted) || res.Status != journal.StatusInterrupted {
		t.Fatalf("got %v, %+v", err, res)
	}
	run := getRun(t, j, id)
	if !strings.Contains(run.Error, "nothing in the cloud was changed") || !strings.Contains(run.Error, "in the download folder") {
		t.Fatalf("journal error %q", run.Error)
	}
	if next := restore.ActionOf(err); next != nil && next.Kind == restore.ActionFollow {
		t.Errorf("an interrupted download offers to follow it: %+v", next)
	}
}

// Cancelling while the rows are counted (the restore itself done) journals the run as
// cancelled, not failed, and says the database holds the backup uncounted.
func TestRunLocalCancelDuringRowCheckIsCancelled(t *testing.T) {
	c := pgtest.Start(t)
	e, j := localEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := e.PlanLocal(ctx, restore.LocalRequest{File: localFixture, Target: localTarget(c, "uncounted"), Create: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.RunLocal(ctx, p, func(ev restore.Event) {
		if ev.Step == restore.StepRowCheck && ev.Type == restore.EventStepStarted {
			cancel() // the user presses Cancel as the count begins
		}
	})
	if !errors.Is(err, localdb.ErrCancelled) || !errors.Is(err, context.Canceled) || res.Status != journal.StatusCancelled {
		t.Fatalf("got %v, %+v; want cancelled", err, res)
	}
	if !strings.Contains(res.Message, `database "uncounted" holds the restored backup`) {
		t.Errorf("message %q does not say what the database holds", res.Message)
	}
	if v := restore.Finish(progress.NewUpdater(time.Millisecond, nil, t.Name(), nil, nil), &res.Result, err); v.State != progress.RunCancelled {
		t.Errorf("progress view ends %s, want cancelled", v.State)
	}
	run, jerr := j.Get(context.Background(), res.RunID)
	if jerr != nil || run.Status != journal.StatusCancelled || run.Steps[0].Status != journal.StepDone || run.Steps[1].Status != journal.StepFailed {
		t.Fatalf("journal %+v %v; want cancelled at the row check", run, jerr)
	}
}
