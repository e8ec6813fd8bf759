package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// progressDialog shows the bytes of a file being read, with Cancel. It prints the view of
// its updater (core/progress), which paces it: workers feed events to events().
type progressDialog struct {
	dialog  *dialog.CustomDialog
	bar     *widget.ProgressBar
	info    *widget.Label
	up      *progress.Updater
	ctx     context.Context
	cancel  context.CancelFunc
	closing bool // UI goroutine: close, not the user, hides the dialog
}

// newProgressDialog shows the dialog; its context ends when the user presses Cancel or
// the dialog is closed. UI goroutine.
func (k *kit) newProgressDialog(title, text string) *progressDialog {
	p := &progressDialog{}
	p.ctx, p.cancel = context.WithCancel(k.ctx)
	p.bar = widget.NewProgressBar()
	p.info = widget.NewLabel("Starting…")
	p.dialog = dialog.NewCustom(title, "Cancel", container.NewVBox(wrapped(text), p.bar, p.info), k.win)
	p.dialog.SetOnClosed(func() {
		if !p.closing {
			p.cancel()
		}
	})
	p.dialog.Resize(fyne.NewSize(520, 0))
	p.dialog.Show()
	drawn := int64(-1)
	p.up = progress.NewUpdater(progress.DefaultInterval, k.now, title, nil, func(v progress.View, final bool) {
		b := v.Bytes
		if v.Counting < 0 || b.Total <= 0 || b.Done == drawn {
			return // nothing new to draw: leave the UI goroutine alone
		}
		drawn = b.Done
		k.do(func() {
			p.bar.SetValue(b.Fraction())
			p.info.SetText(fmt.Sprintf("%s of %s read", progress.Size(b.Done), progress.Size(b.Total)))
		})
	})
	return p
}

// events is the sink for the engine's events while the dialog is shown. Any goroutine.
func (p *progressDialog) events() func(restore.Event) { return restore.Follow(p.up) }

// end stops the updater; close hides the dialog. end: any goroutine, once.
func (p *progressDialog) end() { p.up.Done(progress.RunCompleted, "", nil) }

// close hides the dialog without counting as a cancel. UI goroutine.
func (p *progressDialog) close() {
	p.closing = true
	p.dialog.Hide()
	p.cancel()
}
