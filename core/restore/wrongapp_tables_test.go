package restore_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/restore"
)

// Real dumps for the wrong-app guard, made with a throwaway PostgreSQL and pg_dump -Fc:
// Order Desk's database as Acceptance's newest backup holds it, an older dump of the same
// app (a table dropped and two added since), and another customer's HR app.
type guardDumps struct {
	orderDesk, olderOrderDesk, otherClient string
}

// orderDeskTables are Order Desk's entities (module$entity) and a few of the platform's.
var orderDeskTables = []string{"sales$order", "sales$orderline", "sales$customer", "sales$product", "sales$pricelist",
	"sales$invoice", "warehouse$stock", "warehouse$location", "warehouse$shipment", "administration$account",
	"system$user", "system$filedocument", "mendixsystem$entity"}

func makeGuardDumps(t *testing.T) guardDumps {
	t.Helper()
	c := pgtest.Start(t) // skips when the server programs are not installed
	var d guardDumps
	c.MendixDatabase(t, "orderdesk", orderDeskTables...)
	d.olderOrderDesk = c.Dump(t, "orderdesk", "orderdesk-october.backup")
	// Since October: the price lists went, returns and discounts came.
	c.Exec(t, "orderdesk", `SET ROLE `+pgtest.User+`; DROP TABLE public."sales$pricelist"; CREATE TABLE public."sales$return" (id bigint); CREATE TABLE public."sales$discount" (id bigint);`)
	d.orderDesk = c.Dump(t, "orderdesk", "orderdesk-newest.backup")
	c.MendixDatabase(t, "otherclient_hr", "hr$employee", "hr$department", "hr$payslip", "hr$leaverequest", "hr$contract",
		"administration$account", "system$user", "system$filedocument", "mendixsystem$entity")
	d.otherClient = c.Dump(t, "otherclient_hr", "otherclient_hr.backup")
	return d
}

// TestWrongAppGuardWithRealDumps runs the guard's cases against the embedded cloud, with
// the dumps of one throwaway cluster.
func TestWrongAppGuardWithRealDumps(t *testing.T) {
	d := makeGuardDumps(t)
	t.Run("another customer's dump is caught the first time", func(t *testing.T) { anotherCustomersDumpIsCaughtTheFirstTime(t, d) })
	t.Run("an uploaded backup of another customer is caught", func(t *testing.T) { anUploadedBackupOfAnotherCustomerIsCaught(t, d) })
	t.Run("another environment's uploaded backup is caught", func(t *testing.T) { anotherEnvironmentsUploadedBackupIsCaught(t, d) })
	t.Run("nothing learned of the target", func(t *testing.T) { whenTheTargetsDataCannotBeLearnedThePlanSaysSo(t, d) })
	t.Run("a remembered list stands in for a slow archive", func(t *testing.T) { aRememberedListStandsInForASlowArchive(t, d) })
	t.Run("an archive request not recorded is never sent", func(t *testing.T) { anArchiveRequestNotRecordedIsNeverSent(t, d) })
	t.Run("an interrupted table read is closed on resume", func(t *testing.T) { anInterruptedTableReadIsClosedOnResume(t, d) })
}

// A table read whose end never reached the journal (the process died, here: the journal
// refused the finish) is closed when resumed: it says what it was doing, that nothing in
// the environment changed, and sends nothing again.
func anInterruptedTableReadIsClosedOnResume(t *testing.T, d guardDumps) {
	ctx := context.Background()
	b := newBed(t)
	tg := acceptanceWithNewestBackup(t, b, d.orderDesk)
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(b.j.Path())+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER no_finish BEFORE UPDATE OF status ON runs WHEN NEW.status != 'running'
		BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.otherClient}, Target: tg, Options: restore.Options{UploadOnly: true}}); err != nil {
		t.Fatal(err)
	}
	runs, err := b.j.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Kind != restore.KindTableRead || runs[0].Status != journal.StatusRunning {
		t.Fatalf("journal %+v, want the table read left running", runs)
	}
	if _, err := db.Exec(`DROP TRIGGER no_finish`); err != nil {
		t.Fatal(err)
	}
	archivesBefore := len(b.lc.DownloadRequests())
	_, err = b.e.Reattach(ctx, runs[0].ID, nil)
	if !errors.Is(err, restore.ErrInterrupted) {
		t.Fatalf("Reattach = %v, want the run closed as interrupted", err)
	}
	if !strings.Contains(err.Error(), "was asking for an archive of the backup") || !strings.Contains(err.Error(), "nothing in the environment was changed") {
		t.Errorf("error %q does not say what the run was doing and that nothing changed", err)
	}
	run, err := b.j.Get(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status == journal.StatusRunning {
		t.Errorf("the run is still running after resuming: %+v", run)
	}
	if n := len(b.lc.DownloadRequests()); n != archivesBefore {
		t.Errorf("resuming read the archive again (%d → %d reads)", archivesBefore, n)
	}
}

