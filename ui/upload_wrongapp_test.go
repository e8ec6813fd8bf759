package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"restoredesk/core/journal"
	"restoredesk/core/progress"
)

// Issue 20 item 1 in the window: a real dump of another customer's database dropped on
// Order Desk › Acceptance, where this computer never ran anything, is not called
// restorable as it is: the check leads with the tables' warning, "Restore Acceptance from
// it" starts unticked (the plan's choice), and once ticked the restore cannot be confirmed
// until Acceptance is typed. A dump of the app's own data, checked first, keeps the tick on.
func TestUpload_AnotherCustomersDumpIsCaughtTheFirstTime(t *testing.T) {
	pg := sharedPostgres(t)
	pg.MendixDatabase(t, "otherclient_hr", "hr$employee", "hr$payslip", "hr$department", "hr$contract", "system$user")
	other := pg.Dump(t, "otherclient_hr", "otherclient_hr.backup")
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Acceptance")
	if runs, err := h.journal.List(context.Background(), journal.Filter{}); err != nil || len(runs) != 0 {
		t.Fatalf("journal %v (%v), want no earlier run", runs, err)
	}

	// First the app's own data (the tables Acceptance's backups hold): ticked, no warning.
	own := fixture(t, "customerportal.backup")
	h.on(func() { h.u.act.handleDrop(fyne.NewPos(400, 300), []fyne.URI{storage.NewFileURI(own)}) })
	h.idle()
	h.on(func() {
		d := h.last.inspection
		if d == nil || d.restore == nil || d.report.Path != own {
			t.Fatalf("no upload dialog for the app's own dump: %+v", d)
		}
		if !d.restore.Checked {
			t.Error(`"Restore Acceptance from it" starts unticked for the app's own data`)
		}
		if c := h.u.k.win.Canvas(); !shows(c, "customerportal.backup can be restored.") || shows(c, "does not look like") {
			t.Errorf("the own dump's check: %q", texts(c))
		}
		test.Tap(d.cancel)
	})

	h.on(func() { h.u.act.handleDrop(fyne.NewPos(400, 300), []fyne.URI{storage.NewFileURI(other)}) })
	h.idle()
	h.on(func() {
		d := h.last.inspection
		if d == nil || d.restore == nil {
			t.Fatalf("no upload dialog for the dump: %+v", d)
		}
		c := h.u.k.win.Canvas()
		if shows(c, "otherclient_hr.backup can be restored.") {
			t.Error("another customer's dump is called restorable as it is")
		}
		for _, want := range []string{`(its database is called "otherclient_hr") does not look like Order Desk's data`, "type Acceptance to confirm"} {
			if !shows(c, want) {
				t.Errorf("the check does not say %q: %q", want, texts(c))
			}
		}
		if d.restore.Checked {
			t.Error(`"Restore Acceptance from it" starts ticked for another customer's dump`)
		}
		d.restore.SetChecked(true) // the user insists
		test.Tap(d.upload)
	})
	h.idle()
	h.on(func() {
		rd := h.last.planDlg
		if rd == nil || rd.current == nil {
			t.Fatal("no restore confirmation")
		}
		if !strings.Contains(rd.summary.Text, "does not look like Order Desk's data") {
			t.Errorf("summary %q, want the tables' warning first", rd.summary.Text)
		}
		if !rd.okBtn.Disabled() {
			t.Fatal("the restore can be confirmed without typing Acceptance")
		}
		test.Type(rd.confirm, "Acceptance")
		if rd.okBtn.Disabled() {
			t.Fatal("typing Acceptance did not allow the restore")
		}
		test.Tap(rd.okBtn)
	})
	h.idle()
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("confirmed restore ended %v: %v", st.State, st.Err)
	}

}
