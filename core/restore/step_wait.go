package restore

import (
	"context"
	"errors"
	"fmt"
	"restoredesk/core/cloud"
)

func (r *runner) doWait(ctx context.Context) (string, error) {
	mode := r.t.mode
	var last *cloud.Restore
	_, err := poll(ctx, r, pollSpec[*cloud.Restore]{
		get: func(ctx context.Context) (*cloud.Restore, error) {
			return r.e.cloud.GetRestore(ctx, r.t.projectID, r.t.envID, r.res.RestoreID)
		},
		seen: func(rs *cloud.Restore) (bool, error) {
			if last == nil || rs.State != last.State || rs.StatusMessage != last.StatusMessage {
				r.jobState(ctx, StepWait, string(rs.State), rs.StatusMessage)
			}
			last = rs
			switch rs.State {
			case cloud.StateCompleted:
				return true, nil
			case cloud.StateFailed:
				return true, r.restoreFailed(rs.StatusMessage)
			}
			return false, nil
		},
	})
	var re *RunError
	switch {
	case err == nil:
		r.restored = true
		return fmt.Sprintf("The restore into %s is completed.", mode), nil
	case errors.As(err, &re):
		return "", err
	case ctx.Err() != nil:
		return "", r.detached(ctx)
	case errors.Is(err, cloud.ErrNotFound):
		return "", &RunError{
			Summary: fmt.Sprintf("Mendix Cloud no longer knows the restore %s, so Restore Desk cannot tell how it ended.", r.res.RestoreID),
			Next:    fmt.Sprintf("Look at %s in the Mendix Portal and check its data before using it.", mode),
			Err:     fmt.Errorf("%w: %w", ErrOutcomeUnknown, err),
		}
	}
	return "", &RunError{
		Summary: fmt.Sprintf("Restore Desk lost track of the restore into %s: %s. The restore goes on in Mendix Cloud.", mode, cause(err)),
		Next:    "Follow the run again to see how it ends; the restore goes on in Mendix Cloud meanwhile.",
		Action:  &NextAction{Kind: ActionFollow, RunID: r.id},
		Err:     fmt.Errorf("%w: %w", ErrDetached, err),
	}
}

// restoreFailed is the error of a restore job that ended failed.
func (r *runner) restoreFailed(msg string) error {
	mode := r.t.mode
	if msg == "" {
		msg = "Mendix Cloud gave no reason"
	}
	err := &RunError{
		Summary: fmt.Sprintf("The restore into %s failed: %s. %s's data may be partly restored, so do not use it as it is.", mode, msg, mode),
		Next:    "Restore another backup, or ask Mendix Support what went wrong.",
		Err:     fmt.Errorf("%w: %s", ErrRestoreFailed, msg),
	}
	if r.res.SafetySnapshotID != "" {
		err.Next = fmt.Sprintf("To put back %s's data as it was, undo this run: it restores the safety backup taken just before.", mode)
		err.Action = &NextAction{Kind: ActionUndo, RunID: r.id}
	}
	if cloud.LacksRoom(msg) {
		// The docs' rule, so the user knows how much room to make.
		err.Summary = fmt.Sprintf("The restore into %s failed for lack of space (%s): %s. %s's data may be partly restored, so do not use it as it is.",
			mode, msg, cloud.RestoreRoomRule, mode)
		err.Next = "Give the environment a bigger database plan in the Mendix Portal, or restore a smaller backup. " + err.Next
		err.Err = fmt.Errorf("%w: %w: %s", ErrRestoreFailed, cloud.ErrNoRoom, msg)
	}
	return err
}

func (r *runner) detached(ctx context.Context) error {
	return &RunError{
		Step:    StepWait,
		Summary: fmt.Sprintf("Restore Desk stopped following the restore into %s, but the restore goes on in Mendix Cloud.", r.t.mode),
		Next:    "Follow the run again to see how it ends; the restore goes on in Mendix Cloud meanwhile.",
		Action:  &NextAction{Kind: ActionFollow, RunID: r.id},
		Err:     fmt.Errorf("%w: %w", ErrDetached, context.Cause(ctx)),
	}
}
