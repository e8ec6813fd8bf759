package progress

import (
	"sync"
	"time"
)

// DefaultInterval is how often an Updater paces its printer: about ten times a second.
const DefaultInterval = 100 * time.Millisecond

// rateSamples bounds the window over which the rate is measured: at the Updater's pace it
// covers the last few seconds, so the rate follows real changes (a slower network)
// without jumping on every chunk.
const rateSamples = 20

type sample struct {
	at   time.Time
	done int64
}

// Updater turns a run's step events and byte counter into a View and hands it to a
// printer: on every tick of its ticker while the run goes on, and once more, final, when
// the run is done. It is the only place that measures rate and ETA. Its methods are safe
// from any goroutine; the printer is called from one goroutine at a time, never with a
// lock held, so it may block (e.g. on fyne.Do).
type Updater struct {
	now   func() time.Time
	print func(v View, final bool)

	mu      sync.Mutex
	view    View
	counter *Counter
	cstep   int // the step the counter belongs to
	cstart  time.Time
	cbase   int64
	samples [rateSamples]sample
	next    int
	filled  int
	ended   bool

	stop chan struct{}
	wg   sync.WaitGroup
}

// NewUpdater starts pacing print every interval (DefaultInterval when 0) until Done. now
// may be nil (time.Now). title names the run; steps (may be empty) are the planned steps.
func NewUpdater(interval time.Duration, now func() time.Time, title string, steps []Step, print func(v View, final bool)) *Updater {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if now == nil {
		now = time.Now
	}
	if print == nil {
		print = func(View, bool) {}
	}
	u := &Updater{now: now, print: print, stop: make(chan struct{})}
	u.view = View{Title: title, Current: -1, Counting: -1, State: RunRunning, Started: now(), Planned: len(steps)}
	for _, s := range steps {
		s.State = StepPending
		u.view.Steps = append(u.view.Steps, s)
	}
	u.wg.Add(1)
	go u.run(interval)
	return u
}

func (u *Updater) run(interval time.Duration) {
	defer u.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-u.stop:
			return
		case <-t.C:
			u.print(u.tick(), false)
		}
	}
}

// tick measures the counter and returns a copy of the view.
func (u *Updater) tick() View {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.measure()
	return u.view.clone()
}

// View returns the view as it is now (without measuring).
func (u *Updater) View() View {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.view.clone()
}

// measure samples the counter and updates the running step's bytes, rate and ETA.
func (u *Updater) measure() {
	if u.counter == nil {
		return
	}
	now := u.now()
	done, total := u.counter.Load()
	u.samples[u.next] = sample{at: now, done: done}
	u.next = (u.next + 1) % rateSamples
	if u.filled < rateSamples {
		u.filled++
	}
	oldest := u.samples[(u.next-u.filled+rateSamples)%rateSamples]
	if u.filled < rateSamples {
		// Until the window is full, measure from the start: a fresh transfer has no
		// history, and a short window would swing wildly.
		oldest = sample{at: u.cstart, done: u.cbase}
	}
	b := Bytes{Done: done, Total: total}
	if span := now.Sub(oldest.at); span > 0 && done > oldest.done {
		b.Rate = float64(done-oldest.done) / span.Seconds()
	}
	if b.Rate > 0 && total > done {
		b.ETA = time.Duration(float64(total-done) / b.Rate * float64(time.Second))
	}
	u.view.Bytes = b
}

// step finds (or, for a step not planned, appends) the step of kind.
func (u *Updater) step(kind string) int {
	if kind == "" {
		return -1
	}
	for i, s := range u.view.Steps {
		if s.Kind == kind {
			return i
		}
	}
	u.view.Steps = append(u.view.Steps, Step{Kind: kind, Title: kind, State: StepPending})
	return len(u.view.Steps) - 1
}

func (u *Updater) log(kind LineKind, i int, text string, b Bytes) {
	u.view.Log = append(u.view.Log, Line{Kind: kind, Step: i, Text: text, Bytes: b})
}

