package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// planSpec is an action the user asked for, before the engine planned it.
type planSpec struct {
	title string
	verb  string // the confirming button: "Restore", "Stop Application"
	req   restore.Request
	// envs are the environments the user may pick as the target (a restore from a
	// backup); empty keeps the request's target.
	envs []cloud.Environment
	// plan asks the engine for the plan of a request (default: Engine.Plan).
	plan func(ctx context.Context, req restore.Request) (*restore.Plan, error)
	// fixed: the plan has no options to change (an undo restores what its run saved).
	fixed bool
	// comment asks for a backup's comment.
	comment bool
	// parent is the window the user acted in (the History window for an undo); nil: the
	// main window.
	parent fyne.Window
}

// planDialog shows the engine's plan before anything changes: its steps, its notes (what
// is replaced, the production and Free App facts), the options the plan allows, and the
// name to type when the plan asks for one. Changing an option or the target plans again,
// off the UI goroutine. When the engine refuses, the dialog says so in the engine's
// words and nothing can be confirmed. The dialog decides nothing itself.
type planDialog struct {
	k         *kit
	s         *session
	spec      planSpec
	req       restore.Request     // the request as the options now stand
	confirmed func(*restore.Plan) // runs the confirmed plan

	current    *restore.Plan // nil while planning or when the engine refused
	err        error
	plans      latest
	drawing    bool    // the options are being set from the plan: no re-plan
	tallest    float32 // the dialog's height: it grows with its plan, never shrinks
	infoHeight float32 // the first plan's sentences' height, kept for later plans
	view       *planView

	dialog     *dialog.CustomDialog
	parent     fyne.Window
	body       *fyne.Container
	info       *fyne.Container   // what the plan says, scrolled when the window is too low for it
	scroll     *container.Scroll // keeps the options, the typed name and the buttons in view
	targetSel  *widget.Select
	target     cloud.Environment
	status     *widget.Label   // "Checking…", or the engine's refusal
	handoff    *fyne.Container // the Portal's steps and button when the way on is the Portal
	summary    *widget.Label   // the plan's first note
	moment     *widget.Label   // the backup holds the data as it was when it was made
	final      *widget.Label   // bold "cannot be undone" of a restore without a safety backup (plan_words.go)
	steps      *widget.Label
	notes      *widget.Label
	safety     *widget.Check
	dbOnly     *widget.Check
	startAfter *widget.Check
	comment    *escEntry
	confirmBox *fyne.Container // the name to type (planView)
	confirm    *escEntry
	okBtn      *widget.Button
	cancelBtn  *widget.Button
}

// showPlan asks the engine for spec's plan and shows it; confirmed runs the plan the
// user confirmed. UI goroutine.
func showPlan(k *kit, s *session, spec planSpec, confirmed func(*restore.Plan)) *planDialog {
	if spec.plan == nil {
		spec.plan = s.engine.Plan
	}
	spec.req.Profile = s.profile
	d := &planDialog{k: k, s: s, spec: spec, req: spec.req, target: spec.req.Target.Env, confirmed: confirmed}
	d.okBtn = widget.NewButton(spec.verb, nil)
	d.okBtn.Importance = widget.DangerImportance
	d.view = newPlanView(d.okBtn, d.submit)
	d.status = wrapped("")
	d.handoff = container.NewVBox()
	d.summary, d.steps, d.notes = d.view.summary, d.view.steps, d.view.notes
	d.safety = widget.NewCheck("", func(bool) { d.optionChanged() })
	d.dbOnly = widget.NewCheck("Database only: file documents stay as they are", func(bool) { d.optionChanged() })
	d.startAfter = widget.NewCheck("", func(bool) { d.optionChanged() })
	d.comment = newEscEntry()
	d.comment.SetPlaceHolder("e.g. before the November release")
	d.confirm, d.confirmBox = d.view.typed, d.view.typeBox
	d.final = boldWrapped("")
	d.moment = wrapped("")
	d.cancelBtn = widget.NewButton("Cancel", func() { d.dialog.Hide() })

	body := container.NewVBox()
	d.body = body
	if len(spec.envs) > 0 {
		var modes []string
		for _, e := range spec.envs {
			modes = append(modes, e.Mode)
		}
		d.targetSel = widget.NewSelect(modes, d.retarget)
		body.Add(widget.NewForm(widget.NewFormItem("Restore into", d.targetSel)))
	}
	d.info = container.NewVBox(d.status, d.handoff, d.summary, d.moment, d.final, headedSteps(d.steps), d.notes)
	d.scroll = container.NewVScroll(d.info)
	body.Add(d.scroll)
	if !spec.fixed {
		body.Add(container.NewVBox(d.safety, d.dbOnly, d.startAfter))
	}
	if spec.comment {
		body.Add(widget.NewForm(widget.NewFormItem("Comment (optional)", d.comment)))
	}
	body.Add(d.confirmBox)
	parent := k.win
	if spec.parent != nil {
		parent = spec.parent
	}
	d.parent = parent
	d.dialog = dialog.NewCustomWithoutButtons(spec.title, body, parent)
	d.view.typed.win, d.comment.win = parent, parent
	d.dialog.SetButtons([]fyne.CanvasObject{d.cancelBtn, d.okBtn})
	d.dialog.Show()
	d.fit()
	k.shown(d) // Escape closes it
	if d.targetSel != nil {
		d.drawing = true
		d.targetSel.SetSelected(d.target.Mode)
		d.drawing = false
	}
	d.replan()
	return d
}

