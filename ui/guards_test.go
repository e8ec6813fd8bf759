package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/progress"
)

// A support person drops Customer Portal's backup on Order Desk › Test: the plan leads
// with the warning, Restore stays disabled until Test is typed, and declining sends and
// changes nothing.
func TestWrongApp_UploadIntoTestNeedsTheTypedNameAndDecliningChangesNothing(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	h.demo()
	h.open("orderdesk", "Test")
	before := h.env("orderdesk", "Test")
	snapsBefore := len(h.snapshots("orderdesk", "Test"))
	h.on(func() { h.u.act.handleDrop(fyne.NewPos(400, 300), []fyne.URI{storage.NewFileURI(path)}) })
	h.idle()
	h.on(func() {
		d := h.last.inspection
		if !shows(h.u.k.win.Canvas(), "from another line than the 2.3.0.351 that Test of Order Desk runs") {
			t.Errorf("the check does not say it is another app's data: %q", texts(h.u.k.win.Canvas()))
		}
		if d.restore.Checked {
			t.Error("\"Restore Test from it\" is ticked for another app's archive")
		}
		d.restore.SetChecked(true)
		test.Tap(d.upload)
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if d == nil || d.current == nil {
			t.Fatalf("no plan: %q", texts(h.u.k.win.Canvas()))
		}
		if !strings.Contains(d.summary.Text, "it looks like another app's data") || !d.summary.TextStyle.Bold {
			t.Errorf("the plan does not lead with the warning in bold: %q", d.summary.Text)
		}
		if !shows(h.u.k.win.Canvas(), "Type Test to confirm.") {
			t.Errorf("no typed confirmation asked for: %q", texts(h.u.k.win.Canvas()))
		}
		if !d.okBtn.Disabled() {
			t.Fatal("Restore is enabled before Test is typed")
		}
		test.Type(d.confirm, "Tes")
		if !d.okBtn.Disabled() {
			t.Error("Restore is enabled by a part of the name")
		}
		test.Tap(d.cancelBtn) // the user thinks again
	})
	h.idle()
	if n := len(h.snapshots("orderdesk", "Test")); n != snapsBefore {
		t.Errorf("%d backups after declining, want %d: the archive was uploaded", n, snapsBefore)
	}
	if after := h.env("orderdesk", "Test"); after.Status != before.Status {
		t.Errorf("Test is %s after declining, was %s", after.Status, before.Status)
	}
	if runs := h.runsBut(before); len(runs) != 0 {
		t.Errorf("declining left %d runs in the journal", len(runs))
	}
	h.on(func() {
		if n := len(h.u.jobs.jobs); n != 0 {
			t.Errorf("declining started %d jobs", n)
		}
	})
}

// While a restore of Test runs, a second restore of Test is refused in the plan dialog,
// in the engine's words, before anything is sent.
func TestBusy_SecondRestoreWhileOneRunsIsRefusedBeforeAnythingIsSent(t *testing.T) {
	h := newHarness(t)
	// The first restore is held on the server until the second has been tried: no race
	// with a timer decides what this test sees.
	release := h.srv.Cloud().HoldRestores()
	t.Cleanup(release)
	h.demo()
	h.open("orderdesk", "Test")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(func(d *planDialog) { d.safety.SetChecked(false) })
	first := h.lastJob()
	// Wait until the first run has sent its restore.
	env := h.env("orderdesk", "Test")
	deadline := time.Now().Add(30 * time.Second)
	for len(h.srv.Cloud().Restores(env.EnvironmentID)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first restore was not sent within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-first.done:
		t.Fatal("the first restore finished while the server held it")
	default:
	}

	h.selectBackup(completedOfKind(cloud.KindWeekly))
	h.on(func() {
		// The window does not offer it; and asked anyway (as another window or restorectl
		// would), the engine refuses it in the dialog.
		if !h.u.bar.restore.Disabled() {
			t.Error("Restore is offered for Test while a restore of Test runs")
		}
		h.u.act.restoreSelected()
	})
	// Not h.idle(): the first run is held on the server, so background work goes on.
	h.waitFor("the second restore's plan", func() bool {
		d := h.last.planDlg
		return d != nil && (d.err != nil || d.current != nil)
	})
	h.on(func() {
		d := h.last.planDlg
		if d.err == nil || d.current != nil {
			t.Fatalf("the second restore was planned: %q", texts(h.u.k.win.Canvas()))
		}
		if !strings.Contains(d.status.Text, "Test is busy: a restore started in Restore Desk at ") {
			t.Errorf("refusal = %q, want which run holds Test", d.status.Text)
		}
		if !d.okBtn.Disabled() {
			t.Error("the refused restore can be confirmed")
		}
		test.Tap(d.cancelBtn)
	})
	if n := len(h.srv.Cloud().Restores(env.EnvironmentID)); n != 1 {
		t.Errorf("%d restores sent, want only the first", n)
	}
	release()
	if st := h.finished(first); st.State.Label() == "" {
		t.Error("the first run has no final state")
	}
	runs, err := h.journal.List(context.Background(), journal.Filter{})
	if err != nil {
		t.Fatalf("read the journal: %v", err)
	}
	if len(runs) != 1 {
		t.Errorf("journal holds %d runs, want only the first", len(runs))
	}
}

