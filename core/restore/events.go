package restore

import (
	"context"
	"errors"
	"time"

	"restoredesk/core/localdb"
	"restoredesk/core/progress"
)

// EventType is what happened to a step or run.
type EventType string

// Event types.
const (
	EventStepStarted EventType = "step_started"
	EventBytes       EventType = "bytes"    // the step counts bytes from now on: Counter
	EventProgress    EventType = "progress" // a cloud job's State and Message
	EventMessage     EventType = "message"
	EventStepDone    EventType = "step_done"
	EventStepFailed  EventType = "step_failed"
	EventRunDone     EventType = "run_done"
	EventRunFailed   EventType = "run_failed"
)

// Event is emitted while a plan runs. The work only emits these and adds to counters;
// a progress.Updater (see Follow) turns them into the view the front ends print.
type Event struct {
	RunID int64
	Step  StepKind
	Type  EventType
	Time  time.Time
	// Counter (EventBytes) is the step's byte counter; the work adds to it as it goes.
	Counter *progress.Counter
	State   string // job state (queued, running, completed, failed; Starting, Started)
	Title   string // the step's title (step_started)
	Message string // a plain sentence: job status message, step outcome, run outcome
	Err     error  // step_failed, run_failed: explain.Explain(Err) tells it in plain words
}

// Cancellable reports whether cancelling during a step of kind k leaves everything as it
// was: nothing has been stopped or replaced yet.
func (k StepKind) Cancellable() bool {
	switch k {
	case StepInspect, StepUpload, StepSafetyBackup, StepArchive, StepLink, StepDownload, StepCheck, StepLocalRestore, StepStreamRestore:
		return true
	}
	return false
}

// Follow returns the event sink that feeds u: pass it to Run, RunManage, DownloadBackup, RunLocal, Reattach
// and end u with Finish once the call returned.
func Follow(u *progress.Updater) func(Event) {
	return func(ev Event) {
		k := string(ev.Step)
		switch ev.Type {
		case EventStepStarted:
			u.StepStarted(k, ev.Title, ev.Step.Cancellable())
		case EventBytes:
			u.Count(k, ev.Counter)
		case EventProgress:
			u.Job(k, ev.State, ev.Message)
		case EventMessage:
			u.Note(k, ev.Message)
		case EventStepDone:
			u.StepDone(k, ev.Message)
		case EventStepFailed:
			u.StepFailed(k, ev.Message)
		}
	}
}

// Finish ends u with how a run ended (res and err as Run returned them) and returns the
// final view.
func Finish(u *progress.Updater, res *Result, err error) progress.View {
	msg := ""
	if res != nil {
		msg = res.Message
	}
	return finish(u, msg, err)
}

// finish ends u as a run ended with message msg and error err, for every kind of run.
func finish(u *progress.Updater, msg string, err error) progress.View {
	state := progress.RunCompleted
	switch {
	case err == nil:
	case errors.Is(err, ErrCancelled), errors.Is(err, context.Canceled), errors.Is(err, localdb.ErrCancelled):
		state = progress.RunCancelled
	default:
		state = progress.RunFailed
	}
	if msg == "" && err != nil {
		msg = plainOf(err)
	}
	return u.Done(state, msg, err)
}

// PlanSteps are a plan's steps as the progress view lists them before the run.
func PlanSteps(steps []Step) []progress.Step {
	out := make([]progress.Step, 0, len(steps))
	for _, s := range steps {
		out = append(out, progress.Step{Kind: string(s.Kind), Title: s.Title})
	}
	return out
}

// BytesVerb says what happens to the bytes a step counts: an upload sends them, an
// inspection checks them.
func BytesVerb(kind string) string {
	switch StepKind(kind) {
	case StepUpload:
		return "sent"
	case StepDownload:
		return "downloaded"
	case StepLocalRestore:
		return "restored"
	case StepStreamRestore:
		return "downloaded and restored"
	}
	return "checked"
}
