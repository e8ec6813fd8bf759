package ui

import (
	"context"
	"sync/atomic"
	"time"
)

// planPause lets typing settle before a dialog plans: each plan asks the cloud or logs in
// to a server, and a name or password typed letter by letter must not become a burst of
// requests (or of failed logins).
const planPause = 400 * time.Millisecond

// latest shows only the answer to the latest question: each ask supersedes the ones
// before it, whose answers are dropped. Every load of a list and every plan of a dialog
// goes through one. The zero value asks at once; pause (planPause for typed choices)
// lets the choices settle first, except for the first ask, as a dialog opens.
type latest struct {
	pause time.Duration
	n     atomic.Uint64 // bumped on the UI goroutine, read by the waiting workers
}

// worker runs work off the UI goroutine and brings answers back to it: the window's
// loop, or a test's stepper that delivers answers in the order it chooses.
type worker interface {
	background(work func(ctx context.Context))
	do(fn func())
}

// ask runs work in the background (after the pause, unless asked again meanwhile); the
// function work returns is run on the UI goroutine if no later ask came meanwhile.
// UI goroutine.
func (l *latest) ask(lp worker, work func(ctx context.Context) (show func())) {
	n := l.n.Add(1)
	pause := l.pause
	if n == 1 {
		pause = 0
	}
	lp.background(func(ctx context.Context) {
		if pause > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			if l.n.Load() != n {
				return // changed on: a later ask answers
			}
		}
		show := work(ctx)
		lp.do(func() {
			if l.n.Load() == n {
				show()
			}
		})
	})
}

// drop forgets the questions under way: their answers draw nothing. UI goroutine.
func (l *latest) drop() { l.n.Add(1) }

// asked counts the asks so far: a later count means a newer question was asked.
func (l *latest) asked() uint64 { return l.n.Load() }
