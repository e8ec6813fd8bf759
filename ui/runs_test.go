package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// The restore dialog starts from the plan's defaults, read from the cloud as the engine
// plans, not from the window's list: Test was shown stopped, runs by now, so the plan
// starts it again afterwards and the window asks "Stop Application?" because the plan says
// it stops a running environment. A box the user unticks stays unticked when the plan is
// made again.
func TestRestoreDialog_DefaultsAndStopPromptComeFromThePlan(t *testing.T) {
	h := newHarness(t)
	testEnv := h.env("orderdesk", "Test")
	if err := h.srv.Cloud().SetEnvironmentStatus(testEnv.EnvironmentID, string(cloud.StatusStopped)); err != nil {
		t.Fatal(err)
	}
	h.demo()
	h.open("orderdesk", "Test")
	h.on(func() {
		if h.u.lists.curEnv.Status != cloud.StatusStopped {
			t.Fatalf("the list shows Test %s", h.u.lists.curEnv.Status)
		}
	})
	if err := h.srv.Cloud().SetEnvironmentStatus(testEnv.EnvironmentID, string(cloud.StatusRunning)); err != nil {
		t.Fatal(err)
	}
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if d.current == nil {
			t.Fatalf("no plan: %q", texts(h.u.k.win.Canvas()))
		}
		st, ok := d.current.Choice(restore.OptStart)
		if !ok || !st.Default || !d.startAfter.Checked || !d.safety.Checked {
			t.Fatalf("start choice %+v; boxes: start %v, safety %v; want both ticked as the plan's defaults", st, d.startAfter.Checked, d.safety.Checked)
		}
		d.safety.SetChecked(false) // plans again with the user's choice
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if d.current == nil || d.safety.Checked || d.current.Request.Options.SafetyBackup || !d.startAfter.Checked {
			t.Fatalf("after unticking the safety backup: safety %v, start %v", d.safety.Checked, d.startAfter.Checked)
		}
		h.last.stopPrompt = nil
		test.Tap(d.okBtn)
		if h.last.stopPrompt == nil {
			t.Fatal("no Stop Application prompt though the plan stops a running Test")
		}
		h.last.stopPrompt.Confirm()
	})
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("restore ended %v: %v", st.State, st.Err)
	}
	if e := h.env("orderdesk", "Test"); e.Status != cloud.StatusRunning {
		t.Errorf("Test is %s after a restore that was to start it again", e.Status)
	}
}

// Closed during a restore's safety backup, the window says in the engine's words that the
// run is cancelled; the run ends cancelled because the app closed; at the next start the
// run is not followed again, History says it was cancelled because Restore Desk was
// closed and offers no undo, and Acceptance's data was never touched.
func TestClose_DuringTheSafetyBackupDoesWhatThePromptSaid(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(3*time.Second)))
	quits := 0
	h.u.deps.Quit = func() { quits++ }
	before := h.srv.Cloud().Restores(h.env("orderdesk", "Acceptance").EnvironmentID)
	h.demo()
	h.open("orderdesk", "Acceptance")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(nil)
	h.waitFor("the run", func() bool { return len(h.u.jobs.jobs) > 0 })
	j := h.lastJob()
	h.waitFor("the safety backup to be under way", func() bool {
		return slices.ContainsFunc(h.u.jobs.snapshot(j).Steps, func(s progress.Step) bool {
			return s.Kind == "safety_backup" && s.State == progress.StepRunning
		})
	})
	var runID int64
	h.on(func() {
		lives := h.u.lists.sess.engine.Live()
		if len(lives) != 1 {
			t.Fatalf("the engine says %d runs go on", len(lives))
		}
		runID = lives[0].RunID
		_, said, ok := h.u.lists.sess.engine.OnClose(runID)
		h.u.requestClose()
		if h.last.closePrompt == nil || !ok {
			t.Fatal("closing during the safety backup did not ask")
		}
		if !shows(h.u.k.win.Canvas(), said) || !strings.Contains(said, "is cancelled") {
			t.Fatalf("the close prompt does not say the engine's %q: %q", said, texts(h.u.k.win.Canvas()))
		}
		h.last.closePrompt.Confirm()
		if quits != 1 {
			t.Fatal("Close did not close")
		}
	})
	h.u.Close() // what Quit leads to in the app
	st := h.u.jobs.snapshot(j)
	if st.State != progress.RunCancelled {
		t.Fatalf("the run ended %v (%v), want cancelled", st.State, st.Err)
	}
	jr, err := h.journal.Get(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if jr.Status != journal.StatusCancelled || !strings.Contains(jr.Error, "Restore Desk was closed") || jr.CanUndo() {
		t.Fatalf("journal: %s %q, can undo %v", jr.Status, jr.Error, jr.CanUndo())
	}
	if after := h.srv.Cloud().Restores(h.env("orderdesk", "Acceptance").EnvironmentID); len(after) != len(before) {
		t.Fatalf("a restore was sent: %+v", after)
	}

	// The next start, on the same journal: nothing is followed again, and History says it.
	u2 := h.reopen(h.u.deps)
	h.on(func() {
		if n := len(u2.jobs.jobs); n != 0 {
			t.Errorf("the cancelled run is followed again (%d jobs)", n)
		}
		u2.showHistory()
	})
	h.idle()
	h.on(func() {
		hw := u2.history
		if len(hw.runs) != 1 || hw.cells[0][5] != journal.StatusCancelled.Label() {
			t.Fatalf("History lists %q", hw.cells)
		}
		hw.table.Select(tableCell(0))
		if !hw.undo.Disabled() {
			t.Error("History offers to undo a run that restored nothing")
		}
		if !strings.Contains(hw.details.Text, "Restore Desk was closed") || strings.Contains(hw.details.Text, "[") {
			t.Errorf("History's details do not say the app was closed: %q", hw.details.Text)
		}
	})
}
