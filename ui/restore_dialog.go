package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// restoreSource is what a restore brings back: a backup in the cloud, or a local archive.
type restoreSource struct {
	snapshot  *cloud.Snapshot   // a backup in the cloud
	sourceEnv cloud.Environment // the environment that backup belongs to
	file      string            // or: a local archive, uploaded first
	report    *archive.Report   // what the inspection found in file
}

// describe is the source in words: "the backup of 12 Nov 02:00, 2 weeks ago".
func (s restoreSource) describe(target cloud.Environment, now func() time.Time) string {
	if s.snapshot == nil {
		name := filepath.Base(s.file)
		if s.report != nil && !s.report.DumpedAt.IsZero() {
			return fmt.Sprintf("the archive %s (dumped %s)", name, s.report.DumpedAt.Format(exactTimeLayout))
		}
		return "the archive " + name
	}
	owner := ""
	if s.sourceEnv.EnvironmentID != "" && s.sourceEnv.EnvironmentID != target.EnvironmentID {
		owner = s.sourceEnv.Mode + "'s "
	}
	when := shortTime(s.snapshot.CreatedAt) + ", " + relativeTime(s.snapshot.CreatedAt, now())
	if owner == "" {
		return "the backup of " + when
	}
	return owner + "backup of " + when
}

// restoreDialog is the confirmation before a restore: the target, what will be replaced,
// the options, and for production the environment's name typed out.
type restoreDialog struct {
	u      *UI
	app    cloud.AppWithEnvironments
	src    restoreSource
	envs   []cloud.Environment
	target cloud.Environment

	dialog     *dialog.CustomDialog
	targetSel  *widget.Select
	summary    *widget.Label
	stopNote   *widget.Label
	safety     *widget.Check
	dbOnly     *widget.Check
	startAfter *widget.Check
	confirm    *widget.Entry
	confirmBox *fyne.Container
	restoreBtn *widget.Button
	cancelBtn  *widget.Button

	// onConfirm receives the request the user confirmed.
	onConfirm func(restore.Request)
}

// showRestoreDialog asks how and where to restore src. UI goroutine.
func (u *UI) showRestoreDialog(app cloud.AppWithEnvironments, src restoreSource, target cloud.Environment,
	onConfirm func(restore.Request)) *restoreDialog {
	d := &restoreDialog{u: u, app: app, src: src, envs: app.Environments, target: target, onConfirm: onConfirm}
	if len(d.envs) == 0 {
		d.envs = []cloud.Environment{target}
	}
	var modes []string
	for _, e := range d.envs {
		modes = append(modes, e.Mode)
	}
	d.summary = wrapped("")
	d.summary.TextStyle.Bold = true
	d.stopNote = wrapped("")
	d.safety = widget.NewCheck("Take a safety backup of the environment first (recommended)", nil)
	d.dbOnly = widget.NewCheck("Database only: file documents stay as they are", func(bool) { d.update() })
	d.startAfter = widget.NewCheck("Start the environment again when the restore is done", nil)
	d.confirm = widget.NewEntry()
	d.confirm.OnChanged = func(string) { d.update() }
	d.confirmBox = container.NewVBox()
	d.targetSel = widget.NewSelect(modes, func(mode string) {
		i := slices.IndexFunc(d.envs, func(e cloud.Environment) bool { return e.Mode == mode })
		if i >= 0 {
			d.target = d.envs[i]
			d.retarget()
		}
	})
	d.restoreBtn = widget.NewButtonWithIcon("Restore", theme.HistoryIcon(), d.submit)
	d.restoreBtn.Importance = widget.DangerImportance
	d.cancelBtn = widget.NewButton("Cancel", func() { d.dialog.Hide() })

	title := "Restore " + app.Name
	if src.snapshot == nil {
		title = "Restore " + app.Name + " from an archive"
	}
	form := widget.NewForm(widget.NewFormItem("Restore into", d.targetSel))
	body := container.NewVBox(form, d.summary, d.stopNote, d.safety, d.dbOnly, d.startAfter, d.confirmBox)
	d.dialog = dialog.NewCustomWithoutButtons(title, body, u.win)
	d.dialog.SetButtons([]fyne.CanvasObject{d.cancelBtn, d.restoreBtn})
	d.dialog.Resize(fyne.NewSize(600, 0))
	d.targetSel.SetSelected(target.Mode) // calls retarget
	d.dialog.Show()
	u.restoreDlg = d
	return d
}

