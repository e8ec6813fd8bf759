package restore

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"restoredesk/core/journal"
	"restoredesk/core/wording"
)

// The engine owns live state: which environment each run going on here holds, what that
// environment is doing because of it, and what closing the app now would do to the run.
// Front ends ask (Live, LiveOf, OnClose) or follow EventStatus; they keep no state of
// their own. A refused run never appears; a finished one leaves at once.

// ErrAppClosed is the cause a front end cancels a run with when the app closes
// (context.WithCancelCause): the run ends as OnClose said, and its journal says so.
var ErrAppClosed = errors.New("the app was closed")

// EventStatus says the live status of the run's environment changed (Event.State).
const EventStatus EventType = "status"

// Live statuses of an environment while a run holds it.
const (
	LiveStopping  = "Stopping"
	LiveStopped   = "Stopped"
	LiveRestoring = "Stopped · restoring"
	LiveStarting  = "Starting"
	LiveRunning   = "Running"
)

// Live is a run going on in this engine and what it holds.
type Live struct {
	RunID int64
	Kind  journal.Kind
	AppID string
	EnvID string
	Mode  string
	Step  StepKind // the step running now
	// Status is the environment's live status as this run made it ("" while the run has
	// not changed it: the cloud's last answer stands).
	Status string
	// GoesOn: closing the app now leaves the run going on in the cloud (its restore was
	// submitted); it is re-attached at the next start. Otherwise closing cancels it.
	GoesOn bool
}

// lives are the runs going on.
type lives struct {
	mu  sync.Mutex
	all []Live
}

func (l *lives) set(v Live) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.all {
		if l.all[i].RunID == v.RunID {
			l.all[i] = v
			return
		}
	}
	l.all = append(l.all, v)
}

func (l *lives) drop(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = slices.DeleteFunc(l.all, func(v Live) bool { return v.RunID == id })
}

// Live returns the runs going on in this engine now, oldest first.
func (e *Engine) Live() []Live {
	e.lives.mu.Lock()
	defer e.lives.mu.Unlock()
	return slices.Clone(e.lives.all)
}

// LiveOf returns the run going on that holds t's environment, or nil.
func (e *Engine) LiveOf(t Target) *Live {
	for _, v := range e.Live() {
		if v.EnvID != "" && v.EnvID == t.Env.EnvironmentID || v.EnvID == "" && v.AppID == t.App.AppID && v.Mode == t.Env.Mode {
			return &v
		}
	}
	return nil
}

// OnClose says what closing the app now does to run runID, in a sentence for the close
// dialog: whether the run goes on in the cloud and is picked up at the next start, or is
// cancelled (and then never offered for undo). ok is false for a run not going on here.
func (e *Engine) OnClose(runID int64) (goesOn bool, sentence string, ok bool) {
	for _, v := range e.Live() {
		if v.RunID != runID {
			continue
		}
		if v.GoesOn {
			return true, fmt.Sprintf("Run %d goes on in Mendix Cloud: its restore into %s was submitted. Restore Desk follows it again when it next starts.", runID, v.Mode), true
		}
		return false, fmt.Sprintf("Run %d is cancelled: it stops at its next safe point, and History shows it as cancelled.", runID), true
	}
	return false, "", false
}

// live publishes the runner's state: step k running, the environment's status.
func (r *runner) live(k StepKind, status string) {
	changed := status != "" && status != r.status
	if changed {
		r.status = status
	}
	// Published before the event, so that a front end asking on the event gets the same.
	r.e.lives.set(Live{RunID: r.id, Kind: r.kind, AppID: r.t.appID, EnvID: r.t.envID, Mode: r.t.mode,
		Step: k, Status: r.status, GoesOn: r.res.RestoreID != ""})
	if changed {
		r.emit(Event{Step: k, Type: EventStatus, State: status})
	}
}

// liveStatus is the environment's status while step k runs (started) or once it is done.
func liveStatus(k StepKind, done bool) string {
	switch {
	case k == StepStop && !done:
		return LiveStopping
	case k == StepStop:
		return LiveStopped
	case (k == StepRestore || k == StepWait) && !done:
		return LiveRestoring
	case k == StepWait:
		return LiveStopped
	case k == StepStart && !done:
		return LiveStarting
	case k == StepStart:
		return LiveRunning
	}
	return ""
}

// closedLead starts the summary of a run cancelled because the app was closed during
// the step titled title.
func closedLead(title string) string {
	return fmt.Sprintf("Restore Desk was closed while the run was at the step \u201c%s\u201d, so the run was cancelled", wording.LowerFirst(title))
}
