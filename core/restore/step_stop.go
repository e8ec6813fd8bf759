package restore

import (
	"context"
	"errors"
	"fmt"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"time"
)

// getEnv reads the target's environment, asking again after transient failures.
func (r *runner) getEnv(ctx context.Context) (*cloud.Environment, error) {
	return poll(ctx, r, pollSpec[*cloud.Environment]{get: r.readEnv})
}

func (r *runner) readEnv(ctx context.Context) (*cloud.Environment, error) {
	return r.e.cloud.GetEnvironment(ctx, r.t.appID, r.t.mode)
}

func (r *runner) doStop(ctx context.Context) (string, error) {
	mode := r.t.mode
	// Last safe point: nothing has changed in the environment yet.
	if ctx.Err() != nil {
		return "", r.cancelled(ctx, StepStop)
	}
	stopOnly := r.kind == journal.KindStop
	env, err := r.getEnv(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return "", r.cancelled(ctx, StepStop)
		}
		if h := refusalHandoff(r.freeApp, r.appLabel(), mode, r.snapshotID, false, err); h != nil {
			return "", h
		}
		return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not read the status of %s: %s. Nothing was changed.", mode, cause(err)), Err: err}
	}
	switch env.Status {
	case cloud.StatusStopped:
		r.alreadyDone = true
		return fmt.Sprintf("%s was already stopped.", mode), nil
	case cloud.StatusEmpty:
		return "", &RunError{
			Summary: fmt.Sprintf("Nothing is deployed to %s, so there is nothing to stop. Nothing was changed.", mode),
			Err:     ErrTargetBusy,
		}
	case cloud.StatusRunning:
	default:
		return "", &RunError{
			Summary: fmt.Sprintf("%s reports the status %s, neither running nor stopped. Nothing was changed.", mode, env.Status.Label()),
			Next:    "Wait until it has settled and try again.", Err: ErrTargetBusy,
		}
	}
	// Record the intent first: a crash right after the request must still know.
	if err := r.e.journal.SetStoppedEnv(jctx(ctx), r.id, true); err != nil {
		return "", r.notRecorded(StepStop, err) // not sent: nothing was stopped
	}
	r.stopped = true
	r.emit(Event{Step: StepStop, Type: EventMessage, Message: fmt.Sprintf("Stopping %s…", mode)})
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		err = r.e.cloud.StopEnvironment(cctx, r.t.appID, r.t.mode)
		cancel()
		// Stopping twice is harmless, so a failed or ambiguous stop is simply sent again.
		if err == nil || !transient(err) || attempt >= 3 {
			break
		}
		if serr := cloud.Sleep(jctx(ctx), r.e.poll); serr != nil {
			break
		}
	}
	if err != nil && !transient(err) {
		// The cloud refused: the environment keeps running.
		r.stopped = false
		r.journalErr("stopped", r.e.journal.SetStoppedEnv(jctx(ctx), r.id, false))
		if h := refusalHandoff(r.freeApp, r.appLabel(), mode, r.snapshotID, false, err); h != nil {
			return "", h
		}
		return "", &RunError{Summary: fmt.Sprintf("%s could not be stopped: %s. Nothing was changed.", mode, cause(err)), Err: err}
	}
	// After an uncertain answer one of the requests may still have been carried out: the
	// environment's status says what happened.
	if err := r.waitStatus(ctx, StepStop, cloud.StatusStopped, r.e.stopTimeout); err != nil {
		switch {
		case errors.Is(err, ErrStopTimeout) && stopOnly:
			return "", &RunError{
				Summary: fmt.Sprintf("%s did not stop within %s; it may still be stopping.", mode, r.e.stopTimeout),
				Next:    fmt.Sprintf("Look at %s in the Mendix Portal in a few minutes.", mode), Err: err,
			}
		case errors.Is(err, ErrStopTimeout):
			return "", &RunError{
				Summary: fmt.Sprintf("%s did not stop within %s. Nothing was restored; it may still be stopping.", mode, r.e.stopTimeout),
				Next:    fmt.Sprintf("Look at %s in the Mendix Portal; when it shows Stopped, restore again.", mode), Err: err,
			}
		case ctx.Err() != nil && stopOnly:
			return "", &RunError{
				Summary: fmt.Sprintf("Restore Desk stopped following the stop of %s; it may still be stopping.", mode),
				Next:    "Look at its status in a minute.", Err: fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx)),
			}
		case ctx.Err() != nil:
			return "", r.cancelled(ctx, StepStop)
		case stopOnly:
			return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not follow the stop of %s: %s. It may still be stopping.", mode, cause(err)), Err: err}
		}
		return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not follow the stop of %s: %s. Nothing was restored.", mode, cause(err)), Err: err}
	}
	return fmt.Sprintf("%s is stopped.", mode), nil
}

// waitStatus polls the environment until it reports want, or limit passes.
func (r *runner) waitStatus(ctx context.Context, step StepKind, want cloud.EnvStatus, limit time.Duration) error {
	var last cloud.EnvStatus = "-"
	_, err := poll(ctx, r, pollSpec[*cloud.Environment]{
		get: r.readEnv,
		seen: func(env *cloud.Environment) (bool, error) {
			if env.Status == want {
				return true, nil
			}
			if env.Status != last {
				r.emit(Event{Step: step, Type: EventProgress, State: string(env.Status),
					Message: fmt.Sprintf("waiting until %s reports %s", r.t.mode, want.Label())})
				last = env.Status
			}
			return false, nil
		},
		limit: limit,
		timeout: func(*cloud.Environment) error {
			if want == cloud.StatusStopped {
				return ErrStopTimeout
			}
			return ErrStartTimeout
		},
	})
	return err
}
