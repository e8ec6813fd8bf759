package ui

import (
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// anID is what a backup's, a restore's or a job's id looks like (a UUID): an owner never
// reads one.
var anID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-`)

// A restore with a safety backup, then its undo, read where an owner reads: the job's
// lines, History's details and the Undo headline name backups by kind and date, and the
// safety backup's comment in the cloud says which backup it came before, by date.
func TestHistory_NoIDsWhereAnOwnerReads(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Acceptance")
	snap := h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(nil)
	h.idle()
	st := h.finished(h.lastJob())
	if st.State != progress.RunCompleted {
		t.Fatalf("restore ended %v: %v", st.State, st.Err)
	}
	for _, s := range st.Steps {
		if line := stepText(s); anID.MatchString(line) {
			t.Errorf("job line %q shows an id", line)
		}
	}
	if anID.MatchString(st.Message) {
		t.Errorf("the job's outcome %q shows an id", st.Message)
	}
	runs, err := h.journal.List(context.Background(), journal.Filter{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("journal: %d runs, %v", len(runs), err)
	}
	safety, err := h.cloud.GetSnapshot(context.Background(), runs[0].ProjectID, runs[0].EnvID, runs[0].SafetySnapshotID)
	if err != nil {
		t.Fatal(err)
	}
	wantComment := "Safety backup before restoring the nightly backup of " + snap.CreatedAt.Local().Format("Mon 2 Jan 2006 15:04") + " (Restore Desk)"
	if safety.Comment != wantComment || cloud.KindOf(*safety) != cloud.KindSafety {
		t.Errorf("safety backup's comment %q (kind %s), want %q", safety.Comment, cloud.KindOf(*safety), wantComment)
	}

	h.on(func() { test.Tap(h.u.bar.history) })
	h.idle()
	hw := h.u.history
	h.on(func() {
		hw.table.Select(tableCell(0))
		if anID.MatchString(hw.details.Text) || !strings.Contains(hw.details.Text, "Safety backup: taken ") {
			t.Errorf("History's details: %q", hw.details.Text)
		}
		test.Tap(hw.undo)
	})
	h.idle()
	h.on(func() {
		all := strings.Join(texts(hw.win.Canvas()), "\n")
		if !strings.Contains(all, "the restore of "+runs[0].StartedAt.Local().Format("Mon 2 Jan 15:04")) || anID.MatchString(all) {
			t.Errorf("the Undo dialog: %q", all)
		}
	})
}

// History's What and App · environment columns word every kind of run; a local restore
// names its database and server, never its address with the user and settings in it.
func TestHistory_WhatAndWhereInWords(t *testing.T) {
	cases := []struct {
		run         journal.Run
		where, what string
	}{
		{journal.Run{Kind: journal.KindDelete, AppName: "Order Desk", Mode: "Test"}, "Order Desk · Test", "Delete backup"},
		{journal.Run{Kind: journal.KindComment, AppName: "Order Desk", Mode: "Test"}, "Order Desk · Test", "Comment"},
		{journal.Run{Kind: journal.KindDownload, AppID: "orderdesk", Mode: "Production"}, "orderdesk · Production", "Download"},
		{journal.Run{Kind: restore.KindLocalRestore, AppID: "postgresql://anna@localhost:5433/orders?sslmode=disable", Mode: "orders"},
			"orders on localhost:5433", "Local restore"},
		{journal.Run{Kind: restore.KindTableRead, AppName: "Order Desk", Mode: "Acceptance"}, "Order Desk · Acceptance", "Table list read"},
	}
	for _, c := range cases {
		cells := historyRowCells(c.run, time.Now())
		if cells[2] != c.where || cells[3] != c.what {
			t.Errorf("%s: where %q, what %q; want %q, %q", c.run.Kind, cells[2], cells[3], c.where, c.what)
		}
		if d := runDetails(c.run); strings.Contains(d, "postgresql://") || strings.Contains(d, string(c.run.Kind)+" ") {
			t.Errorf("%s: details %q", c.run.Kind, d)
		}
	}
	// A run that only read a backup (a download, a link, the wrong-app check's table read)
	// names it by its kind and date, as a restore names its source.
	made := time.Date(2026, 12, 4, 0, 26, 0, 0, time.Local)
	read := journal.Run{Kind: restore.KindTableRead, AppName: "Order Desk", Mode: "Acceptance", SourceMode: "Acceptance",
		SourceTakenAt: made, SourceKind: string(cloud.KindNightly), SnapshotID: "a1b2c3d4-0000-0000-0000-000000000000"}
	if from := historyRowCells(read, made.Add(10*time.Hour))[4]; from != "Nightly backup of "+shortTime(made) {
		t.Errorf("a table read's source %q, want the nightly backup named by its date", from)
	}
}

// A cloud backup restored into a local database twice (the second reuses the first's
// download): both jobs are titled by the backup's app and environment, never by the
// downloaded file's name, and History names the database and its server, not its address.
func TestLocalDB_CloudBackupTitledByItsAppEvenWhenTheDownloadIsReused(t *testing.T) {
	c := sharedPostgres(t)
	h, _, _ := downloadHarness(t)
	for _, db := range []string{"titled_a", "titled_b"} {
		h.on(func() { h.last.localDlg = nil; h.u.act.openLocalSelected() })
		h.idle()
		fillLocalDB(h, c, db, pgtest.Password)
		h.on(func() {
			d := h.last.localDlg
			if d.current == nil || d.okBtn.Disabled() {
				t.Fatalf("no local restore planned: %q", texts(h.u.k.win.Canvas()))
			}
			if reused := d.current.Download == nil && d.current.ReusedRun != 0; reused != (db == "titled_b") {
				t.Errorf("%s: the earlier download reused = %v", db, reused)
			}
			test.Tap(d.okBtn)
		})
		v := h.finished(h.lastJob())
		if v.State != progress.RunCompleted {
			t.Fatalf("%s: the local restore ended %s: %v", db, v.State, v.Err)
		}
		if want := "Restore a backup of Customer Portal · Acceptance into " + db; v.Title != want {
			t.Errorf("job title %q, want %q", v.Title, want)
		}
		h.on(func() {
			if r := h.last.localReport; r != nil {
				r.dialog.Hide()
			}
			h.last.localReport = nil
		})
	}
	runs, err := h.journal.List(context.Background(), journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Kind != restore.KindLocalRestore {
			continue
		}
		cells := historyRowCells(r, time.Now())
		if cells[3] != "Local restore" || strings.Contains(cells[2], "postgresql://") || !strings.HasSuffix(cells[2], " on "+net.JoinHostPort(c.Host, strconv.Itoa(c.Port))) {
			t.Errorf("History row %q", cells)
		}
	}
}
