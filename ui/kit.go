package ui

import (
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
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

	// seen, when set, is told of each dialog as it is shown: the screenshot tour and the
	// tests find the dialogs they drive this way (lastShown). UI goroutine.
	seen func(shown any)
}

// shown tells seen of a dialog just shown. UI goroutine.
func (k *kit) shown(d any) {
	if k.seen != nil {
		k.seen(d)
	}
}

// say puts a sentence on the status line. UI goroutine.
func (k *kit) say(text string) { k.status.SetText(text) }
