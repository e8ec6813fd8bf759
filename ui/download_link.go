package ui

import (
	"cmp"
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/restore"
)

// linkDialog shows the engine's plan for a backup's download link (what it is, how long
// it works, who can use it) and runs it as a job on request; the link goes to the
// clipboard and nowhere else on screen. UI goroutine.
type linkDialog struct {
	k   *kit
	s   *session
	req restore.LinkRequest
	run func(*restore.LinkPlan)

	current *restore.LinkPlan
	plans   latest
	closed  bool

	dialog *dialog.CustomDialog
	status *widget.Label
	dbOnly *widget.Check
	view   *planView
	okBtn  *widget.Button
}

// linkButton is the selected backup's "Copy download link…" button.
func (a *actions) linkButton() fyne.CanvasObject {
	b := widget.NewButtonWithIcon("Copy download link…", theme.ContentCopyIcon(), func() { a.linkSelected() })
	b.Importance = widget.LowImportance
	return b
}

// linkSelected opens the link dialog for the selected backup. UI goroutine.
func (a *actions) linkSelected() *linkDialog {
	b := a.lists
	if b.sess == nil || b.curApp == nil || b.curEnv == nil || b.curSnap == nil {
		a.k.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return nil
	}
	s := b.sess
	req := restore.LinkRequest{Profile: s.profile, Target: restore.Target{App: b.curApp.App, Env: *b.curEnv},
		SnapshotID: b.curSnap.SnapshotID}
	return showLink(a.k, s, req, func(p *restore.LinkPlan) { a.runs.runLink(s, p) })
}

// showLink shows the plan of req; run runs the confirmed plan. UI goroutine.
func showLink(k *kit, s *session, req restore.LinkRequest, run func(*restore.LinkPlan)) *linkDialog {
	d := &linkDialog{k: k, s: s, req: req, run: run, plans: latest{pause: planPause}}
	d.status = wrapped("Checking the backup…")
	d.okBtn = widget.NewButtonWithIcon("Get link", theme.ContentCopyIcon(), nil)
	d.okBtn.Importance = widget.HighImportance
	d.view = newPlanView(d.okBtn, d.submit)
	d.view.canSend = func() bool { return !d.closed && d.current != nil }
	d.dbOnly = widget.NewCheck("Database only (a .backup dump, without file documents)", func(on bool) {
		d.req.DBOnly = on
		d.replan()
	})
	body := container.NewVBox(d.status, d.view.summary, d.dbOnly, d.view.steps, d.view.notes)
	d.dialog = dialog.NewCustomWithoutButtons("Copy the download link", body, k.win)
	d.dialog.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { d.dialog.Hide() }), d.okBtn})
	d.dialog.SetOnClosed(func() {
		d.closed = true
		d.plans.drop()
	})
	d.dialog.Resize(fyne.NewSize(600, 0))
	d.dialog.Show()
	k.shown(d)
	d.replan()
	return d
}

// replan asks the engine for the plan of the request as it stands and draws it. UI
// goroutine.
func (d *linkDialog) replan() {
	d.current = nil
	d.view.draw(nil)
	req := d.req
	d.plans.ask(d.k.loop, func(ctx context.Context) func() {
		p, err := d.s.engine.PlanLink(ctx, req)
		return func() {
			d.current = p
			d.view.drawOr(d.status, p, err)
		}
	})
}

// submit runs the plan shown.
func (d *linkDialog) submit(restore.Planned) {
	d.closed = true
	d.dialog.Hide()
	d.run(d.current)
}

// runLink asks for the link as a job of the jobs panel; once it is ready it goes to the
// clipboard, and a message says so with how long it works. UI goroutine.
func (r *runner) runLink(s *session, p *restore.LinkPlan) *job {
	t := p.Request.Target
	spec := runSpec{title: "Download link of a backup of " + cmp.Or(t.App.Name, t.App.AppID) + " · " + t.Env.Mode, steps: p.Steps, target: t}
	r.k.say(spec.title + ": asked for. Follow it in the jobs panel below.")
	return r.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		res, err := s.engine.RunLink(ctx, p, onEvent)
		if res == nil {
			return nil, err
		}
		if err == nil {
			link, msg := res.Link, res.Message
			r.k.do(func() {
				r.k.app.Clipboard().SetContent(link.Reveal())
				r.k.showMessage("Download link copied", "The link is on the clipboard: paste it into a browser or a download manager. "+
					msg+" Share it only with someone you would give the backup to.")
			})
		}
		return &res.Result, err
	})
}
