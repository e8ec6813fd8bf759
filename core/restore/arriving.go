package restore

import (
	"io"
	"sync"
	"time"
)

// arriving is the restore's end of a streamed download: it reads what the download hands
// on ahead of the restore, up to a bound, and times it. Reading ahead keeps the download
// at its own pace while the dump's head is judged (the checks take a tenth of a second,
// in which a fast download would otherwise stand still), so that how long the rest will
// take is told from the download's real pace rather than from the first few bytes, whose
// time is mostly the wait for the host's answer.
type arriving struct {
	src   io.Reader
	limit int // bytes read ahead at most

	mu      sync.Mutex
	cond    *sync.Cond
	queue   [][]byte // read ahead, not yet taken
	held    int      // bytes in queue
	free    [][]byte // buffers taken whole, for reading ahead again
	err     error    // how src ended, once it did
	stopped bool     // the restore stopped reading: reading ahead ends

	// The pace: when the first bytes came (and how many), when the read-ahead first
	// filled up (the download then waits for the restore), and how many came in all.
	first  time.Time
	firstN int64
	full   time.Time
	n      int64
	paced  chan struct{} // closed once the pace is known without waiting: full, or ended
	begun  chan struct{} // closed once the first bytes came, or src ended
	signal sync.Once
	began  sync.Once
}

// readAheadLimit bounds what a stream holds beyond the dump's head: at a download's full
// speed on loopback it fills in a few milliseconds, enough to tell the pace. It is read
// in pieces of readAheadPiece, whose buffers are used again once taken.
const (
	readAheadLimit = 4 << 20
	readAheadPiece = 256 << 10
)

// paceWindow is how long after the first bytes the pace is judged at the latest.
const paceWindow = 100 * time.Millisecond

func newArriving(src io.Reader, limit int) *arriving {
	a := &arriving{src: src, limit: limit, paced: make(chan struct{}), begun: make(chan struct{})}
	a.cond = sync.NewCond(&a.mu)
	go a.readAhead()
	return a
}

// readAhead reads src until it ends or the restore stops reading, holding at most limit
// bytes the restore has not taken.
func (a *arriving) readAhead() {
	for {
		a.mu.Lock()
		for a.held >= a.limit && !a.stopped {
			a.cond.Wait()
		}
		stopped := a.stopped
		var buf []byte
		if n := len(a.free); n > 0 {
			buf, a.free = a.free[n-1], a.free[:n-1]
		}
		a.mu.Unlock()
		if stopped {
			return
		}
		if buf == nil {
			buf = make([]byte, readAheadPiece)
		}
		k, err := a.src.Read(buf)
		now := time.Now()
		a.mu.Lock()
		if a.stopped {
			a.mu.Unlock()
			return
		}
		if k > 0 {
			if a.n == 0 {
				a.first, a.firstN = now, int64(k)
				a.began.Do(func() { close(a.begun) })
			}
			a.n += int64(k)
			a.queue = append(a.queue, buf[:k])
			a.held += k
			if a.held >= a.limit && a.full.IsZero() {
				a.full = now
				a.signal.Do(func() { close(a.paced) })
			}
		}
		if err != nil {
			a.err = err
			a.began.Do(func() { close(a.begun) })
			a.signal.Do(func() { close(a.paced) })
		}
		a.cond.Broadcast()
		a.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Read takes what was read ahead, in order; once src ended and all was taken, its error.
func (a *arriving) Read(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.queue) == 0 && a.err == nil && !a.stopped {
		a.cond.Wait()
	}
	if len(a.queue) == 0 {
		if a.stopped {
			return 0, errStreamStopped
		}
		return 0, a.err
	}
	k := copy(p, a.queue[0])
	if k == len(a.queue[0]) {
		a.free = append(a.free, a.queue[0][:cap(a.queue[0])])
		a.queue[0] = nil
		a.queue = a.queue[1:]
	} else {
		a.queue[0] = a.queue[0][k:]
	}
	a.held -= k
	a.cond.Broadcast()
	return k, nil
}

// stop ends reading ahead and drops what was held; the caller closes src, so that a read
// of it still waiting returns.
func (a *arriving) stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped, a.queue, a.held = true, nil, 0
	a.cond.Broadcast()
}

// rest is how long the rest of total bytes will take at the pace they arrive: 0 when
// total is not known or all came. The pace is the bytes that came after the first ones
// over the time since those, up to when the read-ahead filled up; it waits for it until
// paceWindow after the first bytes (or until done is closed).
func (a *arriving) rest(total int64, done <-chan struct{}) time.Duration {
	select {
	case <-a.begun:
	case <-done:
		return 0
	}
	a.mu.Lock()
	wait := paceWindow - time.Since(a.first)
	a.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-a.paced:
		case <-t.C:
		case <-done:
		}
		t.Stop()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if total <= a.n || a.err != nil {
		return 0 // all came (or the download ended early: its end says why)
	}
	until := time.Now()
	if !a.full.IsZero() {
		until = a.full
	}
	took, came := until.Sub(a.first), a.n-a.firstN
	if came <= 0 || took <= 0 {
		// Nothing more came since the first bytes: the pace is at most that.
		took, came = max(until.Sub(a.first), paceWindow), max(a.firstN, 1)
	}
	return time.Duration(float64(took) * float64(total-a.n) / float64(came))
}
