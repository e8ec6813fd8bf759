package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
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

// showInFolder opens the folder that holds path in the system's file manager, through
// handoff.go's open (off the UI goroutine; a failure says so, to open it by hand).
func (u *UI) showInFolder(path string) {
	u.open(&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Dir(path))})
}

// downloadDialog asks where a backup goes: the folder, the file name (suggested by
// core/download), database only or all; it shows the engine's download plan, planned
// again off the UI goroutine whenever a choice changes. The engine decides what is
// allowed (an existing file, an unwritable folder); the dialog only shows its answer.
type downloadDialog struct {
	u    *UI
	s    *session
	snap cloud.Snapshot
	req  restore.DownloadRequest
	then func(*restore.DownloadResult) // after a download whose file a local restore can use (may be nil)

	current    *restore.DownloadPlan
	err        error
	plans      latestPlan // plans once typing paused (replan.go)
	nameEdited bool       // the user typed a name: keep it when "database only" changes
	drawing    bool

	dialog  *dialog.CustomDialog
	body    *fyne.Container
	status  *widget.Label
	steps   *widget.Label
	notes   *widget.Label
	dbOnly  *widget.Check
	folder  *widget.Entry
	name    *widget.Entry
	replace *widget.Check
	okBtn   *widget.Button
}

// downloadSelected opens the download dialog for the selected backup (toolbar, backup
// actions). UI goroutine.
func (u *UI) downloadSelected() *downloadDialog {
	if u.sess == nil || u.curApp == nil || u.curEnv == nil || u.curSnap == nil {
		u.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return nil
	}
	t := restore.Target{App: u.curApp.App, Env: *u.curEnv}
	return u.showDownload(u.sess, t, *u.curSnap, false, nil)
}

// showDownload shows the download dialog for snap; then (may be nil) gets the result of
// a saved and checked download. UI goroutine.
func (u *UI) showDownload(s *session, t restore.Target, snap cloud.Snapshot, dbOnly bool, then func(*restore.DownloadResult)) *downloadDialog {
	d := &downloadDialog{u: u, s: s, snap: snap, then: then,
		req: restore.DownloadRequest{Profile: s.profile, Target: t, SnapshotID: snap.SnapshotID, DBOnly: dbOnly}}
	d.status = wrapped("")
	d.steps = wrapped("")
	d.notes = wrapped("")
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
	d.okBtn = widget.NewButtonWithIcon("Download", theme.DownloadIcon(), d.submit)
	d.okBtn.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { d.dialog.Hide() })

	what := wrapped(fmt.Sprintf("%s backup of %s · %s, made %s (%s).", cloud.KindOf(snap).Label(),
		cmp.Or(t.App.Name, t.App.AppID), t.Env.Mode, exactTime(snap.CreatedAt), relativeTime(snap.CreatedAt, u.deps.Now())))
	what.TextStyle.Bold = true
	form := widget.NewForm(
		widget.NewFormItem("Folder", container.NewBorder(nil, nil, nil, browse, d.folder)),
		widget.NewFormItem("File name", d.name))
	d.body = container.NewVBox(what, form, d.dbOnly, d.replace, d.status,
		widget.NewLabelWithStyle("What happens:", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.steps, d.notes)
	d.dialog = dialog.NewCustomWithoutButtons("Download a backup", d.body, u.win)
	d.dialog.SetButtons([]fyne.CanvasObject{cancel, d.okBtn})
	d.dialog.Resize(fyne.NewSize(680, 0))
	d.dialog.Show()
	u.downloadDlg = d
	d.suggestName()
	d.drawing = true
	d.folder.SetText(u.downloadDir)
	d.drawing = false
	if u.downloadDir == "" {
		d.status.SetText("Finding your downloads folder…")
		u.background(func(context.Context) {
			dir := defaultDownloadDir()
			u.do(func() { d.folder.SetText(dir) }) // plans through OnChanged
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
			d.u.showError("The folder could not be opened", err)
			return
		}
		if l != nil {
			d.folder.SetText(l.Path())
		}
	}, d.u.win)
	if dir := strings.TrimSpace(d.folder.Text); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			fd.SetLocation(l)
		}
	}
	fd.Resize(fyne.NewSize(860, 560))
	fd.Show()
}