// While a restore runs on Test, Test's badge follows the run (Stopping, then Stopped
// during the restore step) and Restore, Start and Stop are disabled for it; afterwards the
// cloud's status is shown again.
func TestLiveStatus_BadgeFollowsTheRunAndActionsWait(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(300*time.Millisecond)))
	testEnv := h.env("orderdesk", "Test")
	if err := h.srv.Cloud().SetEnvironmentStatus(testEnv.EnvironmentID, "Running"); err != nil {
		t.Fatal(err)
	}
	h.demo()
	h.open("orderdesk", "Test")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(func(d *planDialog) { d.safety.SetChecked(false); d.startAfter.SetChecked(false) })
	h.on(func() {
		if h.last.stopPrompt != nil {
			h.last.stopPrompt.Confirm()
		}
	})
	j := h.lastJob()
	h.waitFor("the badge to say Stopped during the restore", func() bool {
		return shows(h.u.k.win.Canvas(), "Stopped · restoring")
	})
	h.on(func() {
		for name, b := range map[string]interface{ Disabled() bool }{"Restore": h.u.bar.restore, "Start": h.u.bar.start, "Stop": h.u.bar.stop} {
			if !b.Disabled() {
				t.Errorf("%s is enabled while the run holds Test", name)
			}
		}
	})
	h.finished(j)
	h.idle()
	h.on(func() {
		if h.u.lists.liveOf(testEnv) != nil {
			t.Error("Test is still held after the run ended")
		}
		if shows(h.u.k.win.Canvas(), "Stopped · restoring") {
			t.Error("the badge still says restoring after the run ended")
		}
		if !shows(h.u.k.win.Canvas(), "Stopped") {
			t.Errorf("the badge does not show the cloud's Stopped: %q", texts(h.u.k.win.Canvas()))
		}
	})
}

