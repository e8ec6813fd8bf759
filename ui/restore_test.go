package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

func TestNavigate_AppsEnvironmentsBackups(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Production")
	h.on(func() {
		var envs []string
		for _, e := range h.u.lists.envs.envs {
			envs = append(envs, e.Mode+"="+e.Status.Label())
		}
		if got := strings.Join(envs, ","); got != "Test=Stopped,Acceptance=Stopped,Production=Running" {
			t.Errorf("environments = %s", got)
		}
		if h.u.lists.curEnv == nil || h.u.lists.curEnv.Mode != "Production" {
			t.Fatal("Production is not selected")
		}
		l := h.u.lists.backups.list
		if l.len() < 5 {
			t.Fatalf("only %d backups shown", l.len())
		}
		kinds := map[cloud.SnapshotKind]bool{}
		for i := 0; i < l.len(); i++ {
			kinds[l.at(i).kind] = true
			if i > 0 && l.at(i).snap.CreatedAt.After(l.at(i-1).snap.CreatedAt) {
				t.Fatal("backups are not newest first")
			}
		}
		for _, k := range []cloud.SnapshotKind{cloud.KindNightly, cloud.KindWeekly, cloud.KindMonthly, cloud.KindManual} {
			if !kinds[k] {
				t.Errorf("no %s backup shown", k)
			}
		}

		// Sorting by kind from the header, then filtering by text.
		h.u.lists.backups.sortBy(colKind)
		if first, last := l.at(0).cells[colKind], l.at(l.len() - 1).cells[colKind]; first > last {
			t.Errorf("sorted by kind: %s before %s", first, last)
		}
		total := l.len()
		test.Type(h.u.lists.backups.search, "weekly")
		if l.len() == 0 || l.len() >= total {
			t.Fatalf("filter 'weekly' shows %d of %d", l.len(), total)
		}
		for i := 0; i < l.len(); i++ {
			if l.at(i).kind != cloud.KindWeekly {
				t.Errorf("filter shows a %s backup", l.at(i).kind)
			}
		}
		if !strings.Contains(h.u.lists.backups.status.Text, "match the filter") {
			t.Errorf("status = %q", h.u.lists.backups.status.Text)
		}
	})
}

func TestRestoreAction_DisabledUntilACompletedBackupIsSelected(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Test")
	h.on(func() {
		if !h.u.bar.restore.Disabled() {
			t.Error("Restore is enabled with no backup selected")
		}
	})
	h.selectBackup(func(s cloud.Snapshot) bool { return s.State == cloud.StateFailed })
	h.on(func() {
		if !h.u.bar.restore.Disabled() || !h.u.bar.download.Disabled() {
			t.Error("Restore or Download is enabled for a failed backup")
		}
	})
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() {
		if h.u.bar.restore.Disabled() || h.u.bar.download.Disabled() {
			t.Error("Restore or Download is disabled for a completed backup")
		}
	})
}

func TestRestore_FreeApp_FromTapToFinishedRun(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("expensetracker", "Sandbox")
	snap := h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.idle() // the engine plans
	h.on(func() {
		d := h.last.planDlg
		if d == nil || d.current == nil {
			t.Fatalf("no restore plan: %+v", d)
		}
		if d.safety.Visible() {
			t.Error("a Free App offers a safety backup")
		}
		// The dialog says what the plan says: no safety backup for a Free App, and why.
		if !strings.Contains(d.notes.Text, "cannot make a safety backup") {
			t.Errorf("notes = %q", d.notes.Text)
		}
		if !strings.Contains(d.summary.Text, "Sandbox's data will be replaced by the backup of") {
			t.Errorf("summary = %q", d.summary.Text)
		}
		test.Tap(d.okBtn)
	})
	h.idle() // the plan is made
	var st progress.View
	done := &fyne.Notification{Title: "Finished: Restore Expense Tracker · Sandbox", Content: "The job finished successfully."}
	test.AssertNotificationSent(t, done, func() {
		h.on(func() {
			if h.last.stopPrompt == nil {
				t.Fatal("no stop prompt for the running Sandbox")
			}
			if !shows(h.u.k.win.Canvas(), "Sandbox is running. It must be stopped to restore. Stop Application?") {
				t.Fatalf("stop prompt says %q", texts(h.u.k.win.Canvas()))
			}
			if button(h.u.k.win.Canvas(), "Stop and restore") == nil {
				t.Errorf("the stop prompt's button does not say what it does: %q", texts(h.u.k.win.Canvas()))
			}
			h.last.stopPrompt.Confirm()
		})
		st = h.finished(h.lastJob())
	})
	if st.State != progress.RunCompleted {
		t.Fatalf("run ended %v: %v", st.State, st.Err)
	}
	for _, s := range st.Steps {
		if s.Kind == string(restore.StepSafetyBackup) {
			t.Error("a Free App run took a safety backup")
		}
		if s.State != progress.StepDone {
			t.Errorf("step %s is %s", s.Kind, s.State)
		}
	}
	runs, err := h.journal.List(context.Background(), journal.Filter{})
	if err != nil || len(runs) != 1 || runs[0].Status != journal.StatusCompleted || runs[0].SnapshotID != snap.SnapshotID {
		t.Fatalf("journal = %+v, %v", runs, err)
	}
	if e := h.env("expensetracker", "Sandbox"); e.Status != cloud.StatusRunning {
		t.Errorf("Sandbox is %s after the run (it was started again by default)", e.Status)
	}
}