// replan asks the engine for the plan of the choices as they stand, in the background
// once typing paused (latestPlan); the last answer wins.
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
	d.plans.after(d.u, func(ctx context.Context) func() {
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
	switch {
	case d.err != nil:
		d.status.SetText(explainLine(d.err))
	case p == nil:
		d.status.SetText("Checking the backup and the folder…")
	}
	d.status.Show()
	if p != nil {
		d.status.Hide()
		d.steps.SetText(planStepsText(&restore.Plan{Outline: restore.Outline{Steps: p.Steps}}))
		d.notes.SetText(strings.Join(p.Notes, "\n"))
	} else {
		d.steps.SetText("")
		d.notes.SetText("")
	}
	// The engine refused to replace a file unasked: offer to replace it on purpose.
	if errors.Is(d.err, download.ErrExists) || d.req.Force {
		d.replace.Show()
	} else {
		d.replace.Hide()
	}
	if p != nil {
		d.okBtn.Enable()
	} else {
		d.okBtn.Disable()
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
	d.u.runDownload(d.s, d.current, d.then)
}

// runDownload runs a download plan as a job of the jobs panel; at the end it notifies and
// offers "Show in folder" and "Open in local database…" on the job. UI goroutine.
func (u *UI) runDownload(s *session, p *restore.DownloadPlan, then func(*restore.DownloadResult)) *job {
	t := p.Request.Target
	title := fmt.Sprintf("Download the backup of %s · %s", cmp.Or(t.App.Name, t.App.AppID), t.Env.Mode)
	ctx, cancel := context.WithCancel(u.ctx)
	j := u.jobs.add(title, p.Steps, cancel)
	u.status.SetText(title + ": started. Follow it in the jobs panel below.")
	u.background(func(context.Context) {
		defer cancel()
		res, err := s.engine.DownloadBackup(ctx, p, func(e restore.Event) { u.jobs.event(j, e) })
		var r *restore.Result
		if res != nil {
			r = &res.Result
		}
		u.jobs.finish(j, r, err)
		u.do(func() { u.downloadEnded(s, j, title, res, err, then) })
	})
	return j
}

// downloadEnded tells how a download ended and offers what to do with the file. UI goroutine.
func (u *UI) downloadEnded(s *session, j *job, title string, res *restore.DownloadResult, err error, then func(*restore.DownloadResult)) {
	saved := res != nil && res.Path != ""
	switch {
	case err == nil:
		u.notify("Downloaded: "+filepath.Base(res.Path), fmt.Sprintf("Saved as %s (%s); it passed the check.", res.Path, progress.Size(res.Size)))
		u.status.SetText(title + ": saved as " + res.Path + ".")
	case errors.Is(err, restore.ErrCancelled), errors.Is(err, context.Canceled):
		u.status.SetText(title + ": cancelled. The part already fetched is kept; downloading again continues from it.")
	default:
		u.notify("Failed: "+title, explainSummary(err))
		u.status.SetText(title + ": failed. " + explainSummary(err))
	}
	if saved {
		path := res.Path
		u.jobs.offerAction(j, "Show in folder", theme.FolderOpenIcon(), func() { u.showInFolder(path) })
		if err == nil {
			u.jobs.offerAction(j, "Open in local database…", theme.StorageIcon(), func() { u.showLocalDB(s, path) })
		}
	}
	// A local restore goes on with the file the engine hands on (a dump too new for
	// Mendix Cloud may still restore locally).
	if _, _, lerr := restore.LocalSource(res, err); lerr == nil && then != nil {
		then(res)
	}
	if u.history != nil && !u.history.closed {
		u.history.load()
	}
}

// offerAction adds a button to j's card for what can be done with the job's result
// ("Show in folder"); it stays while the card does. UI goroutine.
func (p *jobsPanel) offerAction(j *job, label string, icon fyne.Resource, fn func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, fn)
	j.card.head.Add(b)
	j.card.head.Refresh()
	return b
}

// backupActions are the selected backup's own buttons: download it, open it in a local
// database. The engine's plan says when a backup cannot be (not completed).
func (b *toolbar) backupActions() []fyne.CanvasObject {
	dl := widget.NewButtonWithIcon("Download…", theme.DownloadIcon(), b.onDownload)
	local := widget.NewButtonWithIcon("Open in local database…", theme.StorageIcon(), b.onLocalDB)
	dl.Importance, local.Importance = widget.LowImportance, widget.LowImportance
	return []fyne.CanvasObject{dl, local}
}

// addActions puts buttons below the selected backup's details.
func (p *backupsPanel) addActions(objs []fyne.CanvasObject) {
	for _, o := range objs {
		p.actions.Add(o)
	}
}
