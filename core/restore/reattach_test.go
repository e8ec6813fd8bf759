package restore_test

import (
	"context"
	"errors"
	"io"
	"os"
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

// Cancelling before the environment is stopped changes nothing.
func TestCancelBeforeStopChangesNothing(t *testing.T) {
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")
	before := b.digest(tg.Env.EnvironmentID)
	snap := b.completedSnapshot(tg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg,
		Options: restore.Options{SafetyBackup: true, Confirm: "Production"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{hook: func(ev restore.Event) {
		if ev.Step == restore.StepSafetyBackup && ev.Type == restore.EventStepDone {
			cancel()
		}
	}}
	res, err := b.e.Run(ctx, p, rec.on)
	if !errors.Is(err, restore.ErrCancelled) {
		t.Fatalf("Run = %v, want ErrCancelled", err)
	}
	if s := explain.Explain(err).Summary; !strings.Contains(s, "before anything in Production was changed") || !strings.Contains(s, res.SafetySnapshotID) {
		t.Errorf("summary %q", s)
	}
	if res.StoppedEnv || res.LeftStopped || b.status(tg.Env.EnvironmentID) != "Running" || b.digest(tg.Env.EnvironmentID) != before ||
		len(b.lc.Restores(tg.Env.EnvironmentID)) != 0 {
		t.Error("a cancel before the stop changed something")
	}
	if jr := getRun(t, b.j, res.RunID); jr.Status != journal.StatusCancelled {
		t.Errorf("journal status %s", jr.Status)
	}
}

// Cancelling after the restore was submitted only stops following it: the run stays
// unfinished, and Reattach follows the same restore to the end (never a second one).
func TestCancelAfterSubmitThenReattach(t *testing.T) {
	b := newBed(t, localcloudtest.WithJobDelay(150*time.Millisecond))
	tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	b.setStatus(tg.Env.EnvironmentID, "Running")
	tg = b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	snap := b.completedSnapshot(tg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg,
		Options: restore.Options{Start: true}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{hook: func(ev restore.Event) {
		if ev.Step == restore.StepRestore && ev.Type == restore.EventStepDone {
			cancel()
		}
	}}
	res, err := b.e.Run(ctx, p, rec.on)
	if !errors.Is(err, restore.ErrDetached) || !res.Detached || res.RestoreID == "" {
		t.Fatalf("Run = %+v, %v; want detached with a restore id", res, err)
	}
	if s := explain.Explain(err).Summary; !strings.Contains(s, "goes on in Mendix Cloud") {
		t.Errorf("summary %q", s)
	}
	un, err := b.e.Unfinished(context.Background())
	if err != nil || len(un) != 1 || un[0].ID != res.RunID || un[0].RestoreID != res.RestoreID {
		t.Fatalf("Unfinished = %+v, %v", un, err)
	}
	if d := restore.Describe(un[0]); !strings.Contains(d, "follow it to the end") {
		t.Errorf("Describe = %q", d)
	}
	rec2 := &recorder{}
	res2, err := b.e.Reattach(context.Background(), res.RunID, rec2.on)
	if err != nil {
		t.Fatalf("Reattach: %v", err)
	}
	if res2.RestoreID != res.RestoreID || !res2.StartedEnv || res2.LeftStopped || res2.Status != journal.StatusCompleted {
		t.Errorf("reattached result %+v", res2)
	}
	if rs := b.lc.Restores(tg.Env.EnvironmentID); len(rs) != 1 || rs[0].State != "completed" {
		t.Errorf("restores %+v, want exactly one, completed", rs)
	}
	if b.status(tg.Env.EnvironmentID) != "Running" || b.dataModelVersion(tg.Env.EnvironmentID) != snap.ModelVersion {
		t.Errorf("status %s, model %s", b.status(tg.Env.EnvironmentID), b.dataModelVersion(tg.Env.EnvironmentID))
	}
	if un, _ := b.e.Unfinished(context.Background()); len(un) != 0 {
		t.Errorf("still unfinished: %+v", un)
	}
	if _, err := b.e.Reattach(context.Background(), res.RunID, nil); !errors.Is(err, restore.ErrRunFinished) {
		t.Errorf("second Reattach = %v, want ErrRunFinished", err)
	}
}

// A run that crashed right after stopping the environment: Reattach says so (nothing was
// restored, the environment is stopped) and a plan of PlanStartAfter starts it again. The journal row is
// written the way Run writes it just before the crash.
func TestReattachRunThatOnlyStopped(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")
	id, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindRestore, Profile: "demo", AppID: tg.App.AppID, ProjectID: tg.App.ProjectID,
		EnvID: tg.Env.EnvironmentID, Mode: "Production", SnapshotID: "s", Production: true,
		Steps: []journal.Step{{Kind: "stop", Title: "Stop Production"}, {Kind: "restore"}, {Kind: "wait"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.j.SetStoppedEnv(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if err := b.client.StopEnvironment(ctx, tg.App.AppID, "Production"); err != nil {
		t.Fatal(err)
	}
	for b.status(tg.Env.EnvironmentID) != "Stopped" {
		time.Sleep(5 * time.Millisecond)
	}
	un, _ := b.e.Unfinished(ctx)
	if len(un) != 1 || !strings.Contains(restore.Describe(un[0]), "nothing was restored") {
		t.Fatalf("Unfinished %+v", un)
	}
	rec := &recorder{}
	res, err := b.e.Reattach(ctx, id, rec.on)
	if !errors.Is(err, restore.ErrInterrupted) || !res.LeftStopped || res.Status != journal.StatusInterrupted {
		t.Fatalf("Reattach = %+v, %v", res, err)
	}
	if !strings.Contains(rec.last().Message, "was stopped by this run and is still stopped") || len(b.lc.Restores(tg.Env.EnvironmentID)) != 0 {
		t.Errorf("final %q", rec.last().Message)
	}
	sp, err := b.e.PlanStartAfter(ctx, id)
	if err != nil {
		t.Fatalf("PlanStartAfter: %v", err)
	}
	sres, err := b.e.Run(ctx, sp, nil)
	if err != nil || !sres.StartedEnv || b.status(tg.Env.EnvironmentID) != "Running" {
		t.Fatalf("StartAfter = %+v, %v; status %s", sres, err, b.status(tg.Env.EnvironmentID))
	}
	if jr := getRun(t, b.j, sres.RunID); jr.Kind != journal.KindStart || jr.Status != journal.StatusCompleted || !jr.StartedEnv {
		t.Errorf("start run journaled as %+v", jr)
	}
}

// An upload interrupted by a restart continues from the server's offset.
func TestReattachResumesUpload(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	file := fixture("customerportal.backup")
	size := fileSize(t, file)
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: file}, Target: tg, Options: restore.Options{UploadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	// The first process: creates the upload, journals it, sends part of it, dies.
	small, err := cloud.New(b.srv.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
		cloud.WithUploadChunkSize(size/4), cloud.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	up, err := small.CreateUpload(ctx, tg.App.ProjectID, tg.Env.EnvironmentID, cloud.UploadMeta{Filename: "customerportal.backup", Size: size, SHA256: p.Archive.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	id, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindUpload, AppID: tg.App.AppID, ProjectID: tg.App.ProjectID, EnvID: tg.Env.EnvironmentID,
		Mode: "Acceptance", FilePath: file, FileName: "customerportal.backup", FileSHA256: p.Archive.SHA256, FileSize: size, UploadOnly: true,
		Steps: []journal.Step{{Kind: "inspect", Status: journal.StepDone}, {Kind: "upload", Title: "Upload customerportal.backup"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.j.SetUpload(ctx, id, up.URL, up.SnapshotID)
	// The first process got one chunk out before it died: the file as it sees it ends
	// there, so the next chunk cannot be sent.
	f, _ := os.Open(file)
	defer f.Close()
	if err := small.SendUpload(ctx, up.URL, io.NewSectionReader(f, 0, size/4), size, nil); err == nil {
		t.Fatal("a quarter of the file was accepted as the whole upload")
	}
	held, err := b.client.UploadOffset(ctx, up.URL)
	if err != nil || held <= 0 || held >= size {
		t.Fatalf("server holds %d of %d bytes (%v); the test needs a partial upload", held, size, err)
	}

	// The next start: the run is found and the upload continues where it stopped.
	first := int64(-1)
	rec := &recorder{hook: func(ev restore.Event) {
		if ev.Step == restore.StepUpload && ev.Type == restore.EventBytes && first < 0 {
			first, _ = ev.Counter.Load() // where the counting starts
		}
	}}
	res, err := b.e.Reattach(ctx, id, rec.on)
	if err != nil {
		t.Fatalf("Reattach: %v", err)
	}
	if first < held {
		t.Errorf("resumed upload's first progress %d, want at least the %d bytes already held", first, held)
	}
	snap, err := b.client.GetSnapshot(ctx, tg.App.ProjectID, tg.Env.EnvironmentID, up.SnapshotID)
	if err != nil || snap.State != cloud.StateCompleted || res.Status != journal.StatusCompleted || res.UploadSnapshotID != up.SnapshotID {
		t.Errorf("after resume: snapshot %+v %v, result %+v", snap, err, res)
	}
}
