package restore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// Flow 3: a local archive is checked, uploaded, becomes a backup, and is restored into a
// running environment, which is stopped only after the upload was accepted.
func TestUploadThenRestore(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Test")
	b.setStatus(tg.Env.EnvironmentID, "Running")
	tg = b.target(localcloud.DemoAppCustomerPortal, "Test")
	before := b.digest(tg.Env.EnvironmentID)
	file := fixture("files_and_database-1a2b3c4d-202611250130.tar.gz")
	size := fileSize(t, file)

	planRec := &recorder{}
	planView := planRec.follow(t)
	p, err := b.e.PlanWithProgress(ctx, restore.Request{Profile: "demo", Source: restore.Source{File: file}, Target: tg,
		Options: restore.Options{SafetyBackup: true, Start: true}}, planRec.on)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if got := stepOf(restore.Finish(planView, nil, nil), restore.StepInspect).Bytes; got.Done != size || got.Total != size {
		t.Errorf("inspection progress %+v, want it to end at %d of %d bytes", got, size, size)
	}
	want := []restore.StepKind{restore.StepInspect, restore.StepUpload, restore.StepSafetyBackup, restore.StepStop, restore.StepRestore, restore.StepWait, restore.StepStart, restore.StepVerify}
	if !slices.Equal(kinds(p), want) {
		t.Errorf("steps %v, want %v", kinds(p), want)
	}
	if p.Archive == nil || p.Archive.SHA256 != "5e146b93f601d6c5ee0d095872a4761f40dc22aec473d0912172ca93775e6322" {
		t.Errorf("plan's archive report %+v", p.Archive)
	}
	if !hasNote(p, "stopped only after the file was checked and uploaded") {
		t.Errorf("notes %q", p.Notes)
	}
	rec := &recorder{}
	// The environment must still run while the upload is going on.
	rec.hook = func(ev restore.Event) {
		if ev.Step == restore.StepUpload && ev.Type == restore.EventStepDone {
			if s := b.status(tg.Env.EnvironmentID); s != "Running" {
				t.Errorf("Test was %s before the upload finished", s)
			}
		}
	}
	view := rec.follow(t)
	res, err := b.e.Run(ctx, p, rec.on)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	order := rec.order()
	if i, j := slices.Index(order, "upload:step_done"), slices.Index(order, "stop:step_started"); i < 0 || j < 0 || i > j {
		t.Errorf("stop began before the upload was done: %v", order)
	}
	lastUpload := stepOf(restore.Finish(view, res, err), restore.StepUpload).Bytes
	if lastUpload.Done != size || lastUpload.Total != size {
		t.Errorf("last upload progress %d of %d, want %d of %d", lastUpload.Done, lastUpload.Total, size, size)
	}
	up, err := b.client.GetSnapshot(ctx, tg.App.ProjectID, tg.Env.EnvironmentID, res.UploadSnapshotID)
	if err != nil || up.State != cloud.StateCompleted || up.Comment != cloud.CommentUploaded {
		t.Errorf("uploaded backup %+v %v", up, err)
	}
	rs := b.lc.Restores(tg.Env.EnvironmentID)
	if len(rs) != 1 || rs[0].SourceSnapshotID != res.UploadSnapshotID {
		t.Errorf("restores %+v, want one of the uploaded backup %s", rs, res.UploadSnapshotID)
	}
	if b.digest(tg.Env.EnvironmentID) == before || b.dataModelVersion(tg.Env.EnvironmentID) != "1.4.0.211" {
		t.Errorf("Test does not hold the archive's data (model version %q)", b.dataModelVersion(tg.Env.EnvironmentID))
	}
	if b.status(tg.Env.EnvironmentID) != "Running" || res.LeftStopped {
		t.Errorf("status %s, LeftStopped %v", b.status(tg.Env.EnvironmentID), res.LeftStopped)
	}
	jr := getRun(t, b.j, res.RunID)
	if jr.FileName != "files_and_database-1a2b3c4d-202611250130.tar.gz" || jr.FileSHA256 != p.Archive.SHA256 || jr.FileSize != size ||
		jr.UploadURL == "" || jr.UploadSnapshotID != res.UploadSnapshotID || jr.SnapshotID != res.UploadSnapshotID || jr.Kind != "upload" {
		t.Errorf("journal %+v", jr)
	}
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Upload only: a backup is made, nothing is stopped or restored, even in production and
// without a confirmation.
func TestUploadOnlyNeverStopsAnything(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Production")
	before, snapsBefore := b.digest(tg.Env.EnvironmentID), b.snapshotCount(tg.Env.EnvironmentID)
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: tg,
		Options: restore.Options{UploadOnly: true, SafetyBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []restore.StepKind{restore.StepInspect, restore.StepUpload}; !slices.Equal(kinds(p), want) || p.ConfirmationRequired {
		t.Errorf("steps %v (want %v), confirmation required %v", kinds(p), want, p.ConfirmationRequired)
	}
	if !hasNote(p, "Uploading it stops and replaces nothing") {
		t.Errorf("notes %q", p.Notes)
	}
	stopped := false
	res, err := b.e.Run(ctx, p, func(restore.Event) {
		if b.status(tg.Env.EnvironmentID) != "Running" {
			stopped = true
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if stopped || b.status(tg.Env.EnvironmentID) != "Running" || res.StoppedEnv || res.LeftStopped {
		t.Errorf("Production was stopped during an upload-only run")
	}
	if b.digest(tg.Env.EnvironmentID) != before || len(b.lc.Restores(tg.Env.EnvironmentID)) != 0 {
		t.Error("Production's data changed during an upload-only run")
	}
	if b.snapshotCount(tg.Env.EnvironmentID) != snapsBefore+1 || res.UploadSnapshotID == "" || res.RestoreID != "" {
		t.Errorf("want exactly one new backup and no restore: %+v", res)
	}
	if !strings.Contains(res.Message, "is uploaded") {
		t.Errorf("message %q", res.Message)
	}
}

// Bad files are refused while planning: no upload, no stop, nothing changed.
func TestBadFileRejectedBeforeAnyChange(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Production")
	before, snaps := b.digest(tg.Env.EnvironmentID), b.snapshotCount(tg.Env.EnvironmentID)
	empty := t.TempDir() + "/empty.backup"
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, want string }{
		{fixture("truncated-snapshot.tar.gz"), "cannot be restored"},
		{fixture("no-db-snapshot.tar.gz"), "cannot be restored"},
		{empty, "cannot be restored"},
		{t.TempDir() + "/missing.backup", "does not exist"},
		{t.TempDir(), "is not a file"},
	} {
		_, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: c.file}, Target: tg,
			Options: restore.Options{SafetyBackup: true, Confirm: "Production"}})
		if err == nil {
			t.Errorf("%s: planned", c.file)
			continue
		}
		e := explain.Explain(err)
		if !strings.Contains(e.Summary, c.want) || e.NextStep == "" {
			t.Errorf("%s: %q / %q, want %q", c.file, e.Summary, e.NextStep, c.want)
		}
	}
	if b.digest(tg.Env.EnvironmentID) != before || b.snapshotCount(tg.Env.EnvironmentID) != snaps || b.status(tg.Env.EnvironmentID) != "Running" {
		t.Error("a bad file changed something")
	}
	if runs := listRuns(t, b.j, journalFilter()); len(runs) != 0 {
		t.Errorf("%d runs journaled for refused plans", len(runs))
	}
}

// Against a server without the upload extension (the real Mendix Cloud) the user hears,
// before anything changes, that uploads go through the portal. The embedded cloud is
// served with its upload route removed.
func TestUploadsUnsupportedByServer(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	h := b.lc.Handler()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/uploads") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := cloud.New(front.URL, cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	e := restore.New(c, b.j, fastEngineOpts()...)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	b.setStatus(tg.Env.EnvironmentID, "Running")
	tg.Env.Status = "Running"
	before, snaps := b.digest(tg.Env.EnvironmentID), b.snapshotCount(tg.Env.EnvironmentID)
	p, err := e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: tg,
		Options: restore.Options{SafetyBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(ctx, p, nil)
	if !errors.Is(err, cloud.ErrUploadsUnsupported) {
		t.Fatalf("Run = %v, want ErrUploadsUnsupported", err)
	}
	ex := explain.Explain(err)
	if !strings.Contains(ex.Summary, "Mendix Portal") || !strings.Contains(ex.Summary, "Nothing was changed") || !strings.Contains(ex.NextStep, "Upload Archive") {
		t.Errorf("explanation %q / %q", ex.Summary, ex.NextStep)
	}
	if res.StoppedEnv || b.status(tg.Env.EnvironmentID) != "Running" || b.digest(tg.Env.EnvironmentID) != before || b.snapshotCount(tg.Env.EnvironmentID) != snaps {
		t.Error("something changed before the upload was refused")
	}
}
