// Package progress owns how work reports progress and how it is measured: work code adds
// to a Counter and reports step events to an Updater; the Updater alone paces the
// presenters (a ticker, and one final call), measures rate and ETA, and keeps the View
// every front end prints. It also owns how byte counts are said (Size).
package progress

import "sync/atomic"

// Counter counts the bytes of one transfer or scan. Work code calls Add or Set (cheap,
// atomic, any goroutine); only the Updater reads it, at its own pace.
type Counter struct {
	done  atomic.Int64
	total atomic.Int64
	base  atomic.Int64 // bytes there before counting began (a resumed upload): no rate
}

// NewCounter counts towards total bytes, already holding done bytes, which do not count
// towards the rate (a resumed upload starts at the server's offset).
func NewCounter(done, total int64) *Counter {
	c := &Counter{}
	c.done.Store(done)
	c.total.Store(total)
	c.base.Store(done)
	return c
}

// Add counts n more bytes.
func (c *Counter) Add(n int64) { c.done.Add(n) }

// Set replaces the count (e.g. after the server reported its offset on resume).
func (c *Counter) Set(done int64) { c.done.Store(done) }

// SetTotal replaces the total (a scan learns it once it has opened the file).
func (c *Counter) SetTotal(total int64) { c.total.Store(total) }

// Load returns the bytes done and the total.
func (c *Counter) Load() (done, total int64) { return c.done.Load(), c.total.Load() }
