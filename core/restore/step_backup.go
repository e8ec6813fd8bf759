package restore

import (
	"context"
	"errors"
	"fmt"
	"restoredesk/core/cloud"
	"strings"
	"time"
)

// waitSnapshot polls a snapshot until it is completed or failed. A failed snapshot is
// returned with ErrSnapshotNotReady. notFoundGrace tolerates 404s for a while (an
// upload's snapshot appears once the server has checked it).
func (r *runner) waitSnapshot(ctx context.Context, step StepKind, id string, notFoundGrace bool, limit time.Duration) (*cloud.Snapshot, error) {
	deadline := r.e.now().Add(limit)
	var last *cloud.Snapshot
	return poll(ctx, r, pollSpec[*cloud.Snapshot]{
		get: func(ctx context.Context) (*cloud.Snapshot, error) {
			return r.e.cloud.GetSnapshot(ctx, r.t.projectID, r.t.envID, id)
		},
		seen: func(s *cloud.Snapshot) (bool, error) {
			if last == nil || s.State != last.State || s.StatusMessage != last.StatusMessage {
				r.jobState(ctx, step, string(s.State), s.StatusMessage)
			}
			last = s
			switch s.State {
			case cloud.StateCompleted:
				return true, nil
			case cloud.StateFailed:
				return true, ErrSnapshotNotReady
			}
			return false, nil
		},
		tolerate: func(err error) bool {
			return notFoundGrace && errors.Is(err, cloud.ErrNotFound) && r.e.now().Before(deadline)
		},
		limit: limit,
		timeout: func(last *cloud.Snapshot) error {
			return fmt.Errorf("the backup %s was still %s after %s", id, jobLabel(stateOf(last)), limit)
		},
	})
}

func stateOf(s *cloud.Snapshot) cloud.JobState {
	if s == nil {
		return ""
	}
	return s.State
}

func (r *runner) doSafetyBackup(ctx context.Context) (string, error) {
	mode := r.t.mode
	failed := func(summary string, err error) error {
		return &RunError{
			Summary: summary + " The restore was stopped before anything was changed.",
			Next:    fmt.Sprintf("Try again in a few minutes, or restore without a safety backup if you accept that it cannot be undone. %s is as it was.", mode),
			Err:     fmt.Errorf("%w: %w", ErrSafetyBackupFailed, err),
		}
	}
	if ctx.Err() != nil {
		return "", r.cancelled(ctx, StepSafetyBackup)
	}
	snap, err := r.requestBackup(ctx, cloud.SafetyComment(r.restoring()))
	if err != nil {
		return "", failed(fmt.Sprintf("The safety backup of %s could not be started: %s.", mode, cause(err)), err)
	}
	r.res.SafetySnapshotID = snap.SnapshotID
	r.journalErr("safety", r.e.journal.SetSafetySnapshot(jctx(ctx), r.id, snap.SnapshotID))
	done, err := r.waitSnapshot(ctx, StepSafetyBackup, snap.SnapshotID, true, 0)
	if err != nil {
		if ctx.Err() != nil {
			return "", r.cancelled(ctx, StepSafetyBackup)
		}
		if errors.Is(err, ErrSnapshotNotReady) {
			return "", failed(fmt.Sprintf("The safety backup of %s failed (%s).", mode, failReason(done)), err)
		}
		return "", failed(fmt.Sprintf("Restore Desk could not follow the safety backup of %s: %s.", mode, cause(err)), err)
	}
	// Said by its moment, as people find it in the list; the id is kept for the details.
	at := snapshotTime(done)
	if at.IsZero() {
		at = snapshotTime(snap)
	}
	if at.IsZero() {
		return fmt.Sprintf("The safety backup of %s is completed.", mode), nil
	}
	return fmt.Sprintf("The safety backup of %s of %s is completed.", mode, at.Local().Format("2 Jan 15:04")), nil
}

// failReason says why Mendix Cloud failed a backup, for a sentence in brackets.
func failReason(s *cloud.Snapshot) string {
	if s != nil && s.StatusMessage != "" {
		return "Mendix Cloud says: " + s.StatusMessage
	}
	return "Mendix Cloud gave no reason"
}

