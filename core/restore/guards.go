package restore

import (
	"context"
	"errors"
	"fmt"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// The engine's use of the two guards: busy (busy.go) before anything is sent, and the
// wrong-app fit (wrongapp.go) in every restore plan.

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

// fit is the wrong-app guard's verdict on a planned restore's source.
func (e *Engine) fit(ctx context.Context, p *Plan) FitCheck {
	t := p.Request.Target
	side := AppSide{AppID: t.App.AppID, AppName: t.App.Name, Mode: t.Env.Mode, ModelVersion: t.Env.ModelVersion,
		Databases: e.knownDatabases(ctx, t)}
	var src SourceSide
	switch {
	case p.Archive != nil:
		src = SourceSide{What: fileName(p.Request.Source.File), ModelVersion: p.Archive.ModelVersion, DatabaseName: p.Archive.DatabaseName}
		if src.ModelVersion == "" && p.Archive.Metadata != nil {
			src.ModelVersion = p.Archive.Metadata.ModelVersion
		}
	case p.Snapshot != nil:
		what := "the backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		if p.SourceMode != "" && p.SourceMode != t.Env.Mode {
			what = p.SourceMode + "'s backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		}
		// planSnapshot accepts only snapshots of the target's own app.
		src = SourceSide{What: what, AppID: t.App.AppID, ModelVersion: p.Snapshot.ModelVersion}
	default:
		return FitCheck{}
	}
	return CheckFit(side, src)
}

// knownDatabases are the dump database names of the files earlier runs restored into t's
// environment (completed restores of uploads; an upload alone put nothing there). A
// journal that cannot be read gives none: the model version still decides.
func (e *Engine) knownDatabases(ctx context.Context, t Target) []string {
	runs, err := e.journal.List(ctx, journal.Filter{AppID: t.App.AppID})
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			e.log.Warn("journal not readable for the wrong-app guard", "err", err)
		}
		return nil
	}
	var out []string
	for _, r := range runs {
		if sameEnv(r, t) && r.Kind == journal.KindUpload && !r.UploadOnly && r.Status == journal.StatusCompleted && r.DumpDatabase != "" {
			out = append(out, r.DumpDatabase)
		}
	}
	return out
}
