package progress

import (
	"slices"
	"time"
)

// StepState is where a step of a run is.
type StepState string

// Step states, in the order a step goes through them.
const (
	StepPending StepState = "pending"
	StepRunning StepState = "running"
	StepDone    StepState = "done"
	StepFailed  StepState = "failed"
)

// RunState is where a run is.
type RunState string

// Run states. A run that stopped being followed while its work goes on in the cloud
// ends Cancelled (following was cancelled), with a message that says so.
const (
	RunRunning   RunState = "running"
	RunCompleted RunState = "completed"
	RunFailed    RunState = "failed"
	RunCancelled RunState = "cancelled"
)

// Label is the run state as a person reads it.
func (s RunState) Label() string {
	switch s {
	case RunRunning:
		return "running"
	case RunCompleted:
		return "finished"
	case RunFailed:
		return "failed"
	case RunCancelled:
		return "cancelled"
	}
	return string(s)
}

// Step is one step of a run as every front end shows it.
type Step struct {
	Kind    string // the engine's step kind ("upload")
	Title   string // the engine's sentence for it
	State   StepState
	Message string // the last thing said about it (outcome, job message)
	// Bytes is the step's byte count once it has ended (Total 0: it counted none).
	Bytes Bytes
}

// Bytes is the progress of a transfer or scan.
type Bytes struct {
	Done, Total int64
	Rate        float64       // bytes per second over the last few seconds; 0 while unknown
	ETA         time.Duration // time left at Rate; 0 while unknown or finished
}

// Fraction is Done/Total in [0, 1] (0 when Total is unknown).
func (b Bytes) Fraction() float64 {
	if b.Total <= 0 {
		return 0
	}
	return min(1, float64(b.Done)/float64(b.Total))
}

// LineKind is what a line of a run's log tells.
type LineKind string

// Kinds of log lines.
const (
	LineStarted LineKind = "started" // a step began: Text is its title
	LineNote    LineKind = "note"    // something said along the way
	LineJob     LineKind = "job"     // a cloud job's state changed: Text is "state: message"
	LineBytes   LineKind = "bytes"   // a counted step ended: Bytes holds its final count
	LineDone    LineKind = "done"    // a step ended well: Text is its outcome
	LineFailed  LineKind = "failed"  // a step failed: Text says what that means
)

// Line is one entry of a run's log, in the order things happened. Printers that write a
// transcript (the CLI) print the lines they have not printed yet; printers that draw
// the state (the jobs panel) use the rest of the View.
type Line struct {
	Kind  LineKind
	Step  int // index into View.Steps; -1 for the run as a whole
	Text  string
	Bytes Bytes
}

// View is a run as the front ends show it: the one model the jobs panel, the progress
// dialog and the CLI print. It is a copy: printers may keep it.
type View struct {
	Title   string
	Planned int // how many of Steps were planned before the run (the rest came on the way)
	Steps   []Step
	Current int // index of the running step; -1 when none runs
	// Counting is the index of the step whose bytes are being counted (-1: none), and
	// Bytes its transfer or scan so far.
	Counting int
	Bytes    Bytes
	// JobState and JobMessage are the cloud job of the running step (restore, backup, start).
	JobState, JobMessage string
	// Cancellable: cancelling now leaves everything as it was.
	Cancellable bool
	State       RunState
	Message     string // how the run ended, in the engine's words
	Err         error  // the run's error, for the details a printer may offer
	Started     time.Time
	Finished    time.Time
	Log         []Line
}

// Elapsed is how long the run took, or has taken by now.
func (v View) Elapsed(now time.Time) time.Duration {
	end := v.Finished
	if v.State == RunRunning || end.IsZero() {
		end = now
	}
	return end.Sub(v.Started)
}

func (v View) clone() View {
	v.Steps = slices.Clone(v.Steps)
	v.Log = slices.Clone(v.Log)
	return v
}
