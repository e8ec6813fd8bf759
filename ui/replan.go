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

// latestPlan plans a dialog's choices once they stopped changing for planPause, off the
// UI goroutine, and shows only the answer for the latest choices. The zero value is ready.
type latestPlan struct {
	seq atomic.Uint64 // bumped on the UI goroutine, read by the waiting planners
}

// after plans in the background unless another change comes within planPause; the
// function plan returns is run on the UI goroutine if no change came meanwhile either.
// The first plan, as the dialog opens, does not wait: nothing is being typed yet.
// UI goroutine.
func (l *latestPlan) after(u *UI, plan func(ctx context.Context) (show func())) {
	seq := l.seq.Add(1)
	pause := planPause
	if seq == 1 {
		pause = 0
	}
	u.background(func(ctx context.Context) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		if l.seq.Load() != seq {
			return // changed on: a later call plans
		}
		show := plan(ctx)
		u.do(func() {
			if l.seq.Load() == seq {
				show()
			}
		})
	})
}

// drop forgets the plans under way: the choices changed into something not to plan.
// UI goroutine.
func (l *latestPlan) drop() { l.seq.Add(1) }
