package restore

import (
	"sync"
	"sync/atomic"
	"time"
)

// Counter counts bytes of one transfer or scan. Work code only calls Add (cheap, atomic,
// safe from any goroutine); presenters call Snapshot on their own schedule (a ticker) and
// draw. This keeps drawing out of the hot path, as restic's progress counters do.
type Counter struct {
	done  atomic.Int64
	total atomic.Int64
	now   func() time.Time

	mu      sync.Mutex
	start   time.Time
	base    int64 // bytes already there when counting began (a resumed upload)
	samples [rateSamples]sample
	next    int
	filled  int
}

type sample struct {
	at   time.Time
	done int64
}

// rateSamples bounds the window over which the rate is measured: with a presenter polling
// every ~200 ms the window covers the last few seconds, so the rate follows real changes
// (a slower network) without jumping on every chunk.
const rateSamples = 20

// NewCounter starts counting towards total bytes, already holding done bytes (a resumed
// upload starts at the server's offset; those bytes do not count towards the rate).
// now may be nil (time.Now).
func NewCounter(done, total int64, now func() time.Time) *Counter {
	if now == nil {
		now = time.Now
	}
	c := &Counter{now: now}
	c.done.Store(done)
	c.total.Store(total)
	c.start = now()
	c.base = done
	return c
}

// Add counts n more bytes.
func (c *Counter) Add(n int64) { c.done.Add(n) }

// Set replaces the count (e.g. after the server reported its offset on resume).
func (c *Counter) Set(done int64) { c.done.Store(done) }

// Done is the bytes counted so far.
func (c *Counter) Done() int64 { return c.done.Load() }

// Progress is a counter's state at one moment, ready to draw.
type Progress struct {
	Done, Total int64
	Elapsed     time.Duration
	Rate        float64       // bytes per second over the recent window; 0 while unknown
	ETA         time.Duration // time left at Rate; 0 while unknown or finished
}

// Fraction is Done/Total in [0, 1] (0 when Total is unknown).
func (p Progress) Fraction() float64 {
	if p.Total <= 0 {
		return 0
	}
	f := float64(p.Done) / float64(p.Total)
	if f > 1 {
		f = 1
	}
	return f
}

// Snapshot reads the counter and updates the rate estimate. Call it from one presenter
// at a steady pace; calling it more often only narrows the window.
func (c *Counter) Snapshot() Progress {
	now := c.now()
	done, total := c.done.Load(), c.total.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.samples[c.next] = sample{at: now, done: done}
	c.next = (c.next + 1) % rateSamples
	if c.filled < rateSamples {
		c.filled++
	}
	oldest := c.samples[(c.next-c.filled+rateSamples)%rateSamples]
	if c.filled < rateSamples {
		// Until the window is full, measure from the start (a fresh transfer has no
		// history; a short window would swing wildly).
		oldest = sample{at: c.start, done: c.base}
	}
	p := Progress{Done: done, Total: total, Elapsed: now.Sub(c.start)}
	if span := now.Sub(oldest.at); span > 0 && done > oldest.done {
		p.Rate = float64(done-oldest.done) / span.Seconds()
	}
	if p.Rate > 0 && total > done {
		p.ETA = time.Duration(float64(total-done) / p.Rate * float64(time.Second))
	}
	return p
}
