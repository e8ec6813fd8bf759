package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/download"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// downloadDialog asks where a backup goes: the folder, the file name (suggested by
// core/download), database only or all; it shows the engine's download plan, planned
// again off the UI goroutine whenever a choice changes. The engine decides what is
// allowed (an existing file, an unwritable folder); the dialog only shows its answer.
type downloadDialog struct {
	a    *actions
	s    *session
	snap cloud.Snapshot
	req  restore.DownloadRequest
	then func(*restore.DownloadResult) // after a download whose file a local restore can use (may be nil)

	current    *restore.DownloadPlan
	err        error
	plans      latest // plans once typing paused (latest.go)
	nameEdited bool   // the user typed a name: keep it when "database only" changes
	drawing    bool

	dialog *dialog.CustomDialog
	body   *fyne.Container
	planLines
	dbOnly  *widget.Check
	folder  *widget.Entry
	name    *widget.Entry
	replace *widget.Check
}

// downloadSelected opens the download dialog for the selected backup (toolbar, backup
// actions). UI goroutine.
func (a *actions) downloadSelected() *downloadDialog {
	if a.lists.sess == nil || a.lists.curApp == nil || a.lists.curEnv == nil || a.lists.curSnap == nil {
		a.k.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return nil
	}
	t := restore.Target{App: a.lists.curApp.App, Env: *a.lists.curEnv}
	return a.showDownload(a.lists.sess, t, *a.lists.curSnap, false, nil)
}

// showDownload shows the download dialog for snap; then (may be nil) gets the result of
// a saved and checked download. UI goroutine.
func (a *actions) showDownload(s *session, t restore.Target, snap cloud.Snapshot, dbOnly bool, then func(*restore.DownloadResult)) *downloadDialog {
	d := &downloadDialog{a: a, s: s, plans: latest{pause: planPause}, snap: snap, then: then,
		req: restore.DownloadRequest{Profile: s.profile, Target: t, SnapshotID: snap.SnapshotID, DBOnly: dbOnly}}
	d.planLines = newPlanLines(widget.NewButtonWithIcon("Download", theme.DownloadIcon(), d.submit))
	d.dbOnly = widget.NewCheck("Database only (a .backup dump, without file documents)", func(on bool) {
		if d.drawing {
			return
		}
		d.req.DBOnly = on
		if !d.nameEdited {
			d.suggestName()
		}
		d.replan()
	})
	d.dbOnly.SetChecked(dbOnly)
	d.folder = widget.NewEntry()
	d.folder.OnChanged = func(string) { d.replan() }
	d.name = widget.NewEntry()
	d.name.OnChanged = func(string) {
		if !d.drawing {
			d.nameEdited = true
			d.replan()
		}
	}
	d.replace = widget.NewCheck("Replace the file that is already there", func(on bool) {
		if !d.drawing {
			d.req.Force = on
			d.replan()
		}
	})
	d.replace.Hide()
	browse := widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), d.chooseFolder)
	cancel := widget.NewButton("Cancel", func() { d.dialog.Hide() })

	what := wrapped(fmt.Sprintf("%s backup of %s · %s, made %s (%s).", cloud.KindOf(snap).Label(),
		cmp.Or(t.App.Name, t.App.AppID), t.Env.Mode, exactTime(snap.CreatedAt), relativeTime(snap.CreatedAt, a.k.now())))
	what.TextStyle.Bold = true
	form := widget.NewForm(
		widget.NewFormItem("Folder", container.NewBorder(nil, nil, nil, browse, d.folder)),
		widget.NewFormItem("File name", d.name))
	d.body = container.NewVBox(append([]fyne.CanvasObject{what, form, d.dbOnly, d.replace}, d.objects()...)...)
	d.dialog = dialog.NewCustomWithoutButtons("Download a backup", d.body, a.k.win)
	d.dialog.SetButtons([]fyne.CanvasObject{cancel, d.okBtn})
	d.dialog.Resize(fyne.NewSize(680, 0))
	d.dialog.Show()
	a.k.shown(d)
	d.suggestName()
	d.drawing = true
	d.folder.SetText(a.downloadDir)
	d.drawing = false
	if a.downloadDir == "" {
		d.status.SetText("Finding your downloads folder…")
		a.k.background(func(context.Context) {
			dir := defaultDownloadDir()
			a.k.do(func() { d.folder.SetText(dir) }) // plans through OnChanged
		})
	} else {
		d.replan()
	}
	return d
}

// defaultDownloadDir is the user's Downloads folder, else the home folder. It reads the
// disk: call it off the UI goroutine.
func defaultDownloadDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	if fi, err := os.Stat(filepath.Join(home, "Downloads")); err == nil && fi.IsDir() {
		return filepath.Join(home, "Downloads")
	}
	return home
}