// retarget resets the options for the chosen target environment.
func (d *restoreDialog) retarget() {
	t := d.target
	if d.app.FreeApp {
		d.safety.SetChecked(false)
		d.safety.Text = "Safety backup: Free Apps cannot take backups, so none can be made first"
		d.safety.Disable()
	} else {
		d.safety.Text = fmt.Sprintf("Take a safety backup of %s first (recommended)", t.Mode)
		d.safety.Enable()
		d.safety.SetChecked(true)
	}
	d.safety.Refresh()
	d.startAfter.Text = fmt.Sprintf("Start %s again when the restore is done", t.Mode)
	d.startAfter.SetChecked(t.Status == cloud.StatusRunning)
	switch t.Status {
	case cloud.StatusRunning:
		d.stopNote.SetText(fmt.Sprintf("%s is running. It must be stopped to restore; you will be asked first.", t.Mode))
	case cloud.StatusStopped, cloud.StatusEmpty:
		d.stopNote.SetText(fmt.Sprintf("%s is stopped.", t.Mode))
	default:
		d.stopNote.SetText(fmt.Sprintf("The status of %s is unknown; Restore Desk checks it before anything changes.", t.Mode))
	}
	d.confirmBox.RemoveAll()
	d.confirm.SetText("")
	if t.IsProduction() {
		d.confirm.SetPlaceHolder(t.Mode)
		d.confirmBox.Add(wrapped(fmt.Sprintf("This is a production environment. Type %s to confirm.", t.Mode)))
		d.confirmBox.Add(d.confirm)
	}
	d.update()
}

// update refreshes the summary and whether Restore may be pressed.
func (d *restoreDialog) update() {
	t := d.target
	what := "data"
	if d.dbOnly.Checked {
		what = "database"
	}
	d.summary.SetText(fmt.Sprintf("%s's %s will be replaced by %s. Changes made since then will be lost.",
		t.Mode, what, d.src.describe(t, d.u.deps.Now)))
	if d.confirmed() {
		d.restoreBtn.Enable()
	} else {
		d.restoreBtn.Disable()
	}
}

// confirmed reports whether a production target's name was typed.
func (d *restoreDialog) confirmed() bool {
	return !d.target.IsProduction() || strings.EqualFold(strings.TrimSpace(d.confirm.Text), d.target.Mode)
}

// request is the restore the dialog describes.
func (d *restoreDialog) request() restore.Request {
	req := restore.Request{
		Target: restore.Target{App: d.app.App, Env: d.target},
		Options: restore.Options{
			DBOnly:       d.dbOnly.Checked,
			SafetyBackup: d.safety.Checked && !d.app.FreeApp,
			Start:        d.startAfter.Checked,
			Confirm:      strings.TrimSpace(d.confirm.Text),
		},
	}
	if d.src.snapshot != nil {
		req.Source.SnapshotID = d.src.snapshot.SnapshotID
		req.Source.SourceEnvID = d.src.sourceEnv.EnvironmentID
	} else {
		req.Source.File = d.src.file
	}
	return req
}

func (d *restoreDialog) submit() {
	if !d.confirmed() {
		return
	}
	d.dialog.Hide()
	d.onConfirm(d.request())
}

// restoreSelected opens the restore dialog for the selected backup (toolbar "Restore…").
func (u *UI) restoreSelected() {
	if u.sess == nil || u.curApp == nil || u.curEnv == nil || u.curSnap == nil {
		u.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return
	}
	if u.curSnap.State != cloud.StateCompleted {
		u.showMessage("This backup cannot be restored",
			fmt.Sprintf("Only completed backups can be restored; this one is %s.", strings.ToLower(u.curSnap.State.Label())))
		return
	}
	src := restoreSource{snapshot: u.curSnap, sourceEnv: *u.curEnv}
	u.showRestoreDialog(*u.curApp, src, *u.curEnv, u.planAndRun)
}

// planAndRun makes the engine's plan for req, asks to stop a running target, and runs it.
func (u *UI) planAndRun(req restore.Request) {
	s := u.sess
	if s == nil {
		return
	}
	req.Profile = s.profile
	u.status.SetText("Preparing the restore…")
	u.background(func(ctx context.Context) {
		plan, err := s.engine.Plan(ctx, req)
		u.do(func() {
			u.status.SetText("")
			if err != nil {
				u.showError("The restore cannot start", err)
				return
			}
			if !planHas(plan, restore.StepStop) {
				u.runPlan(s, plan)
				return
			}
			u.showStopPrompt(plan, func() { u.runPlan(s, plan) })
		})
	})
}