// StepStarted marks the step of kind running with its title; cancellable says whether
// cancelling during it leaves everything as it was.
func (u *Updater) StepStarted(kind, title string, cancellable bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := u.step(kind)
	if title != "" {
		u.view.Steps[i].Title = title
	}
	u.view.Steps[i].State = StepRunning
	u.view.Current = i
	u.view.Cancellable = cancellable
	u.view.JobState, u.view.JobMessage = "", ""
	u.endCount()
	u.log(LineStarted, i, u.view.Steps[i].Title, Bytes{})
}

// Count makes c the byte counter of the step of kind; the work adds to it from now on.
func (u *Updater) Count(kind string, c *Counter) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.endCount()
	u.counter, u.cstep, u.cstart, u.cbase = c, u.step(kind), u.now(), c.base.Load()
	u.view.Counting = u.cstep
	u.next, u.filled = 0, 0
	u.measure()
}

// endCount records the final count of the counted step on its line and stops measuring.
func (u *Updater) endCount() {
	if u.counter == nil {
		return
	}
	i := u.cstep
	u.measure()
	b := u.view.Bytes
	b.ETA = 0
	if el := u.now().Sub(u.cstart); el > 0 && b.Done > u.cbase {
		b.Rate = float64(b.Done-u.cbase) / el.Seconds() // the average over the whole transfer
	}
	if i >= 0 && i < len(u.view.Steps) {
		u.view.Steps[i].Bytes = b
	}
	u.log(LineBytes, i, "", b)
	u.counter = nil
	u.view.Counting, u.view.Bytes = -1, Bytes{}
}

// Note records something said about the step of kind ("" for the run as a whole).
func (u *Updater) Note(kind, text string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := u.step(kind)
	if i >= 0 {
		u.view.Steps[i].Message = text
	}
	u.log(LineNote, i, text, Bytes{})
}

// Job records the state of the cloud job the step of kind follows; a repeat of the last
// state and message is not logged again.
func (u *Updater) Job(kind, state, text string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := u.step(kind)
	if u.view.JobState == state && u.view.JobMessage == text && u.view.Current == i {
		return
	}
	u.view.JobState, u.view.JobMessage = state, text
	line := state
	if text != "" {
		line = state + ": " + text
	}
	if line != "" {
		u.log(LineJob, i, line, Bytes{})
	}
}

// StepDone marks the step of kind done with its outcome.
func (u *Updater) StepDone(kind, text string) { u.stepEnd(kind, StepDone, LineDone, text) }

// StepFailed marks the step of kind failed, saying what that means.
func (u *Updater) StepFailed(kind, text string) { u.stepEnd(kind, StepFailed, LineFailed, text) }

func (u *Updater) stepEnd(kind string, st StepState, lk LineKind, text string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	i := u.step(kind)
	u.endCount()
	if i >= 0 {
		u.view.Steps[i].State = st
		if text != "" {
			u.view.Steps[i].Message = text
		}
	}
	if u.view.Current == i {
		u.view.Current = -1
		u.view.JobState, u.view.JobMessage = "", ""
		u.view.Cancellable = false
	}
	u.log(lk, i, text, Bytes{})
}

// Done ends the run: it stops the ticker and prints the final view once. A step still
// running is marked done when the run completed, failed otherwise. Later calls do nothing.
func (u *Updater) Done(state RunState, message string, err error) View {
	u.mu.Lock()
	if u.ended {
		v := u.view.clone()
		u.mu.Unlock()
		return v
	}
	u.ended = true
	u.mu.Unlock()
	close(u.stop)
	u.wg.Wait()

	u.mu.Lock()
	u.endCount()
	for i := range u.view.Steps {
		if u.view.Steps[i].State == StepRunning {
			u.view.Steps[i].State = StepFailed
			if state == RunCompleted {
				u.view.Steps[i].State = StepDone
			}
		}
	}
	u.view.Current, u.view.Cancellable = -1, false
	u.view.JobState, u.view.JobMessage = "", ""
	u.view.State, u.view.Message, u.view.Err = state, message, err
	u.view.Finished = u.now()
	v := u.view.clone()
	u.mu.Unlock()
	u.print(v, true)
	return v
}
