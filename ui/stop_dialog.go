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
// restore (for lastShown: it is a confirm dialog like others), over the window the user
// confirmed the restore in.
type stopPrompt struct {
	*dialog.ConfirmDialog
	over fyne.Window
}

// askStop asks before a running environment is stopped for a restore, as the portal's
// "Stop Application" does, over the window the restore was confirmed in (nil: the main
// window; History for an undo). Declining changes nothing. While the question for this
// environment is open, asking again opens no second one. UI goroutine.
func askStop(k *kit, over fyne.Window, plan *restore.Plan, onStop func()) *dialog.ConfirmDialog {
	if over == nil {
		over = k.win
	}
	envID := plan.Request.Target.Env.EnvironmentID
	if open := k.asking[envID]; open != nil {
		open.Show() // already asked: keep that one, in front
		return open
	}
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
	}, over)
	d.SetConfirmImportance(widget.DangerImportance)
	d.Resize(fyne.NewSize(560, 0))
	if k.asking == nil {
		k.asking = map[string]*dialog.ConfirmDialog{}
	}
	k.asking[envID] = d
	d.SetOnClosed(func() { delete(k.asking, envID) })
	d.Show()
	k.shown(stopPrompt{d, over}) // Escape closes it: Cancel
	return d
}