func TestRestore_Production_TypedConfirmation_StopAccepted(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Production")
	before := len(h.snapshots("orderdesk", "Production"))
	h.selectBackup(completedOfKind(cloud.KindWeekly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if !d.okBtn.Disabled() {
			t.Fatal("Restore is enabled before the production name was typed")
		}
		if !shows(h.u.k.win.Canvas(), "Type Production to confirm") {
			t.Fatalf("no typed confirmation offered: %q", texts(h.u.k.win.Canvas()))
		}
		test.Type(d.confirm, "Productio")
		if !d.okBtn.Disabled() {
			t.Fatal("Restore is enabled with a partial name")
		}
		test.Type(d.confirm, "n")
		if d.okBtn.Disabled() {
			t.Fatal("Restore stays disabled after typing Production")
		}
		if !d.safety.Checked {
			t.Error("the safety backup is not on by default for a licensed node")
		}
		test.Tap(d.okBtn)
	})
	h.idle()
	h.on(func() {
		if h.last.stopPrompt == nil {
			t.Fatal("no stop prompt")
		}
		h.last.stopPrompt.Confirm()
	})
	st := h.finished(h.lastJob())
	if st.State != progress.RunCompleted {
		t.Fatalf("run ended %v: %v", st.State, st.Err)
	}
	var kinds []restore.StepKind
	for _, s := range st.Steps {
		kinds = append(kinds, restore.StepKind(s.Kind))
	}
	want := []restore.StepKind{restore.StepSafetyBackup, restore.StepStop, restore.StepRestore, restore.StepWait, restore.StepStart, restore.StepVerify}
	if !slices.Equal(kinds, want) {
		t.Errorf("steps = %v, want %v", kinds, want)
	}
	after := h.snapshots("orderdesk", "Production")
	if len(after) != before+1 || !slices.ContainsFunc(after, func(s cloud.Snapshot) bool { return cloud.KindOf(s) == cloud.KindSafety }) {
		t.Errorf("no safety backup in the cloud: %d before, %d after", before, len(after))
	}
	if e := h.env("orderdesk", "Production"); e.Status != cloud.StatusRunning {
		t.Errorf("Production is %s after the run", e.Status)
	}
	// The new safety backup is listed at once.
	h.on(func() {
		if h.u.lists.backups.list.len() != len(after) {
			t.Errorf("the table shows %d backups, the cloud has %d", h.u.lists.backups.list.len(), len(after))
		}
	})
}

func TestRestore_StopPromptDeclinedChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("customerportal", "Production")
	before := h.snapshots("customerportal", "Production")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.idle()
	h.on(func() {
		test.Type(h.last.planDlg.confirm, "production")
		test.Tap(h.last.planDlg.okBtn)
	})
	h.idle()
	h.on(func() {
		if h.last.stopPrompt == nil {
			t.Fatal("no stop prompt")
		}
		h.last.stopPrompt.Dismiss()
		if len(h.u.jobs.jobs) != 0 {
			t.Error("a job started although the stop was declined")
		}
		if !strings.Contains(h.u.k.status.Text, "Nothing was changed") {
			t.Errorf("status = %q", h.u.k.status.Text)
		}
	})
	h.idle()
	if e := h.env("customerportal", "Production"); e.Status != cloud.StatusRunning {
		t.Errorf("Production is %s after declining", e.Status)
	}
	if after := h.snapshots("customerportal", "Production"); len(after) != len(before) {
		t.Errorf("backups changed: %d before, %d after", len(before), len(after))
	}
	if runs := h.runs(); len(runs) != 0 {
		t.Errorf("the journal recorded %d runs", len(runs))
	}
}

func TestRestore_IntoAnotherEnvironment_StoppedTargetNeedsNoPrompt(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Production")
	snap := h.selectBackup(completedOfKind(cloud.KindMonthly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		d.targetSel.SetSelected("Acceptance") // plans again, for Acceptance
		if d.target.Mode != "Acceptance" {
			t.Fatal("the target did not change")
		}
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if !strings.Contains(d.summary.Text, "Acceptance's data will be replaced by the backup Production made on") {
			t.Errorf("summary = %q", d.summary.Text)
		}
		if d.startAfter.Checked {
			t.Error("a stopped target is started afterwards by default")
		}
		test.Tap(d.okBtn) // not production: no name to type
	})
	h.idle()
	st := h.finished(h.lastJob())
	if st.State != progress.RunCompleted {
		t.Fatalf("run ended %v: %v", st.State, st.Err)
	}
	h.on(func() {
		if h.last.stopPrompt != nil {
			t.Error("a stop prompt for a stopped environment")
		}
	})
	runs := h.runs()
	if len(runs) != 1 || runs[0].Mode != "Acceptance" || runs[0].SnapshotID != snap.SnapshotID {
		t.Fatalf("journal = %+v", runs)
	}
	if e := h.env("orderdesk", "Acceptance"); e.Status != cloud.StatusStopped {
		t.Errorf("Acceptance is %s", e.Status)
	}
}
