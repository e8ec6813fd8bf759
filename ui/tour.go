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
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/localdb"
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
// stop prompt, the jobs panel during a restore, and the inspection of archivePath; with
// db (may be nil), a PostgreSQL server, the local-database scenes too.
// Call it from a goroutine of its own after Start(StartOptions{Demo: true}); it waits for
// each scene through the UI goroutine. capture saves what the window shows as a PNG at a
// path; nil uses the canvas's own Capture (which the test driver renders in software).
func Tour(ctx context.Context, u *UI, dir, archivePath string, capture Capture, db *localdb.Target) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("screenshots folder: %w", err)
	}
	t := tour{k: u.k, lists: u.lists, act: u.act, jobs: u.jobs, body: u.body, db: db, last: &lastShown{},
		ctx: ctx, dir: dir, capture: capture}
	t.on(func() { t.last.follow(u.k) })
	b, last := t.lists, t.last
	t.wait("the demo account's apps", func() bool {
		return b.sess != nil && b.sess.profile == DemoProfile && len(b.apps.apps) > 0
	})
	t.on(func() { b.apps.selectApp("orderdesk") })
	t.wait("Order Desk's environments", func() bool { return !b.envs.loading && len(b.envs.envs) > 0 })
	t.on(func() { b.envs.selectMode("Production") })
	t.wait("Production's backups", func() bool { return !b.backups.loading && b.backups.list.len() > 0 })
	t.on(func() { b.backups.table.Select(widget.TableCellID{Row: 1, Col: 0}) })
	t.shoot(ShotMainWindow)

	t.on(func() { last.planDlg = nil; t.act.restoreSelected() })
	t.wait("the restore plan", func() bool { return last.planDlg != nil && last.planDlg.current != nil })
	t.on(func() { last.planDlg.confirm.SetText("Production") })
	t.shoot(ShotRestore)

	t.on(func() { last.stopPrompt = nil; last.planDlg.view.submit() })
	t.wait("the stop prompt", func() bool { return last.stopPrompt != nil })
	t.shoot(ShotStopPrompt)

	var j *job
	t.on(func() {
		before := len(t.jobs.jobs)
		t.body.SetOffset(0.38) // drag the divider up, as one does to watch a job
		last.stopPrompt.Confirm()
		if len(t.jobs.jobs) > before {
			j = t.jobs.jobs[len(t.jobs.jobs)-1]
		}
	})
	t.wait("the restore to be under way", func() bool {
		if j == nil {
			return false
		}
		st := t.jobs.snapshot(j)
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

	t.on(func() { t.body.SetOffset(bodySplit); b.envs.selectMode("Test") })
	t.wait("Test's backups", func() bool { return !b.backups.loading })
	t.on(func() { last.inspection = nil; t.act.inspectFile(archivePath) })
	t.wait("the inspection report", func() bool { return last.inspection != nil })
	t.shoot(ShotUploadReport)
	t.on(func() { last.inspection.dialog.Hide() })

	// Another app's full snapshot (the demo's Customer Portal data) checked for Order Desk.
	other := filepath.Join(filepath.Dir(archivePath), "files_and_database-1a2b3c4d-202611250130.tar.gz")
	t.on(func() { last.inspection = nil; t.act.inspectFile(other) })
	t.wait("the wrong-app warning", func() bool { return last.inspection != nil })
	t.shoot(ShotWrongApp)
	t.on(func() { last.inspection.dialog.Hide() })

	t.downloadScenes()
	t.lookScenes(u.look)
	t.sizeScenes(u) // tour_sizes.go
	return t.err
}

// Capture writes a PNG of what the window shows to path. It is called from the tour's
// goroutine, never the UI's.
type Capture func(ctx context.Context, path string) error

// tour is the state of one screenshot tour; after the first error every step is skipped.
// It holds the parts it drives, and the dialogs they showed last.
type tour struct {
	k     *kit
	lists *browser
	act   *actions
	jobs  *jobsPanel
	body  *container.Split
	db    *localdb.Target // the local-database scenes' server; nil: they are skipped
	last  *lastShown

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
		t.k.mu.Lock()
		defer t.k.mu.Unlock()
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
	t.on(func() { img = t.k.win.Canvas().Capture() })
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

// lastShown holds the dialogs the window showed last, as kit.seen tells them: the
// screenshot tour and the tests drive the window through them. UI goroutine.
type lastShown struct {
	planDlg       *planDialog
	manageDlg     *manageDialog // the last comment or delete dialog
	stopPrompt    *dialog.ConfirmDialog
	closePrompt   *dialog.ConfirmDialog
	keyringPrompt *dialog.ConfirmDialog
	chooser       *dialog.FileDialog
	inspection    *inspectionDialog
	downloadDlg   *downloadDialog
	localDlg      *localDBDialog
	localReport   *localReport
}

// follow records the dialogs k shows from now on, besides whoever followed them before.
func (l *lastShown) follow(k *kit) { k.tellToo(l.record) }

// record keeps d as the last dialog of its kind.
func (l *lastShown) record(d any) {
	switch d := d.(type) {
	case *planDialog:
		l.planDlg = d
	case *manageDialog:
		l.manageDlg = d
	case stopPrompt:
		l.stopPrompt = d.ConfirmDialog
	case closePrompt:
		l.closePrompt = d.ConfirmDialog
	case keyringPrompt:
		l.keyringPrompt = d.ConfirmDialog
	case *dialog.FileDialog:
		l.chooser = d
	case *inspectionDialog:
		l.inspection = d
	case *downloadDialog:
		l.downloadDlg = d
	case *localDBDialog:
		l.localDlg = d
	case *localReport:
		l.localReport = d
	}
}