// The journal cannot record the archive request that would learn the target's tables:
// no archive is asked for, nothing is read, and the plan says it cannot tell.
func anArchiveRequestNotRecordedIsNeverSent(t *testing.T, d guardDumps) {
	ctx := context.Background()
	b := newBed(t)
	tg := acceptanceWithNewestBackup(t, b, d.orderDesk)
	var archives atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/archives") {
			archives.Add(1)
		}
		b.lc.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c, err := cloud.New(front.URL, cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	e := restore.New(c, b.j, fastEngineOpts()...)
	refuseStepStart(t, b.j.Path(), restore.StepLink)
	p, err := e.Plan(ctx, restore.Request{Source: restore.Source{File: d.otherClient}, Target: tg, Options: restore.Options{UploadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if n := archives.Load(); n != 0 {
		t.Fatalf("%d archive requests were sent although the journal could not record them", n)
	}
	if n := len(b.lc.DownloadRequests()); n != 0 {
		t.Errorf("%d downloads were made", n)
	}
	if p.Fit.Fit != restore.FitCannotTell || len(p.Warnings) == 0 ||
		!strings.Contains(p.Warnings[0], "Restore Desk cannot tell whether otherclient_hr.backup holds Order Desk's data: Restore Desk could not record in its journal that it would ask Mendix Cloud for Acceptance's newest backup (") {
		t.Fatalf("fit %v %q, want cannot tell, saying the request was not recorded", p.Fit.Fit, p.Warnings)
	}
}

// When the newest backup's archive is not ready in time, the list learned from an earlier
// backup of the environment decides instead of "cannot tell".
func aRememberedListStandsInForASlowArchive(t *testing.T, d guardDumps) {
	ctx := context.Background()
	b := newBed(t)
	tg := acceptanceWithNewestBackup(t, b, d.orderDesk)
	if p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.olderOrderDesk}, Target: tg, Options: restore.Options{UploadOnly: true}}); err != nil || p.Fit.Fit != restore.FitSame {
		t.Fatalf("first plan: %v, %+v: want the tables learned and the same app", err, p)
	}
	// A newer backup, whose archive never gets ready; an engine that waits briefly.
	if _, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: d.orderDesk, DatabaseOnly: true}); err != nil {
		t.Fatal(err)
	}
	b.lc.SetFaults(localcloud.Faults{Archives: localcloud.ArchiveFaults{Polls: 1 << 30}})
	impatient := restore.New(b.client, b.j, append(fastEngineOpts(), restore.WithTableLearnTimeout(300*time.Millisecond))...)
	p, err := impatient.Plan(ctx, restore.Request{Source: restore.Source{File: d.otherClient}, Target: tg, Options: restore.Options{UploadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Fit.Fit != restore.FitWrongApp || !strings.Contains(p.Warnings[0], "it shares 1 of its 6 tables with Acceptance's backup of ") {
		t.Errorf("fit %v %q, want another app's data by the remembered list", p.Fit.Fit, p.Warnings)
	}
}

// acceptanceWithNewestBackup seeds path as the newest backup of Order Desk › Acceptance
// (a manual backup made now, the dump as Mendix Cloud would keep it).
func acceptanceWithNewestBackup(t *testing.T, b *bed, path string) restore.Target {
	t.Helper()
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	if _, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: path, DatabaseOnly: true,
		CreatedAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return tg
}

// anotherCustomersDumpIsCaughtTheFirstTime: nothing was ever run here, yet a dump of
// otherclient_hr uploaded to Order Desk › Acceptance is caught: its tables are compared
// with those of Acceptance's newest backup, learned from the first bytes of a database-only
// archive (one Range request, never the whole file). The upload alone may go on, its
// "restore afterwards" starts off, and the restore needs Acceptance typed. The same app's
// older dump passes without a typed name, and needs no second download: the tables are
// remembered.
func anotherCustomersDumpIsCaughtTheFirstTime(t *testing.T, d guardDumps) {
	ctx := context.Background()
	b := newBed(t, localcloudtest.WithStrictDownloads())
	tg := acceptanceWithNewestBackup(t, b, d.orderDesk)
	if runs, err := b.j.List(ctx, journal.Filter{}); err != nil || len(runs) != 0 {
		t.Fatalf("journal %v (%v), want it empty: the first time", runs, err)
	}

	up, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.otherClient}, Target: tg, Options: restore.Options{UploadOnly: true}})
	if err != nil {
		t.Fatalf("upload-only plan: %v", err)
	}
	if up.Fit.Fit != restore.FitWrongApp {
		t.Fatalf("fit %v (%q), want another app's data", up.Fit.Fit, up.Fit.Warnings)
	}
	for _, want := range []string{`otherclient_hr.backup (its database is called "otherclient_hr") does not look like Order Desk's data`,
		"it shares 1 of its 6 tables with Acceptance's newest backup (", "which has 11: it looks like another app's data."} {
		if !strings.Contains(up.Warnings[0], want) {
			t.Errorf("warning %q does not say %q", up.Warnings[0], want)
		}
	}
	if c, ok := up.Shape().Choice(restore.OptRestoreAfterUpload); !ok || c.Default {
		t.Errorf("restore-after-upload choice %+v (offered %v), want it offered and off", c, ok)
	}
	if up.Shape().Confirm.Kind != restore.ConfirmNone {
		t.Errorf("an upload alone asks %+v, want no confirmation: it replaces nothing", up.Shape().Confirm)
	}
	reqs := b.lc.DownloadRequests()
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0].Range, "bytes=0-") {
		t.Fatalf("download requests %+v, want one ranged read of the backup's start", reqs)
	}
	// Asking for the archive is a run of its own, journaled as every archive request is.
	runs, err := b.j.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Kind != restore.KindTableRead || runs[0].Status != journal.StatusCompleted ||
		runs[0].EnvID != tg.Env.EnvironmentID || runs[0].SnapshotID != newestSnapshotID(t, b, tg) {
		t.Fatalf("journal %+v, want one completed archive request for Acceptance's newest backup", runs)
	}
	if runs[0].SourceTakenAt.IsZero() || runs[0].SourceKind == "" {
		t.Errorf("the run does not record when the backup was made and its kind (History names it by them): %+v", runs[0])
	}

	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.otherClient}, Target: tg, Options: restore.Options{SafetyBackup: true}})
	if err != nil {
		t.Fatalf("restore plan: %v", err)
	}
	if c := p.Shape().Confirm; c.Kind != restore.ConfirmName || c.Name != "Acceptance" || !strings.Contains(c.Reason, "does not look like Order Desk's data") {
		t.Errorf("confirmation %+v, want Acceptance typed because of the tables", c)
	}
	before := b.snapshotCount(tg.Env.EnvironmentID)
	if _, err := b.e.Run(ctx, p, nil); !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Fatalf("run without the typed name: %v, want it refused", err)
	}
	if n := b.snapshotCount(tg.Env.EnvironmentID); n != before {
		t.Errorf("backups %d → %d: something was uploaded without the typed name", before, n)
	}
	if !p.ConfirmWith("acceptance") {
		t.Error("the environment's name did not confirm the plan")
	}

	older, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.olderOrderDesk}, Target: tg, Options: restore.Options{UploadOnly: true}})
	if err != nil {
		t.Fatalf("plan of the older dump: %v", err)
	}
	if older.Fit.NeedsTypedName() || len(older.Warnings) != 0 {
		t.Errorf("the same app's older dump: fit %v %q, want no doubt", older.Fit.Fit, older.Warnings)
	}
	if c, ok := older.Shape().Choice(restore.OptRestoreAfterUpload); !ok || !c.Default {
		t.Errorf("restore-after-upload choice %+v (offered %v), want it on", c, ok)
	}
	if n := len(b.lc.DownloadRequests()); n != 1 {
		t.Errorf("%d download requests after the second plan, want the tables remembered (1)", n)
	}
	ts, ok, err := b.j.Tables(ctx, tg.App.AppID, tg.Env.EnvironmentID, newestSnapshotID(t, b, tg))
	if err != nil || !ok || len(ts.Tables) != 14 {
		t.Errorf("journal's table list %+v (%v, %v), want the newest backup's 14 tables", ts, ok, err)
	}
}