// doBackup makes the manual backup of a backup run and, unless told not to wait,
// follows it until it is completed.
func (r *runner) doBackup(ctx context.Context) (string, error) {
	mode := r.t.mode
	if ctx.Err() != nil {
		return "", r.cancelled(ctx, StepBackup)
	}
	comment := r.backup.Comment
	if strings.TrimSpace(comment) == "" {
		comment = cloud.CommentManual // what Mendix Cloud calls a backup made without one
	}
	snap, err := r.requestBackup(ctx, comment)
	if err != nil {
		if ctx.Err() != nil {
			return "", r.cancelled(ctx, StepBackup)
		}
		return "", &RunError{
			Summary: fmt.Sprintf("The backup of %s could not be started: %s.", mode, cause(err)),
			Next:    "Try again in a few minutes.", Err: err,
		}
	}
	r.res.Backup = snap
	r.journalErr("backup", r.e.journal.SetBackupSnapshot(jctx(ctx), r.id, snap.SnapshotID))
	if r.backup.NoWait {
		return fmt.Sprintf("Mendix Cloud accepted the backup %s of %s and makes it now.", snap.SnapshotID, mode), nil
	}
	return r.followBackup(ctx, snap.SnapshotID)
}

// followBackup follows the manual backup id until it is completed.
func (r *runner) followBackup(ctx context.Context, id string) (string, error) {
	mode := r.t.mode
	done, err := r.waitSnapshot(ctx, StepBackup, id, true, 0)
	if done != nil {
		r.res.Backup = done
	}
	switch {
	case err == nil:
		return fmt.Sprintf("The backup %s of %s is completed.", id, mode), nil
	case ctx.Err() != nil:
		return "", &RunError{
			Summary: fmt.Sprintf("Restore Desk stopped following the backup %s of %s; Mendix Cloud goes on making it.", id, mode),
			Next:    "Look at the list of backups in a few minutes.",
			Err:     fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx)),
		}
	case errors.Is(err, ErrSnapshotNotReady):
		return "", &RunError{
			Summary: fmt.Sprintf("The backup of %s failed (%s).", mode, failReason(done)),
			Next:    "Try again in a few minutes; if it fails again, contact Mendix Support.",
			Err:     fmt.Errorf("%w: %w", ErrBackupFailed, err),
		}
	}
	return "", &RunError{
		Summary: fmt.Sprintf("Restore Desk could not follow the backup %s of %s: %s. Mendix Cloud may still be making it.", id, mode, cause(err)),
		Next:    "Look at the list of backups in a few minutes.", Err: err,
	}
}

// requestBackup asks for a backup with comment. A request the cloud did not act on is
// sent again; after an ambiguous answer the backup is looked for by its comment first,
// so one request never makes two backups.
func (r *runner) requestBackup(ctx context.Context, comment string) (*cloud.Snapshot, error) {
	var snap *cloud.Snapshot
	var err error
	pl := r.newPoller()
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		snap, err = r.e.cloud.CreateSnapshot(cctx, r.t.projectID, r.t.envID, comment)
		cancel()
		if err == nil || !notActed(err) || attempt >= 3 || ctx.Err() != nil {
			break
		}
		if werr := pl.wait(ctx); werr != nil {
			break
		}
	}
	if errors.Is(err, cloud.ErrAmbiguous) {
		snap, err = r.findBackup(ctx, comment)
		if err == nil && snap == nil {
			cctx, cancel := shield(ctx)
			snap, err = r.e.cloud.CreateSnapshot(cctx, r.t.projectID, r.t.envID, comment)
			cancel()
		}
	}
	return snap, err
}

// findBackup looks for this run's backup after an ambiguous create: one with its comment,
// made since the run started.
func (r *runner) findBackup(ctx context.Context, comment string) (*cloud.Snapshot, error) {
	all, err := poll(ctx, r, pollSpec[[]cloud.Snapshot]{
		get: func(ctx context.Context) ([]cloud.Snapshot, error) {
			return r.e.cloud.ListAllSnapshots(ctx, r.t.projectID, r.t.envID)
		},
	})
	if err != nil {
		return nil, err
	}
	since := r.runStart.Add(-time.Minute) // the cloud's clock may differ a little
	for i := range all {
		s := all[i]
		if s.Comment == comment && s.State != cloud.StateFailed && !s.CreatedAt.Before(since) {
			return &s, nil
		}
	}
	return nil, nil
}