// Escape closes the restore dialog; Enter in the typed confirmation restores only once
// the name matches.
func TestRestoreDialog_EscapeAndEnter(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.restoreDialog("orderdesk", "Production")
	h.on(func() {
		if h.u.k.win.Canvas().Overlays().Top() == nil {
			t.Fatal("no restore dialog")
		}
		h.u.k.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if h.u.k.win.Canvas().Overlays().Top() != nil {
			t.Errorf("Escape did not close the dialog: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(h.u.bar.restore)
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if d.confirm.Text != "" || d.confirm.PlaceHolder != "" {
			t.Errorf("the typed confirmation looks filled in: text %q, placeholder %q", d.confirm.Text, d.confirm.PlaceHolder)
		}
		test.Type(d.confirm, "Prod")
		d.confirm.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if h.u.k.win.Canvas().Overlays().Top() == nil || len(h.u.jobs.jobs) != 0 {
			t.Fatal("Enter restored with half the name typed")
		}
		test.Type(d.confirm, "uction")
		d.confirm.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	h.idle()
	h.on(func() {
		if h.last.stopPrompt == nil {
			t.Fatalf("Enter with the name typed did not go on to the stop prompt: %q", texts(h.u.k.win.Canvas()))
		}
		h.u.k.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) // and Escape declines it
		if len(h.u.jobs.jobs) != 0 {
			t.Error("declining the stop prompt started a job")
		}
	})
	if e := h.env("orderdesk", "Production"); e.Status != cloud.StatusRunning {
		t.Errorf("Production is %s after Escape", e.Status)
	}
}

// A Free App's restore says in bold that it cannot be undone, on a destructive button.
func TestRestoreDialog_FreeAppCannotBeUndoneInBold(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.restoreDialog("expensetracker", "Sandbox")
	h.on(func() {
		d := h.last.planDlg
		if !d.final.Visible() || !d.final.TextStyle.Bold || !strings.Contains(d.final.Text, "cannot be undone") {
			t.Errorf("no bold \"cannot be undone\": %q (visible %v)", d.final.Text, d.final.Visible())
		}
		if d.okBtn.Importance != widget.DangerImportance {
			t.Error("the Restore button is not marked destructive")
		}
	})
}

// Without a safety backup a licensed app's restore cannot be undone either: unticking it
// brings the bold sentence (the plan's Irreversible answer), ticking it again takes it
// away, and a stop, which replaces no data, never shows it.
func TestRestoreDialog_WithoutSafetyBackupCannotBeUndoneInBold(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.restoreDialog("orderdesk", "Test")
	bold := func(when string, want bool) {
		t.Helper()
		h.on(func() {
			d := h.last.planDlg
			if d.current == nil {
				t.Fatalf("%s: no plan: %q", when, texts(h.u.k.win.Canvas()))
			}
			got := d.final.Visible() && d.final.TextStyle.Bold && strings.Contains(d.final.Text, "without a safety backup")
			if got != want {
				t.Errorf("%s: bold \"without a safety backup… cannot be undone\" shown %v, want %v (%q)", when, got, want, d.final.Text)
			}
		})
	}
	bold("with a safety backup", false)
	h.on(func() { h.last.planDlg.safety.SetChecked(false) })
	h.idle()
	bold("without a safety backup", true)
	h.on(func() { h.last.planDlg.safety.SetChecked(true) })
	h.idle()
	bold("with the safety backup ticked again", false)
	h.on(func() {
		h.last.planDlg.dialog.Hide()
		h.u.act.stopSelected()
	})
	h.idle()
	bold("a stop", false)
}

// After a restart, the steps an interrupted run finished are drawn as done, from the
// journal, not as still to come.
func TestReattach_StepsDoneBeforeTheRestartAreDrawnDone(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(2*time.Second)))
	u2 := h.reopen(h.closedWhileRestoring())
	h.waitFor("the re-attached run", func() bool { return len(u2.jobs.jobs) > 0 })
	st := h.finished(h.lastJob())
	i := slices.IndexFunc(st.Steps, func(s progress.Step) bool { return s.Kind == "restore" })
	if i < 0 || st.Steps[i].State != progress.StepDone {
		t.Errorf("the restore step submitted before the restart is drawn %+v, want done", st.Steps)
	}
}

func TestJobs_CancelledStepShowsTheCancelledIcon(t *testing.T) {
	if got := stepIconOf(progress.StepFailed, progress.RunCancelled).Name(); got == stepIcon(progress.StepFailed).Name() {
		t.Errorf("a cancelled run's step shows the error icon %q", got)
	}
	if stepIconOf(progress.StepFailed, progress.RunFailed).Name() != stepIcon(progress.StepFailed).Name() {
		t.Error("a failed run's step lost its error icon")
	}
}

// A refused file leads with its problems; the technical facts wait, collapsed, below.
func TestInspection_RefusedFileLeadsWithReasons(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "truncated-snapshot.tar.gz")
	h.demo()
	h.open("orderdesk", "Test")
	h.on(func() { h.u.act.handleDrop(fyne.NewPos(400, 300), []fyne.URI{storage.NewFileURI(path)}) })
	h.idle()
	h.on(func() {
		d := h.last.inspection
		if d == nil || d.report.Restorable || len(d.report.Problems) == 0 {
			t.Fatalf("no refused report: %+v", d)
		}
		shown := texts(h.u.k.win.Canvas())
		problem := slices.Index(shown, d.report.Problems[0])
		facts := slices.Index(shown, "Technical details")
		if problem < 0 || facts < 0 || problem > facts {
			t.Fatalf("want the problem first, then the technical details: %q", shown)
		}
		for _, o := range test.LaidOutObjects(h.u.k.win.Canvas().Overlays().Top()) {
			if acc, ok := o.(*widget.Accordion); ok && acc.Items[0].Open {
				t.Error("the technical facts are open before the user asks")
			}
		}
	})
}
