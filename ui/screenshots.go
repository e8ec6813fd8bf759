package ui

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// Screenshot names the tour writes, in order.
const (
	ShotMainWindow   = "main-window.png"
	ShotRestore      = "restore-confirmation.png"
	ShotStopPrompt   = "stop-prompt.png"
	ShotJobsPanel    = "jobs-panel.png"
	ShotUploadReport = "upload-inspection.png"
	ShotWrongApp     = "wrong-app-warning.png" // Customer Portal's snapshot checked for Order Desk › Test
	// Issues 11 and 12 (tour_local.go).
	ShotDownloadDialog   = "download-dialog.png"
	ShotDownloadFinished = "download-finished.png"
	ShotLocalDBDialog    = "localdb-dialog.png"
	ShotLocalDBReport    = "localdb-report.png"
)

// settleTime lets a scene finish drawing before it is captured.
const settleTime = 700 * time.Millisecond

// Tour drives the window through its main scenes on the demo cloud, the way a person
// would, and saves a PNG of each into dir: the main window, the restore confirmation, the
// stop prompt, the jobs panel during a restore, and the inspection of archivePath.
// Call it from a goroutine of its own after Start(StartOptions{Demo: true}); it waits for
// each scene through the UI goroutine. capture saves what the window shows as a PNG at a
// path; nil uses the canvas's own Capture (which the test driver renders in software).
func (u *UI) Tour(ctx context.Context, dir, archivePath string, capture Capture) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("screenshots folder: %w", err)
	}
	t := tour{u: u, ctx: ctx, dir: dir, capture: capture}
	t.wait("the demo account's apps", func() bool {
		return u.sess != nil && u.sess.profile == DemoProfile && len(u.apps.apps) > 0
	})
	t.on(func() { u.apps.selectApp("orderdesk") })
	t.wait("Order Desk's environments", func() bool { return !u.envs.loading && len(u.envs.envs) > 0 })
	t.on(func() { u.envs.selectMode("Production") })
	t.wait("Production's backups", func() bool { return !u.backups.loading && u.backups.list.len() > 0 })
	t.on(func() { u.backups.table.Select(widget.TableCellID{Row: 1, Col: 0}) })
	t.shoot(ShotMainWindow)

	t.on(func() { u.planDlg = nil; u.restoreSelected() })
	t.wait("the restore plan", func() bool { return u.planDlg != nil && u.planDlg.current != nil })
	t.on(func() { u.planDlg.confirm.SetText("Production") })
	t.shoot(ShotRestore)

	t.on(func() { u.stopPrompt = nil; u.planDlg.submit() })
	t.wait("the stop prompt", func() bool { return u.stopPrompt != nil })
	t.shoot(ShotStopPrompt)

	var j *job
	t.on(func() {
		before := len(u.jobs.jobs)
		u.body.SetOffset(0.38) // drag the divider up, as one does to watch a job
		u.stopPrompt.Confirm()
		if len(u.jobs.jobs) > before {
			j = u.jobs.jobs[len(u.jobs.jobs)-1]
		}
	})
	t.wait("the restore to be under way", func() bool {
		if j == nil {
			return false
		}
		st := u.jobs.snapshot(j)
		if st.State != progress.RunRunning {
			return true
		}
		for _, s := range st.Steps {
			if s.Kind == string(restore.StepWait) && s.State != progress.StepPending {
				return true
			}
		}
		return false
	})
	t.shoot(ShotJobsPanel)

	t.on(func() { u.body.SetOffset(0.72); u.envs.selectMode("Test") })
	t.wait("Test's backups", func() bool { return !u.backups.loading })
	t.on(func() { u.inspection = nil; u.inspectFile(archivePath) })
	t.wait("the inspection report", func() bool { return u.inspection != nil })
	t.shoot(ShotUploadReport)
	t.on(func() { u.inspection.dialog.Hide() })

	// Another app's full snapshot (the demo's Customer Portal data) checked for Order Desk.
	other := filepath.Join(filepath.Dir(archivePath), "files_and_database-1a2b3c4d-202611250130.tar.gz")
	t.on(func() { u.inspection = nil; u.inspectFile(other) })
	t.wait("the wrong-app warning", func() bool { return u.inspection != nil })
	t.shoot(ShotWrongApp)
	t.on(func() { u.inspection.dialog.Hide() })

	t.downloadScenes()
	return t.err
}

// Capture writes a PNG of what the window shows to path. It is called from the tour's
// goroutine, never the UI's.
type Capture func(ctx context.Context, path string) error

// tour is the state of one screenshot tour; after the first error every step is skipped.
type tour struct {
	u       *UI
	ctx     context.Context
	dir     string
	capture Capture
	err     error
}

// on runs fn on the UI goroutine and waits for it.
func (t *tour) on(fn func()) {
	if t.err != nil {
		return
	}
	fyne.DoAndWait(func() {
		t.u.uiMu.Lock()
		defer t.u.uiMu.Unlock()
		fn()
	})
}

// wait polls cond on the UI goroutine until it holds.
func (t *tour) wait(what string, cond func() bool) {
	for t.err == nil {
		ok := false
		t.on(func() { ok = cond() })
		if ok {
			return
		}
		select {
		case <-t.ctx.Done():
			t.err = fmt.Errorf("waiting for %s: %w", what, t.ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// shoot captures the window into dir/name.
func (t *tour) shoot(name string) {
	if t.err != nil {
		return
	}
	select {
	case <-t.ctx.Done():
		t.err = t.ctx.Err()
		return
	case <-time.After(settleTime):
	}
	path := filepath.Join(t.dir, name)
	if t.capture != nil {
		if err := t.capture(t.ctx, path); err != nil {
			t.err = fmt.Errorf("capture %s: %w", name, err)
		}
		return
	}
	var img image.Image
	t.on(func() { img = t.u.win.Canvas().Capture() })
	if img == nil {
		t.err = fmt.Errorf("capture %s: the window gave no image", name)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.err = err
		return
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		t.err = fmt.Errorf("write %s: %w", name, err)
		return
	}
	t.err = f.Close()
}