// suggestName fills the name with core/download's name for this backup.
func (d *downloadDialog) suggestName() {
	t := d.req.Target
	d.drawing = true
	d.name.SetText(download.FallbackName(cmp.Or(t.App.Name, t.App.AppID), t.Env.Mode, d.snap.CreatedAt, d.req.DBOnly))
	d.drawing = false
}

// chooseFolder lets the user pick the folder with Fyne's folder chooser.
func (d *downloadDialog) chooseFolder() {
	fd := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil {
			d.a.k.showError("The folder could not be opened", err)
			return
		}
		if l != nil {
			d.folder.SetText(l.Path())
		}
	}, d.a.k.win)
	if dir := strings.TrimSpace(d.folder.Text); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			fd.SetLocation(l)
		}
	}
	fd.Resize(fyne.NewSize(860, 560))
	fd.Show()
}

// replan asks the engine for the plan of the choices as they stand, in the background
// once typing paused (latest); the last answer wins.
func (d *downloadDialog) replan() {
	if d.drawing {
		return
	}
	out := strings.TrimSpace(d.folder.Text)
	if name := strings.TrimSpace(d.name.Text); name != "" && out != "" {
		out = filepath.Join(out, name)
	}
	if out != d.req.Output {
		// Another file: the Replace tick confirmed replacing the one named before.
		d.req.Force = false
		d.drawing = true
		d.replace.SetChecked(false)
		d.drawing = false
	}
	d.req.Output = out
	req, s := d.req, d.s
	d.current, d.err = nil, nil
	d.draw()
	if req.Output == "" {
		d.plans.drop() // the downloads folder is still being found
		return
	}
	d.plans.ask(d.a.k.loop, func(ctx context.Context) func() {
		p, err := s.engine.PlanDownload(ctx, req)
		return func() {
			d.current, d.err = p, err
			d.draw()
		}
	})
}

// draw shows the plan, the engine's refusal, or that it is still planning. UI goroutine.
func (d *downloadDialog) draw() {
	p := d.current
	if p != nil {
		d.show(true, p.Steps, p.Notes, d.err, "")
	} else {
		d.show(false, nil, nil, d.err, "Checking the backup and the folder…")
	}
	// The engine refused to replace a file unasked: offer to replace it on purpose.
	if errors.Is(d.err, download.ErrExists) || d.req.Force {
		d.replace.Show()
	} else {
		d.replace.Hide()
	}
	d.body.Refresh()
	d.dialog.Resize(fyne.NewSize(680, 0))
}

// submit runs the plan the user confirmed as a job.
func (d *downloadDialog) submit() {
	if d.current == nil {
		return
	}
	d.dialog.Hide()
	d.a.runs.runDownload(d.s, d.current, d.then)
}

// runDownload runs a download plan as a job of the jobs panel; at the end it notifies and
// offers "Show in folder" and "Open in local database…" on the job. UI goroutine.
func (r *runner) runDownload(s *session, p *restore.DownloadPlan, then func(*restore.DownloadResult)) *job {
	t := p.Request.Target
	title := fmt.Sprintf("Download the backup of %s · %s", cmp.Or(t.App.Name, t.App.AppID), t.Env.Mode)
	var res *restore.DownloadResult
	return r.runJob(s, title, p.Steps, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		var err error
		if res, err = s.engine.DownloadBackup(ctx, p, onEvent); res == nil {
			return nil, err
		}
		return &res.Result, err
	}, func(j *job, err error) { r.downloadEnded(s, j, title, res, err, then) })
}

// downloadEnded tells how a download ended and offers what to do with the file. UI goroutine.
func (r *runner) downloadEnded(s *session, j *job, title string, res *restore.DownloadResult, err error, then func(*restore.DownloadResult)) {
	saved := res != nil && res.Path != ""
	switch {
	case err == nil:
		r.k.notify("Downloaded: "+filepath.Base(res.Path), fmt.Sprintf("Saved as %s (%s); it passed the check.", res.Path, progress.Size(res.Size)))
		r.k.say(title + ": saved as " + res.Path + ".")
	case errors.Is(err, restore.ErrCancelled), errors.Is(err, context.Canceled):
		r.k.say(title + ": cancelled. The part already fetched is kept; downloading again continues from it.")
	default:
		r.k.notify("Failed: "+title, explainSummary(err))
		r.k.say(title + ": failed. " + explainSummary(err))
	}
	if saved {
		path := res.Path
		r.jobs.offerAction(j, "Show in folder", theme.FolderOpenIcon(), func() { r.k.showInFolder(path) })
		if err == nil {
			r.jobs.offerAction(j, "Open in local database…", theme.StorageIcon(), func() { r.openLocal(s, path) })
		}
	}
	// A local restore goes on with the file the engine hands on (a dump too new for
	// Mendix Cloud may still restore locally).
	if _, _, lerr := restore.LocalSource(res, err); lerr == nil && then != nil {
		then(res)
	}
	r.ended()
}
