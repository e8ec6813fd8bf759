package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/progress"
)

// The scenario: a Production restore is undone twice from History; the second
// undo is refused because the first holds Production. While the first goes on and after
// it, Production's badge and its Start and Stop buttons tell the truth: the refused run
// neither takes nor ends the first run's live status.
func TestLiveStatus_RefusedSecondUndoLeavesTheBadgeTrue(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(600*time.Millisecond)))
	h.demo()
	h.open("orderdesk", "Production")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(func(d *planDialog) { d.confirm.SetText("Production") })
	h.on(func() { h.last.stopPrompt.Confirm() })
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("restore ended %v: %v", st.State, st.Err)
	}

	// Two undo dialogs of that restore, both planned before either runs.
	h.on(func() { test.Tap(h.u.bar.history) })
	h.idle()
	hw := h.u.history
	var dialogs []*planDialog
	for range 2 {
		h.on(func() { hw.table.Select(tableCell(0)); test.Tap(hw.undo) })
		h.idle()
		h.on(func() { dialogs = append(dialogs, h.last.planDlg) })
	}
	var jobs []*job
	for i, d := range dialogs {
		if i > 0 { // the user confirms the second once the first is under way
			h.waitFor("the first undo to begin", func() bool { return h.u.jobs.snapshot(jobs[0]).Steps[0].State != progress.StepPending })
		}
		h.on(func() {
			if d.current == nil {
				t.Fatalf("the undo was not planned: %q", texts(hw.win.Canvas()))
			}
			h.last.stopPrompt = nil
			test.Type(d.confirm, "Production")
			test.Tap(d.okBtn)
			if h.last.stopPrompt == nil {
				t.Fatal("no stop prompt for the undo of a running Production")
			}
			h.last.stopPrompt.Confirm()
			jobs = append(jobs, h.u.jobs.jobs[len(h.u.jobs.jobs)-1])
		})
	}
	first, second := jobs[0], jobs[1]
	select { // not h.finished: that waits for the first undo too
	case <-second.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the second undo did not end")
	}
	if st := h.u.jobs.snapshot(second); st.State != progress.RunFailed || !strings.Contains(explainSummary(st.Err), "busy") {
		t.Fatalf("the second undo ended %v (%v), want refused as busy", st.State, st.Err)
	}

	// While the first undo has Production stopped, the window does not say it runs.
	// The job says so from the engine's step events: Production is stopped from the
	// stop step's end until the start step begins.
	stopped := func(v progress.View) bool {
		done := map[string]progress.StepState{}
		for _, st := range v.Steps {
			done[st.Kind] = st.State
		}
		return done["stop"] == progress.StepDone && done["start"] == progress.StepPending
	}
	h.waitFor("the first undo to have Production stopped", func() bool { return stopped(h.u.jobs.snapshot(first)) })
	h.waitFor("Production's badge and Stop to follow the first undo", func() bool {
		badge, stop := badgeOf(h, "Production"), !h.u.bar.stop.Disabled()
		if !stopped(h.u.jobs.snapshot(first)) {
			t.Fatalf("all the while the first undo had Production stopped, its badge said %q and Stop was enabled: %v", badge, stop)
		}
		return badge != cloud.StatusRunning.Label() && !stop
	})

	if st := h.finished(first); st.State != progress.RunCompleted {
		t.Fatalf("the first undo ended %v: %v", st.State, st.Err)
	}
	h.idle()
	truth := h.env("orderdesk", "Production").Status
	h.on(func() {
		if got := badgeOf(h, "Production"); got != truth.Label() {
			t.Errorf("Production's badge says %q; the cloud says %s", got, truth.Label())
		}
		if got, want := !h.u.bar.stop.Disabled(), truth == cloud.StatusRunning; got != want {
			t.Errorf("Stop enabled = %v while Production is %s", got, truth.Label())
		}
		if got, want := !h.u.bar.start.Disabled(), truth != cloud.StatusRunning; got != want {
			t.Errorf("Start enabled = %v while Production is %s", got, truth.Label())
		}
	})
}

// badgeOf is the badge the environments list shows for mode: the words after its name.
// UI goroutine.
func badgeOf(h *harness, mode string) string {
	h.t.Helper()
	words := texts(h.u.k.win.Canvas())
	for i := 0; i+2 < len(words); i++ {
		if words[i] == mode && strings.HasPrefix(words[i+2], "Model ") {
			return words[i+1]
		}
	}
	h.t.Fatalf("no badge for %s in %q", mode, words)
	return ""
}
