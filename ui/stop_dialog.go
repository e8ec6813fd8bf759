package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/restore"
)

// stopPrompt is the question asked before a running environment is stopped for a
// restore (for lastShown: it is a confirm dialog like others).
type stopPrompt struct{ *dialog.ConfirmDialog }

// askStop asks before a running environment is stopped for a restore, as the portal's
// "Stop Application" does. Declining changes nothing. UI goroutine.
func askStop(k *kit, plan *restore.Plan, onStop func()) *dialog.ConfirmDialog {
	mode := plan.Request.Target.Env.Mode
	text := fmt.Sprintf("%s is running. It must be stopped to restore. Stop Application?", mode)
	body := container.NewVBox(wrapped(text))
	if planHas(plan, restore.StepUpload) {
		body.Add(wrapped(fmt.Sprintf("%s keeps running while the archive uploads; it is stopped only once the archive was accepted.", mode)))
	}
	steps := wrapped(stepsText(plan.Steps))
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
		k.say(fmt.Sprintf("Nothing was changed: %s keeps running.", mode))
	}, k.win)
	d.SetConfirmImportance(widget.DangerImportance)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
	closeOnEscape(k.win, d)
	k.shown(stopPrompt{d})
	return d
}
