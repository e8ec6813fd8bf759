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
	k       *kit
	s       *session
	req     restore.ManageRequest
	run     func(*restore.ManagePlan) // runs the confirmed change
	current *restore.ManagePlan
	shown   string // the comment as the entry first showed it (escaped where unprintable)
	closed  bool   // cancelled or done: Save runs nothing more
	plans   latest
	view    *planView

	dialog  *dialog.CustomDialog
	status  *widget.Label
	comment *escEntry
	confirm *escEntry
	okBtn   *widget.Button
}

// manageActions are the selected backup's buttons for editing its comment and deleting
// it; which backups may be changed is the engine's to say, in the dialog's plan.
func (a *actions) manageActions() []fyne.CanvasObject {
	edit := widget.NewButtonWithIcon("Edit comment…", theme.DocumentCreateIcon(), func() { a.commentSelected() })
	del := widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), func() { a.deleteSelected() })
	edit.Importance, del.Importance = widget.LowImportance, widget.LowImportance
	return []fyne.CanvasObject{edit, del}
}

// commentSelected edits the selected backup's comment.
func (a *actions) commentSelected() *manageDialog { return a.manageSelected(false) }

// deleteSelected deletes the selected backup.
func (a *actions) deleteSelected() *manageDialog { return a.manageSelected(true) }

func (a *actions) manageSelected(del bool) *manageDialog {
	b := a.lists
	if b.sess == nil || b.curApp == nil || b.curEnv == nil || b.curSnap == nil {
		a.k.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return nil
	}
	s, snap := b.sess, *b.curSnap
	req := restore.ManageRequest{
		Profile: s.profile, Target: restore.Target{App: b.curApp.App, Env: *b.curEnv},
		SnapshotID: snap.SnapshotID, Delete: del, Comment: snap.Comment,
	}
	return showManage(a.k, s, req, func(p *restore.ManagePlan) { a.runs.runManage(s, p) })
}

// showManage shows the plan of a change to a backup; run runs the confirmed change. UI
// goroutine.
func showManage(k *kit, s *session, req restore.ManageRequest, run func(*restore.ManagePlan)) *manageDialog {
	d := &manageDialog{k: k, s: s, req: req, run: run, plans: latest{pause: planPause}}
	d.status = wrapped("Checking the backup…")
	title, verb := "Edit the backup's comment", "Save comment"
	if req.Delete {
		title, verb = "Delete this backup?", "Delete backup"
	}
	d.okBtn = widget.NewButton(verb, nil)
	d.view = newPlanView(d.okBtn, d.submit)
	d.view.canSend = func() bool { return !d.closed }
	d.confirm = d.view.typed
	body := container.NewVBox(d.status, d.view.summary, d.view.steps, d.view.notes)
	if !req.Delete {
		d.comment = newEscEntry()
		d.shown = explain.Printable(req.Comment)
		d.comment.SetText(d.shown)
		d.comment.OnChanged = func(string) { d.replan() }
		d.comment.OnSubmitted = func(string) { d.view.submit() } // Enter saves, once the plan allows it
		body.Add(widget.NewForm(widget.NewFormItem("Comment", d.comment)))
	}
	body.Add(d.view.typeBox)
	if req.Delete {
		d.okBtn.Importance = widget.DangerImportance
	}
	d.okBtn.Disable()
	d.dialog = dialog.NewCustomWithoutButtons(title, body, k.win)
	d.view.typed.win = k.win
	if d.comment != nil {
		d.comment.win = k.win
	}
	d.dialog.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { d.dialog.Hide() }), d.okBtn})
	d.dialog.SetOnClosed(func() {
		d.closed = true
		d.plans.drop() // a plan that arrives later draws nothing
	})
	d.dialog.Resize(fyne.NewSize(560, 0))
	d.dialog.Show()
	k.shown(d) // Escape closes it
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
	d.view.draw(nil)
	req := d.request()
	d.plans.ask(d.k.loop, func(ctx context.Context) func() {
		p, err := d.s.engine.PlanManage(ctx, req)
		return func() { d.draw(p, err) }
	})
}

// draw shows the plan, or why the change cannot be made. UI goroutine.
func (d *manageDialog) draw(p *restore.ManagePlan, err error) {
	d.current = p
	d.view.drawOr(d.status, p, err)
}

// submit runs the confirmed plan, which is always the plan of what the dialog now holds
// (a change clears it until its own plan arrives).
func (d *manageDialog) submit(restore.Planned) {
	d.closed = true
	d.dialog.Hide()
	d.run(d.current)
}