// Once uploaded alone, another customer's dump is a backup of Acceptance; restoring that
// backup is caught the same way (an uploaded backup holds whatever was uploaded).
func anUploadedBackupOfAnotherCustomerIsCaught(t *testing.T, d guardDumps) {
	ctx := context.Background()
	b := newBed(t)
	tg := acceptanceWithNewestBackup(t, b, d.orderDesk)
	up, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.otherClient}, Target: tg, Options: restore.Options{UploadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.e.Run(ctx, up, nil)
	if err != nil || res.UploadSnapshotID == "" {
		t.Fatalf("upload alone: %+v %v", res, err)
	}
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: res.UploadSnapshotID}, Target: tg})
	if err != nil {
		t.Fatalf("plan restoring the uploaded backup: %v", err)
	}
	if p.Fit.Fit != restore.FitWrongApp || p.Shape().Confirm.Name != "Acceptance" {
		t.Fatalf("fit %v confirm %+v, want the uploaded backup caught", p.Fit.Fit, p.Shape().Confirm)
	}
	if !strings.Contains(p.Warnings[0], "does not look like Order Desk's data") {
		t.Errorf("warning %q", p.Warnings[0])
	}
}

// Another customer's dump uploaded alone to Test is a backup of Test; restoring it into
// Acceptance is caught too: its tables are read from Test's backup, where it is.
func anotherEnvironmentsUploadedBackupIsCaught(t *testing.T, d guardDumps) {
	ctx := context.Background()
	b := newBed(t)
	tg := acceptanceWithNewestBackup(t, b, d.orderDesk)
	test := b.target(localcloud.DemoAppOrderDesk, "Test")
	up, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.otherClient}, Target: test, Options: restore.Options{UploadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.e.Run(ctx, up, nil)
	if err != nil || res.UploadSnapshotID == "" {
		t.Fatalf("upload alone to Test: %+v %v", res, err)
	}
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: res.UploadSnapshotID, SourceEnvID: test.Env.EnvironmentID}, Target: tg})
	if err != nil {
		t.Fatalf("plan restoring Test's uploaded backup into Acceptance: %v", err)
	}
	if p.Fit.Fit != restore.FitWrongApp || p.Shape().Confirm.Name != "Acceptance" {
		t.Fatalf("fit %v %q confirm %+v, want Test's uploaded backup caught by its tables", p.Fit.Fit, p.Warnings, p.Shape().Confirm)
	}
	if !strings.HasPrefix(p.Warnings[0], "Test's backup of ") || !strings.Contains(p.Warnings[0], "does not look like Order Desk's data") {
		t.Errorf("warning %q, want Test's backup named and found to be another app's data", p.Warnings[0])
	}
	if _, ok, err := b.j.Tables(ctx, tg.App.AppID, test.Env.EnvironmentID, res.UploadSnapshotID); err != nil || !ok {
		t.Errorf("the uploaded backup's tables are not remembered under Test (%v, %v)", ok, err)
	}
}

