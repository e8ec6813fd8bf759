package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/explain"
	"restoredesk/core/restore"
)

// planView draws any plan (its steps, its notes, the name to type) and confirms through
// it: the one confirm-and-submit path of the window. The dialog that holds it lays out
// the widgets, draws each new plan (nil while planning or refused), and is called back
// with the confirmed plan. UI goroutine.
type planView struct {
	plan     restore.Planned
	summary  *widget.Label // the first note, in bold
	steps    *widget.Label
	notes    *widget.Label
	typeBox  *fyne.Container // "Type Production to confirm." and the entry, when asked for
	typed    *escEntry       // its window is set by the dialog: Escape closes the dialog
	asked    bool            // the typed name is asked for: typeBox shows it
	ok       *widget.Button
	canSend  func() bool // the dialog's own condition (nil: none), e.g. not closed yet
	onSubmit func(restore.Planned)
}

func newPlanView(ok *widget.Button, onSubmit func(restore.Planned)) *planView {
	v := &planView{ok: ok, onSubmit: onSubmit, typeBox: container.NewVBox()}
	v.summary = boldWrapped("")
	v.steps = wrapped("")
	v.notes = wrapped("")
	v.typed = newEscEntry()
	v.typed.OnChanged = func(string) { v.drawButton() }
	v.typed.OnSubmitted = func(string) { v.submit() } // Enter: submit checks the typed name
	ok.OnTapped = v.submit
	return v
}

// draw shows plan p; nil clears the view while planning or after a refusal.
func (v *planView) draw(p restore.Planned) {
	v.plan = p
	v.typeBox.RemoveAll()
	asked := v.asked
	v.asked = false
	if p == nil {
		v.summary.SetText("")
		v.steps.SetText("")
		v.notes.SetText("")
		v.drawButton()
		return
	}
	o := p.Shape()
	reading := o.Reading()
	notes := make([]string, len(reading))
	for i, n := range reading {
		notes[i] = explain.Printable(n) // cloud text (a comment) may hold anything
	}
	summary := ""
	if len(notes) > 0 {
		summary, notes = notes[0], notes[1:]
	}
	v.summary.SetText(summary)
	v.steps.SetText(stepsText(o.Steps))
	v.notes.SetText(strings.Join(notes, "\n"))
	if c := o.Confirm; c.Kind == restore.ConfirmName {
		name, reason := c.Name, c.Reason
		// No placeholder: grey words in the field (even "Type the environment's name")
		// read as typed already; the line above says what to type.
		line := "Type " + name + " to confirm."
		if reason != "" && !saysAlready(reading, reason) {
			line = reason + " " + line
		}
		v.typeBox.Add(wrapped(line))
		v.typeBox.Add(v.typed)
		v.asked = true
		if !asked {
			v.focusTyped()
		}
	}
	v.drawButton()
}

// drawOr shows plan p, or (err set) the engine's refusal on status with no plan. UI
// goroutine.
func (v *planView) drawOr(status *widget.Label, p restore.Planned, err error) {
	if err != nil {
		status.SetText(explainLine(err))
		status.Show()
		v.draw(nil)
		return
	}
	status.Hide()
	v.draw(p)
}

// focusTyped gives the typed name the keyboard when it is first asked for, unless the
// user is in another field of the dialog already.
func (v *planView) focusTyped() {
	if v.typed.win == nil {
		return
	}
	if c := v.typed.win.Canvas(); c.Focused() == nil {
		c.Focus(v.typed)
	}
}

// hold keeps the plan drawn while its next one is being made (an option was changed),
// so nothing moves under the pointer; nothing can be confirmed until draw.
func (v *planView) hold() {
	v.plan = nil
	v.drawButton()
}

// saysAlready reports whether a note already gives reason (core's notes mostly do).
func saysAlready(notes []string, reason string) bool {
	r := strings.TrimSuffix(reason, ".")
	for _, n := range notes {
		if strings.Contains(n, r) {
			return true
		}
	}
	return false
}

// confirmed reports whether the plan shown is confirmed by what was typed.
func (v *planView) confirmed() bool {
	return v.plan != nil && v.plan.ConfirmWith(v.typed.Text) && (v.canSend == nil || v.canSend())
}

// drawButton enables the confirming button when the plan is confirmed.
func (v *planView) drawButton() {
	if v.confirmed() {
		v.ok.Enable()
	} else {
		v.ok.Disable()
	}
}

// submit hands the confirmed plan on; an unconfirmed one runs nothing.
func (v *planView) submit() {
	if v.confirmed() {
		v.onSubmit(v.plan)
	}
}
