package restore

import (
	"context"
	"errors"
	"fmt"
	"restoredesk/core/cloud"
)

func (r *runner) doRestore(ctx context.Context, hadStop bool) (string, error) {
	mode := r.t.mode
	// Safe point: cancelled now, nothing was restored (the environment may be stopped).
	if ctx.Err() != nil {
		return "", r.cancelled(ctx, StepRestore)
	}
	if !hadStop {
		// The plan found it stopped; it must not have been started since.
		env, err := r.getEnv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return "", r.cancelled(ctx, StepRestore)
			}
			if h := refusalHandoff(r.freeApp, r.appLabel(), mode, r.snapshotID, r.stopped, err); h != nil {
				return "", h
			}
			return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not read the status of %s: %s. Nothing was restored.", mode, cause(err)), Err: err}
		}
		if env.Status != cloud.StatusStopped {
			return "", &RunError{
				Summary: fmt.Sprintf("%s was stopped when the plan was made but now reports %s. Nothing was restored.", mode, env.Status.Label()),
				Next:    "Make the plan again: it then stops the environment first.", Err: ErrTargetChanged,
			}
		}
	}
	// Written before the request: from here on this run never sends another restore, and
	// a restore that could not be recorded is not sent at all.
	if err := r.e.journal.RestoreSubmitting(jctx(ctx), r.id); err != nil {
		return "", r.notRecorded(StepRestore, err)
	}
	r.res.restoreSent = true
	var rs *cloud.Restore
	var err error
	pl := r.newPoller()
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		rs, err = r.e.cloud.CreateRestore(cctx, r.t.projectID, r.t.envID, cloud.RestoreRequest{SourceSnapshotID: r.snapshotID, DBOnly: r.opts.DBOnly})
		cancel()
		// Only an answer that says the cloud did not act (429, 503/SERVICE_UNAVAILABLE) is
		// asked again: that request made no restore. Anything else, and above all a
		// broken connection, is never repeated.
		if err == nil || !notActed(err) || attempt >= 3 || ctx.Err() != nil {
			break
		}
		if werr := pl.wait(ctx); werr != nil {
			break
		}
	}
	if err != nil {
		if errors.Is(err, cloud.ErrAmbiguous) {
			return "", &RunError{
				Summary: "The connection broke while the restore was being submitted, so it is not known whether Mendix Cloud started it. Restore Desk will not submit it again: a second restore could overwrite the first halfway.",
				Next: fmt.Sprintf("Open %s in the Mendix Portal: if a restore is running or finished there, wait for it and check the data; if not, start a new restore here.%s",
					mode, r.undoHint()),
				Err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, err),
			}
		}
		if h := refusalHandoff(r.freeApp, r.appLabel(), mode, r.snapshotID, r.stopped, err); h != nil {
			return "", h
		}
		what := "Mendix Cloud refused the restore"
		if cloud.IsStillRunning(err) {
			what = "Mendix Cloud refused the restore because " + mode + " is still running"
		}
		return "", &RunError{Summary: fmt.Sprintf("%s: %s. %s's data was not changed.", what, cause(err), mode), Err: err}
	}
	r.res.RestoreID = rs.RestoreID
	r.journalErr("restore", r.e.journal.SetRestore(jctx(ctx), r.id, rs.RestoreID))
	r.live(StepRestore, "") // from now on closing the app leaves it going on in the cloud
	r.emit(Event{Step: StepRestore, Type: EventProgress, State: string(rs.State), Message: rs.StatusMessage})
	return fmt.Sprintf("Mendix Cloud accepted the restore of %s into %s.", r.snapLabel, mode), nil
}

func (r *runner) undoHint() string {
	if r.res.SafetySnapshotID == "" {
		return ""
	}
	return fmt.Sprintf(" The safety backup taken just before holds %s's data as it was.", r.t.mode)
}
