package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// loop runs the window's work off the UI goroutine and brings its answers back to it.
// Every part of the window is given the loop, never the window itself.
type loop struct {
	ctx context.Context // ends when the window closes

	// mu serialises the functions run through do. In the running app fyne.Do runs them one
	// at a time on the UI goroutine anyway and the lock is never contended; the test
	// driver runs them on the calling goroutine, where it keeps two workers apart.
	mu sync.Mutex
	wg sync.WaitGroup // background work; Close and tests wait for it
}

// do runs fn on the UI goroutine. Use it from goroutines only, never from a callback.
func (l *loop) do(fn func()) {
	fyne.Do(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		fn()
	})
}

// background runs work in a goroutine that Close waits for.
func (l *loop) background(work func(ctx context.Context)) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		work(l.ctx)
	}()
}

// wait waits up to limit for the background work to end; false if some still runs.
func (l *loop) wait(limit time.Duration) bool {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}
