package restore

import (
	"context"
	"fmt"

	"restoredesk/core/cloud"
)

// The engine's use of the two guards: busy (busy.go) before anything is sent, and the
// wrong-app fit (wrongapp.go, wrongapp_engine.go) in every restore plan.

// retryingReads gives busy detection the engine's patience with "too many requests".
type retryingReads struct{ e *Engine }

func (r retryingReads) ListSnapshots(ctx context.Context, projectID, envID string, opt cloud.ListOptions) (*cloud.SnapshotPage, error) {
	return readRetry(ctx, r.e, func() (*cloud.SnapshotPage, error) { return r.e.cloud.ListSnapshots(ctx, projectID, envID, opt) })
}

func (r retryingReads) GetRestore(ctx context.Context, projectID, envID, restoreID string) (*cloud.Restore, error) {
	return readRetry(ctx, r.e, func() (*cloud.Restore, error) { return r.e.cloud.GetRestore(ctx, projectID, envID, restoreID) })
}

// Busy reports what holds t's environment now (nil: nothing), for front ends that grey
// out Restore, Start and Stop; plans and runs check it themselves.
func (e *Engine) Busy(ctx context.Context, t Target) (*Busy, error) {
	return NewBusyCheck(retryingReads{e}, e.journal, e.now).Check(ctx, t, 0)
}

// refuseBusy is the busy rule: nothing is sent into an environment that a run here, or a
// backup or restore in the cloud, holds. verb finishes "so Restore Desk did not …".
func (e *Engine) refuseBusy(ctx context.Context, t Target, verb string) error {
	busy, err := e.Busy(ctx, t)
	if err != nil {
		return planErr(fmt.Sprintf("Restore Desk could not tell whether %s is busy (%s), so it did not %s. Nothing was sent.", t.Env.Mode, cause(err), verb),
			"Try again in a moment.", err)
	}
	if busy != nil {
		return busy.Err()
	}
	return nil
}