// When nothing can be learned of the target (no backup at all; an archive that is not
// ready in time) the plan says it cannot tell, and the restore needs the typed name.
func whenTheTargetsDataCannotBeLearnedThePlanSaysSo(t *testing.T, d guardDumps) {
	ctx := context.Background()

	t.Run("no backup", func(t *testing.T) {
		b := newBed(t)
		if _, err := b.lc.AddApp(localcloud.AppSpec{AppID: "newdesk", Name: "New Desk", Team: []string{localcloud.DemoUsername},
			Environments: []localcloud.EnvSpec{{Mode: "Acceptance"}}}); err != nil {
			t.Fatal(err)
		}
		tg := b.target("newdesk", "Acceptance")
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.olderOrderDesk}, Target: tg})
		if err != nil {
			t.Fatal(err)
		}
		if p.Fit.Fit != restore.FitCannotTell || p.Shape().Confirm.Name != "Acceptance" {
			t.Fatalf("fit %v confirm %+v, want cannot tell and Acceptance typed", p.Fit.Fit, p.Shape().Confirm)
		}
		want := "Restore Desk cannot tell whether orderdesk-october.backup holds New Desk's data: Acceptance has no completed backup of its own to compare it with."
		if p.Warnings[0] != want {
			t.Errorf("warning %q, want %q", p.Warnings[0], want)
		}
		if !strings.Contains(p.Fit.Next, "type Acceptance to confirm") {
			t.Errorf("next %q", p.Fit.Next)
		}
	})

	t.Run("archive not ready in time", func(t *testing.T) {
		srv := localcloudtest.Start(t, localcloudtest.WithFaults(localcloud.Faults{Archives: localcloud.ArchiveFaults{Polls: 1 << 30}}))
		b := newBedOn(t, srv, filepath.Join(t.TempDir(), "journal.db"), localcloud.DemoUsername, localcloud.DemoAPIKey,
			restore.WithTableLearnTimeout(300*time.Millisecond))
		tg := acceptanceWithNewestBackup(t, b, d.orderDesk)
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: d.olderOrderDesk}, Target: tg, Options: restore.Options{UploadOnly: true}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Fit.Fit != restore.FitCannotTell || !strings.Contains(p.Warnings[0], "Mendix Cloud did not prepare Acceptance's newest backup") {
			t.Fatalf("fit %v %q, want cannot tell because the archive was not ready", p.Fit.Fit, p.Warnings)
		}
		if c, _ := p.Shape().Choice(restore.OptRestoreAfterUpload); c.Default {
			t.Error("restore-after-upload is on although the plan cannot tell")
		}
	})
}

func newestSnapshotID(t *testing.T, b *bed, tg restore.Target) string {
	t.Helper()
	snaps, err := b.client.ListAllSnapshots(context.Background(), tg.App.ProjectID, tg.Env.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	var newest cloud.Snapshot
	for _, s := range snaps {
		if s.State == cloud.StateCompleted && s.CreatedAt.After(newest.CreatedAt) {
			newest = s
		}
	}
	return newest.SnapshotID
}
