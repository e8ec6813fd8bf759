package ui

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/progress"
)

// In a window as high as a 768-pixel screen leaves it (1024×700), the job that runs is listed above a newer one that finished, and
// more than two of its step lines are in view without scrolling.
func TestJobs_RunningJobFirstWithItsStepsInView(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(3*time.Second)))
	h.on(func() { h.u.k.win.Resize(fyne.NewSize(1024, 700)) })
	h.demo()
	h.open("orderdesk", "Acceptance")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(nil)
	h.waitFor("the restore", func() bool { return len(h.u.jobs.jobs) == 1 })
	restoreJob := h.lastJob()

	// A newer job that ends while the restore goes on: a stop of Test, which finds it
	// stopped and ends at once.
	if err := h.srv.Cloud().SetEnvironmentStatus(h.env("orderdesk", "Test").EnvironmentID, string(cloud.StatusStopped)); err != nil {
		t.Fatal(err)
	}
	// h.open and h.confirmPlan wait for all background work, the restore's too: not here.
	h.on(func() { h.u.lists.envs.selectMode("Test") })
	h.waitFor("Test selected", func() bool { return h.u.lists.curEnv != nil && h.u.lists.curEnv.Mode == "Test" })
	var d *planDialog
	h.on(func() { d = h.u.act.stopSelected() })
	h.waitFor("the stop's plan", func() bool { return d.current != nil && !d.okBtn.Disabled() })
	h.on(func() { test.Tap(d.okBtn) })
	h.waitFor("the stop", func() bool { return len(h.u.jobs.jobs) == 2 })
	startJob := h.lastJob()
	select {
	case <-startJob.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the stop did not end")
	}
	h.waitFor("the finished stop to be drawn", func() bool { return h.u.jobs.snapshot(startJob).State != progress.RunRunning })
	if h.u.jobs.snapshot(restoreJob).State != progress.RunRunning {
		t.Fatal("the restore ended before the stop: the test proves nothing")
	}
	h.on(func() {
		objs := h.u.jobs.box.Objects
		if len(objs) != 2 || objs[0] != restoreJob.card.content || objs[1] != startJob.card.content {
			t.Fatalf("the running restore is not listed first")
		}
		drv := h.app.Driver()
		top := drv.AbsolutePositionForObject(h.u.jobs.scroll).Y
		bottom := top + h.u.jobs.scroll.Size().Height
		inView := 0
		for _, row := range restoreJob.card.steps.Objects {
			if drv.AbsolutePositionForObject(row).Y+row.Size().Height <= bottom {
				inView++
			}
		}
		if inView < 3 {
			t.Errorf("%d of the running job's %d step lines are in view at 1024×700", inView, len(restoreJob.card.steps.Objects))
		}
	})
	h.finished(restoreJob)
}

// A run followed again at the next start counts its time from when it began, and goes on
// counting: reopened ten minutes later, the job says more than ten minutes, not seconds.
func TestJobs_ElapsedOfAReattachedRunCountsFromItsStart(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(2*time.Second)))
	deps := h.closedWhileRestoring()
	deps.Now = func() time.Time { return time.Now().Add(10 * time.Minute) }
	u2 := h.reopen(deps)
	h.waitFor("the re-attached run", func() bool { return len(u2.jobs.jobs) > 0 })
	j2 := h.lastJob()
	var first string
	h.waitFor("the elapsed time to be drawn", func() bool { first = j2.card.elapsed.Text; return first != "" })
	if minutes(t, first) < 10 {
		t.Errorf("the re-attached job says %q, want at least 10 min", first)
	}
	h.finished(j2)
	h.on(func() {
		if last := j2.card.elapsed.Text; minutes(t, last) < 10 {
			t.Errorf("after the end the job says %q", last)
		}
	})
	if st := h.u.jobs.snapshot(j2); st.State != progress.RunCompleted {
		t.Fatalf("the re-attached run ended %v: %v", st.State, st.Err)
	}
}

// minutes reads the minutes of an elapsed text ("10 min 03 s", "1 h 02 min", "4 s").
func minutes(t *testing.T, s string) int {
	t.Helper()
	if m := regexp.MustCompile(`^(\d+) h (\d+) min$`).FindStringSubmatch(s); m != nil {
		hh, _ := strconv.Atoi(m[1])
		mm, _ := strconv.Atoi(m[2])
		return 60*hh + mm
	}
	if m := regexp.MustCompile(`^(\d+) min \d+ s$`).FindStringSubmatch(s); m != nil {
		mm, _ := strconv.Atoi(m[1])
		return mm
	}
	if regexp.MustCompile(`^\d+ s$`).MatchString(s) {
		return 0
	}
	t.Fatalf("not an elapsed time: %q", s)
	return 0
}

// closedWhileRestoring restores a nightly backup into Acceptance without a safety backup
// and closes the window once the restore was submitted: the run goes on in the cloud and
// stays unfinished in the journal. It returns what the window was started with.
func (h *harness) closedWhileRestoring() Deps {
	h.t.Helper()
	h.demo()
	h.open("orderdesk", "Acceptance")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(func(d *planDialog) { d.safety.SetChecked(false) })
	h.waitFor("the run", func() bool { return len(h.u.jobs.jobs) > 0 })
	j := h.lastJob()
	h.waitFor("the restore to be submitted", func() bool {
		return slices.ContainsFunc(h.u.jobs.snapshot(j).Steps, func(s progress.Step) bool { return s.Kind == "wait" && s.State == progress.StepRunning })
	})
	h.u.Close() // the window closes while the cloud restores
	if st := h.u.jobs.snapshot(j); st.State == progress.RunCompleted {
		h.t.Fatal("the run completed before the window closed; the test proves nothing")
	}
	return h.u.deps
}

// reopen starts the window again with deps, on the same journal, as the next start of
// the app does, and opens the demo.
func (h *harness) reopen(deps Deps) *UI {
	h.t.Helper()
	u := New(h.app, deps)
	h.t.Cleanup(u.Close)
	h.u = u
	h.last.follow(u.k)
	h.demo()
	return u
}
