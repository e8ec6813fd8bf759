package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/restore"
)

// planLines are the part of a dialog that shows its plan being made: a status line while
// the engine checks it or when the engine refuses it, then the plan's steps and notes.
// okBtn, the dialog's main button, is enabled only while a plan is shown.
type planLines struct {
	status, steps, notes *widget.Label
	okBtn                *widget.Button
}

func newPlanLines(ok *widget.Button) planLines {
	ok.Importance = widget.HighImportance
	return planLines{status: wrapped(""), steps: wrapped(""), notes: wrapped(""), okBtn: ok}
}

// objects are the status, the headed steps and the notes, for the dialog's body.
func (l planLines) objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{l.status, headedSteps(l.steps), l.notes}
}

// show draws the engine's refusal (err), a plan (planned, with its steps and notes), or
// waiting while neither has come. UI goroutine.
func (l planLines) show(planned bool, steps []restore.Step, notes []string, err error, waiting string) {
	switch {
	case err != nil:
		l.status.SetText(explainLine(err))
		l.status.Show()
	case !planned:
		l.status.SetText(waiting)
		l.status.Show()
	default:
		l.status.Hide()
	}
	if !planned {
		l.steps.SetText("")
		l.notes.SetText("")
		l.okBtn.Disable()
		return
	}
	l.steps.SetText(stepsText(steps))
	l.notes.SetText(strings.Join(notes, "\n"))
	l.okBtn.Enable()
}
