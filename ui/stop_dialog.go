package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/restore"
)

// planHas reports whether plan has a step of kind.
func planHas(plan *restore.Plan, kind restore.StepKind) bool {
	return slices.ContainsFunc(plan.Steps, func(s restore.Step) bool { return s.Kind == kind })
}

// planStepsText numbers the plan's steps, one a line.
func planStepsText(plan *restore.Plan) string {
	var b strings.Builder
	for i, s := range plan.Steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s.Title)
	}
	return strings.TrimRight(b.String(), "\n")
}

// showStopPrompt asks before a running environment is stopped for a restore, as the
// portal's "Stop Application" does. Declining changes nothing. UI goroutine.
func (u *UI) showStopPrompt(plan *restore.Plan, onStop func()) *dialog.ConfirmDialog {
	mode := plan.Request.Target.Env.Mode
	text := fmt.Sprintf("%s is running. It must be stopped to restore. Stop Application?", mode)
	body := container.NewVBox(wrapped(text))
	if planHas(plan, restore.StepUpload) {
		body.Add(wrapped(fmt.Sprintf("%s keeps running while the archive uploads; it is stopped only once the archive was accepted.", mode)))
	}
	steps := wrapped(planStepsText(plan))
	body.Add(widget.NewLabelWithStyle("What happens next:", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	body.Add(steps)
	for _, n := range plan.Notes {
		body.Add(wrapped(n))
	}
	// The button says what it does: stop, then restore (the portal's "Stop Application").
	d := dialog.NewCustomConfirm(mode+" is running", "Stop and restore", "Cancel", body, func(ok bool) {
		if ok {
			onStop()
			return
		}
		u.status.SetText(fmt.Sprintf("Nothing was changed: %s keeps running.", mode))
	}, u.win)
	d.SetConfirmImportance(widget.DangerImportance)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
	closeOnEscape(u.win, d)
	u.stopPrompt = d
	return d
}
