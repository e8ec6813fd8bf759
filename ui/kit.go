package ui

import (
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// kit is what every part of the window is given, in Rymdport's manner: the window it
// draws over, the loop that works off the UI goroutine and comes back to it, the status
// line, and the clock; its methods tell the user something (errors_dialog.go, handoff.go,
// notify.go). Parts get the kit and the few other parts they use, never the whole UI.
type kit struct {
	*loop
	app    fyne.App
	win    fyne.Window
	status *widget.Label // the window's status line
	now    func() time.Time
	log    *slog.Logger

	// asking holds the stop prompt open for each environment (by id): one at a time.
	// UI goroutine.
	asking map[string]*dialog.ConfirmDialog

	// seen, when set, is told of each dialog as it is shown: the screenshot tour and the
	// tests find the dialogs they drive this way (lastShown). UI goroutine.
	seen func(shown any)
}

// shown tells seen of a dialog just shown, and lets Escape close it. UI goroutine.
func (k *kit) shown(d any) {
	if dlg, over := k.escapable(d); dlg != nil {
		closeOnEscape(over, dlg)
	}
	if k.seen != nil {
		k.seen(d)
	}
}

// setContent shows obj as the window's whole content. The focused field is let go first:
// Fyne keeps a field focused across a content change without telling it, and its cursor
// then blinks unseen, redrawing the window twice a second for as long as it stays open.
func (k *kit) setContent(obj fyne.CanvasObject) {
	k.win.Canvas().Unfocus()
	k.win.SetContent(obj)
}

// say puts a sentence on the status line. UI goroutine.
func (k *kit) say(text string) { k.status.SetText(text) }

// escapable is the dialog of a shown one that Escape closes, and the window it shows
// over; nil for one Escape must not close (a file chooser keeps its keys).
func (k *kit) escapable(d any) (dialog.Dialog, fyne.Window) {
	switch d := d.(type) {
	case *planDialog:
		return d.dialog, d.parent
	case *manageDialog:
		return d.dialog, k.win
	case stopPrompt:
		return d.ConfirmDialog, d.over
	case closePrompt:
		return d.ConfirmDialog, k.win
	case keyringPrompt:
		return d.ConfirmDialog, k.win
	case *inspectionDialog:
		return d.dialog, k.win
	case *downloadDialog:
		return d.dialog, k.win
	case *localDBDialog:
		return d.dialog, k.win
	case *localReport:
		return d.dialog, k.win
	case *lookDialog:
		return d.dialog, k.win
	case *compareChooser:
		return d.dialog, k.win
	case *compareDialog:
		return d.dialog, k.win
	case *rowsRestoreDialog:
		return d.dialog, k.win
	case *linkDialog:
		return d.dialog, k.win
	case *dialog.FileDialog:
		return nil, nil // its own fields and keys
	case dialog.Dialog:
		return d, k.win
	}
	return nil, nil
}
