package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/explain"
	"restoredesk/core/restore"
)

// Editing a backup's comment and deleting a manual backup. The engine plans either one
// with its rules (manual backups only, never one in use, production by its typed name);
// the dialog draws the plan, and the confirmed plan runs as a job, like every action.

// manageDialog shows the engine's plan for a change to one backup.
type manageDialog struct {
	u       *UI
	s       *session
	req     restore.ManageRequest
	current *restore.ManagePlan
	shown   string // the comment as the entry first showed it (escaped where unprintable)
	closed  bool   // cancelled or done: Save runs nothing more
	plans   latestPlan

	dialog     *dialog.CustomDialog
	status     *widget.Label
	notes      *widget.Label
	comment    *widget.Entry
	confirmBox *fyne.Container
	confirm    *widget.Entry
	okBtn      *widget.Button
}

// manageActions are the selected backup's buttons for editing its comment and deleting
// it; which backups may be changed is the engine's to say, in the dialog's plan.
func (u *UI) manageActions() []fyne.CanvasObject {
	edit := widget.NewButtonWithIcon("Edit comment…", theme.DocumentCreateIcon(), func() { u.commentSelected() })
	del := widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), func() { u.deleteSelected() })
	edit.Importance, del.Importance = widget.LowImportance, widget.LowImportance
	return []fyne.CanvasObject{edit, del}
}

// commentSelected edits the selected backup's comment.
func (u *UI) commentSelected() *manageDialog { return u.manageSelected(false) }

// deleteSelected deletes the selected backup.
func (u *UI) deleteSelected() *manageDialog { return u.manageSelected(true) }

func (u *UI) manageSelected(del bool) *manageDialog {
	if u.sess == nil || u.curApp == nil || u.curEnv == nil || u.curSnap == nil {
		u.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return nil
	}
	snap := *u.curSnap
	d := &manageDialog{u: u, s: u.sess, req: restore.ManageRequest{
		Profile: u.sess.profile, Target: restore.Target{App: u.curApp.App, Env: *u.curEnv},
		SnapshotID: snap.SnapshotID, Delete: del, Comment: snap.Comment,
	}}
	d.status = wrapped("Checking the backup…")
	d.notes = wrapped("")
	d.confirm = widget.NewEntry()
	d.confirm.OnChanged = func(string) { d.drawButton() }
	d.confirmBox = container.NewVBox()
	body := container.NewVBox(d.status, d.notes)
	title, verb := "Edit the backup's comment", "Save comment"
	if del {
		title, verb = "Delete this backup?", "Delete backup"
	} else {
		d.comment = widget.NewEntry()
		d.shown = explain.Printable(snap.Comment)
		d.comment.SetText(d.shown)
		d.comment.OnChanged = func(string) { d.replan() }
		body.Add(widget.NewForm(widget.NewFormItem("Comment", d.comment)))
	}
	body.Add(d.confirmBox)
	d.okBtn = widget.NewButton(verb, d.submit)
	if del {
		d.okBtn.Importance = widget.DangerImportance
	}
	d.okBtn.Disable()
	d.dialog = dialog.NewCustomWithoutButtons(title, body, u.win)
	d.dialog.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { d.dialog.Hide() }), d.okBtn})
	d.dialog.SetOnClosed(func() {
		d.closed = true
		d.plans.drop() // a plan that arrives later draws nothing
	})
	d.dialog.Resize(fyne.NewSize(560, 0))
	d.dialog.Show()
	u.manageDlg = d
	d.replan()
	return d
}

// request is the change as the dialog now holds it. The comment counts as changed when it
// differs from what the entry first showed: an unprintable comment is shown escaped, and
// saving it untouched must not store the escapes.
func (d *manageDialog) request() restore.ManageRequest {
	req := d.req
	if d.comment != nil && d.comment.Text != d.shown {
		req.Comment = strings.TrimSpace(d.comment.Text)
	}
	return req
}

// replan asks the engine for the plan of the change as it now stands, once typing
// paused, and draws it: the comment typed is checked as it is typed, so a comment the
// engine refuses says why at once, and mending it enables Save. UI goroutine.
func (d *manageDialog) replan() {
	d.current = nil
	d.okBtn.Disable()
	req := d.request()
	d.plans.after(d.u, func(ctx context.Context) func() {
		p, err := d.s.engine.PlanManage(ctx, req)
		return func() { d.draw(p, err) }
	})
}

// draw shows the plan, or why the change cannot be made. UI goroutine.
func (d *manageDialog) draw(p *restore.ManagePlan, err error) {
	d.current = p
	d.confirmBox.RemoveAll()
	if err != nil {
		d.status.SetText(explainLine(err))
		d.notes.SetText("")
		d.okBtn.Disable()
		return
	}
	d.status.SetText(p.Step.Title)
	notes := make([]string, len(p.Notes))
	for i, n := range p.Notes {
		notes[i] = explain.Printable(n)
	}
	d.notes.SetText(strings.Join(notes, "\n"))
	if p.ConfirmationRequired {
		mode := p.Request.Target.Env.Mode
		d.confirm.SetPlaceHolder(mode)
		d.confirmBox.Add(wrapped("Type " + mode + " to confirm."))
		d.confirmBox.Add(d.confirm)
	}
	d.drawButton()
}

// drawButton enables the button when the plan is confirmed by what was typed.
func (d *manageDialog) drawButton() {
	if d.current != nil && d.current.ConfirmWith(d.confirm.Text) {
		d.okBtn.Enable()
	} else {
		d.okBtn.Disable()
	}
}

// submit runs the confirmed plan, which is always the plan of what the dialog now holds
// (a change clears it until its own plan arrives).
func (d *manageDialog) submit() {
	p := d.current
	if d.closed || p == nil || !p.ConfirmWith(d.confirm.Text) {
		return
	}
	d.closed = true
	d.dialog.Hide()
	d.u.runManage(d.s, p)
}

// runManage runs a confirmed change to a backup as a job; the backups are listed anew
// when it ends. UI goroutine.
func (u *UI) runManage(s *session, p *restore.ManagePlan) *job {
	t := p.Request.Target
	title := "Change a backup of " + t.App.Name + " · " + t.Env.Mode
	if p.Request.Delete {
		title = "Delete a backup of " + t.App.Name + " · " + t.Env.Mode
	}
	spec := runSpec{title: title, steps: []restore.Step{p.Step}, target: t}
	return u.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		return s.engine.RunManage(ctx, p, onEvent)
	})
}