// retarget plans for another target environment, with that target's default options.
func (d *planDialog) retarget(mode string) {
	i := slices.IndexFunc(d.spec.envs, func(e cloud.Environment) bool { return e.Mode == mode })
	if i < 0 || d.drawing {
		return
	}
	d.target = d.spec.envs[i]
	d.req.Target.Env = d.target
	d.req.Options = restore.Options{Defaults: true, UploadOnly: d.req.Options.UploadOnly} // the plan's defaults for this target
	d.replan()
}

// optionChanged plans again with the options as the checks now stand.
func (d *planDialog) optionChanged() {
	if d.drawing {
		return
	}
	d.req.Options.Defaults = false // the user's choice from now on
	d.req.Options.SafetyBackup = d.safety.Checked
	d.req.Options.DBOnly = d.dbOnly.Checked
	d.req.Options.Start = d.startAfter.Checked
	d.replan()
}

// replan asks the engine for the plan of d.req in the background; the last answer wins.
// A plan drawn already stays drawn meanwhile, unconfirmable: the dialog keeps its size
// and its controls stay where the user is clicking.
func (d *planDialog) replan() {
	req, plan := d.req, d.spec.plan
	had := d.current != nil
	d.current, d.err = nil, nil
	if had {
		d.view.hold()
	} else {
		d.draw()
	}
	d.plans.ask(d.k.loop, func(ctx context.Context) func() {
		p, err := plan(ctx, req)
		return func() {
			d.current, d.err = p, err
			d.draw()
		}
	})
}

// draw shows the plan, the refusal, or that the engine is still planning. UI goroutine.
func (d *planDialog) draw() {
	d.drawing = true
	defer func() {
		d.drawing = false
		d.fit()
	}()
	p := d.current
	d.handoff.RemoveAll()
	switch {
	case d.err != nil:
		ex := explainOf(d.err)
		d.status.SetText(explainLine(d.err))
		d.status.Show()
		if ex.Handoff != nil {
			d.handoff.Add(d.k.handoffBox(*ex.Handoff))
		}
	case p == nil:
		d.status.SetText("Checking what this will do…")
		d.status.Show()
	default:
		d.status.Hide()
	}
	if p == nil {
		d.final.Hide()
		d.moment.Hide()
		for _, c := range []*widget.Check{d.safety, d.dbOnly, d.startAfter} {
			c.Hide()
		}
		d.view.draw(nil)
		return
	}
	showText(d.moment, momentText(p, d.k.now()))
	showText(d.final, irreversibleText(p))
	mode := p.Request.Target.Env.Mode
	d.showCheck(d.safety, p.Allows.SafetyBackup, p.Request.Options.SafetyBackup, fmt.Sprintf("Take a safety backup of %s first (recommended)", mode))
	d.showCheck(d.dbOnly, p.Allows.DBOnly, p.Request.Options.DBOnly, d.dbOnly.Text)
	d.showCheck(d.startAfter, p.Allows.Start, p.Request.Options.Start, fmt.Sprintf("Start %s again when the restore is done", mode))
	d.view.draw(p)
}

func (d *planDialog) showCheck(c *widget.Check, allowed, on bool, text string) {
	if !allowed {
		c.Hide()
		return
	}
	c.Text = text
	c.SetChecked(on)
	c.Refresh()
	c.Show()
}

// submit runs the plan the user confirmed (planView checked the typed name).
func (d *planDialog) submit(restore.Planned) {
	p := d.current
	if d.spec.comment {
		p.Request.Backup.Comment = strings.TrimSpace(d.comment.Text)
	}
	d.dialog.Hide()
	d.confirmed(p)
}

// planDialogWidth is wide enough for a step on one line, narrow enough for any window.
const planDialogWidth = 640

// dialogChrome is the height of a dialog's title, button row and padding.
const dialogChrome = 180

// fit sizes the dialog to its content, but never taller than its window: the plan's
// sentences then scroll, while the options, the name to type and the buttons stay in
// view. UI goroutine.
func (d *planDialog) fit() {
	d.scroll.SetMinSize(fyne.NewSize(0, 0))
	d.body.Refresh() // the wrapped sentences changed height: lay them out again
	rest := d.body.MinSize().Height - d.scroll.MinSize().Height
	room := d.parent.Canvas().Size().Height - dialogChrome - rest
	// The sentences keep the height of the first plan's (within the window): a later
	// plan, after an option was ticked, scrolls if longer, and the options below them
	// stay where the user clicked.
	if d.infoHeight == 0 && d.current != nil {
		d.infoHeight = d.info.MinSize().Height
	}
	want := d.info.MinSize().Height
	if d.infoHeight > 0 {
		want = d.infoHeight
	}
	d.scroll.SetMinSize(fyne.NewSize(0, max(min(want, room), 80)))
	// Never shorter than it was: a dialog that shrinks when an option is ticked moves
	// its buttons under the pointer.
	d.tallest = max(d.tallest, d.dialog.MinSize().Height)
	d.dialog.Resize(fyne.NewSize(planDialogWidth, d.tallest))
}
