package ui

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// progressDialog shows a byte count growing while a file is read, with Cancel. Workers
// call set from any goroutine (two atomic stores); a presenter draws at presentEvery.
type progressDialog struct {
	dialog      *dialog.CustomDialog
	bar         *widget.ProgressBar
	info        *widget.Label
	done, total atomic.Int64
	stop        chan struct{}
	ctx         context.Context
	cancel      context.CancelFunc
	closing     bool // UI goroutine: close, not the user, hides the dialog
}

// newProgressDialog shows the dialog; its context ends when the user presses Cancel or
// the dialog is closed. UI goroutine.
func (u *UI) newProgressDialog(title, text string) *progressDialog {
	p := &progressDialog{stop: make(chan struct{})}
	p.ctx, p.cancel = context.WithCancel(u.ctx)
	p.bar = widget.NewProgressBar()
	p.info = widget.NewLabel("Starting…")
	p.dialog = dialog.NewCustom(title, "Cancel", container.NewVBox(wrapped(text), p.bar, p.info), u.win)
	p.dialog.SetOnClosed(func() {
		if !p.closing {
			p.cancel()
		}
	})
	p.dialog.Resize(fyne.NewSize(520, 0))
	p.dialog.Show()
	u.background(func(context.Context) {
		t := time.NewTicker(presentEvery)
		defer t.Stop()
		var drawn int64 = -1
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				done, total := p.done.Load(), p.total.Load()
				if total <= 0 || done == drawn {
					continue // nothing new to draw: leave the UI goroutine alone
				}
				drawn = done
				u.do(func() {
					p.bar.SetValue(float64(done) / float64(total))
					p.info.SetText(fmt.Sprintf("%s of %s read", sizeText(done), sizeText(total)))
				})
			}
		}
	})
	return p
}

// set records progress. Any goroutine.
func (p *progressDialog) set(done, total int64) {
	p.done.Store(done)
	p.total.Store(total)
}

// end stops the presenter; close hides the dialog. end: any goroutine, once.
func (p *progressDialog) end() { close(p.stop) }

// close hides the dialog without counting as a cancel. UI goroutine.
func (p *progressDialog) close() {
	p.closing = true
	p.dialog.Hide()
	p.cancel()
}
