package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// ---- upload ----

// maxUploadAttempts bounds how often a run resumes an upload that SendUpload gave up on
// (SendUpload already resumes after each dropped connection on its own).
const maxUploadAttempts = 4

func (r *runner) doUpload(ctx context.Context) (string, error) {
	mode := r.t.mode
	var up *cloud.Upload
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		u, err := r.e.cloud.CreateUpload(cctx, r.t.projectID, r.t.envID, cloud.UploadMeta{
			Filename: fileName(r.filePath), Size: r.fileSize, SHA256: r.fileSHA,
		})
		cancel()
		if err == nil {
			up = u
			break
		}
		if errors.Is(err, cloud.ErrUploadsUnsupported) {
			return "", &RunError{
				Summary: "This server does not accept uploaded archives: on Mendix Cloud, archives are uploaded through the Mendix Portal. Nothing was changed.",
				Next:    fmt.Sprintf("Open %s's Backups page in the Mendix Portal and use Upload Archive; the upload then shows up here as a backup you can restore.", mode),
				Err:     err,
			}
		}
		// A second upload resource is harmless (an unfinished one is never a backup), so
		// a failed or ambiguous create is simply tried again.
		if !transient(err) || attempt+1 >= maxUploadAttempts || ctx.Err() != nil {
			if ctx.Err() != nil {
				return "", r.cancelled(ctx, StepUpload)
			}
			return "", &RunError{Summary: fmt.Sprintf("The upload to %s could not be started: %s. Nothing was changed.", mode, cause(err)), Err: err}
		}
		if err := sleep(ctx, r.e.poll); err != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
	}
	// Journal the upload before any byte goes out, so a restart can resume it.
	r.journalErr("upload", r.e.journal.SetUpload(jctx(ctx), r.id, up.URL, up.SnapshotID))
	r.res.UploadSnapshotID = up.SnapshotID
	return r.sendAndWait(ctx, up.URL, up.SnapshotID)
}

// sendAndWait sends the file (resuming from the server's offset) and waits until the
// server turned it into a completed backup.
func (r *runner) sendAndWait(ctx context.Context, uploadURL, snapshotID string) (string, error) {
	mode := r.t.mode
	f, err := os.Open(r.filePath)
	if err != nil {
		return "", &RunError{Summary: fmt.Sprintf("%s cannot be opened any more: %s. Nothing was changed.", r.filePath, plainFileError(err)), Err: err}
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != r.fileSize {
		return "", &RunError{
			Summary: fmt.Sprintf("%s changed since it was checked. Nothing was changed in %s.", fileName(r.filePath), mode),
			Next:    "Choose the file again so it is checked anew.", Err: ErrNotRestorable,
		}
	}

	var counter atomic.Pointer[Counter]
	stop := r.e.ticker(func() {
		if c := counter.Load(); c != nil {
			p := c.Snapshot()
			r.emit(Event{Step: StepUpload, Type: EventProgress, Done: p.Done, Total: p.Total, Rate: p.Rate, ETA: p.ETA})
		}
	})
	defer func() {
		if stop != nil {
			stop(false)
		}
	}()
	for attempt := 0; ; attempt++ {
		off, err := r.e.cloud.UploadOffset(ctx, uploadURL)
		if err == nil {
			c := counter.Load()
			if c == nil {
				// Bytes the server already holds (a resumed upload) do not count towards the rate.
				c = NewCounter(off, r.fileSize, r.e.now)
				counter.Store(c)
			}
			c.Set(off)
			// SendUpload's deltas add up, from zero, to what the server holds.
			var sum int64
			err = r.e.cloud.SendUpload(ctx, uploadURL, f, r.fileSize, func(delta int64) {
				sum += delta
				c.Set(sum)
			})
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
		if !transient(err) || attempt+1 >= maxUploadAttempts {
			return "", &RunError{
				Summary: fmt.Sprintf("The upload of %s stopped: %s. Nothing was changed in %s.", fileName(r.filePath), cause(err), mode),
				Next:    "Try again: the upload continues where it stopped.", Err: err,
			}
		}
		if err := sleep(ctx, r.e.poll); err != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
	}
	stop(true)
	stop = nil

	// The server checks the upload (SHA-256, archive) and makes it a backup.
	r.emit(Event{Step: StepUpload, Type: EventMessage, Message: "Upload complete; Mendix Cloud checks the archive and makes it a backup."})
	snap, err := r.waitSnapshot(ctx, StepUpload, snapshotID, true, r.e.uploadWait)
	if err != nil {
		if ctx.Err() != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
		if errors.Is(err, ErrSnapshotNotReady) || errors.Is(err, ErrUploadRejected) {
			msg := "it gave no reason"
			if snap != nil && snap.StatusMessage != "" {
				msg = snap.StatusMessage
			}
			return "", &RunError{
				Summary: fmt.Sprintf("Mendix Cloud did not accept the uploaded %s: %s. Nothing was changed in %s.", fileName(r.filePath), msg, mode),
				Next:    "Check the file (restorectl inspect) and try another one.", Err: fmt.Errorf("%w: %s", ErrUploadRejected, msg),
			}
		}
		return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not follow the uploaded backup: %s. Nothing was changed in %s.", cause(err), mode), Err: err}
	}
	r.snapshotID = snapshotID
	r.snapLabel = "the uploaded " + fileName(r.filePath)
	r.journalErr("source", r.e.journal.SetSource(jctx(ctx), r.id, snapshotID, r.t.envID))
	return fmt.Sprintf("%s is uploaded and is now the backup %s of %s.", fileName(r.filePath), snapshotID, mode), nil
}

// waitSnapshot polls a snapshot until it is completed or failed. A failed snapshot is
// returned with ErrSnapshotNotReady. notFoundGrace tolerates 404s for a while (an
// upload's snapshot appears once the server has checked it).
func (r *runner) waitSnapshot(ctx context.Context, step StepKind, id string, notFoundGrace bool, limit time.Duration) (*cloud.Snapshot, error) {
	pl := r.newPoller()
	deadline := r.e.now().Add(limit)
	var last *cloud.Snapshot
	for {
		s, err := r.e.cloud.GetSnapshot(ctx, r.t.projectID, r.t.envID, id)
		switch {
		case err == nil:
			pl.ok()
			if last == nil || s.State != last.State || s.StatusMessage != last.StatusMessage {
				r.emit(Event{Step: step, Type: EventProgress, State: string(s.State), Message: s.StatusMessage})
				r.journalErr("step message", r.e.journal.StepMessage(jctx(ctx), r.id, string(step), s.StatusMessage))
			}
			last = s
			switch s.State {
			case cloud.StateCompleted:
				return s, nil
			case cloud.StateFailed:
				return s, ErrSnapshotNotReady
			}
		case notFoundGrace && errors.Is(err, cloud.ErrNotFound) && r.e.now().Before(deadline):
		default:
			if ferr := pl.failed(err); ferr != nil {
				return last, ferr
			}
		}
		if limit > 0 && r.e.now().After(deadline) {
			return last, fmt.Errorf("the backup %s was still %s after %s", id, jobLabel(stateOf(last)), limit)
		}
		if err := pl.wait(ctx); err != nil {
			return last, err
		}
	}
}

func stateOf(s *cloud.Snapshot) cloud.JobState {
	if s == nil {
		return ""
	}
	return s.State
}

// ---- safety backup, manual backup ----

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
	snap, err := r.requestBackup(ctx, cloud.SafetyComment(r.snapshotID))
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
	return fmt.Sprintf("The safety backup %s of %s is completed.", snap.SnapshotID, mode), nil
}

// failReason says why Mendix Cloud failed a backup, for a sentence in brackets.
func failReason(s *cloud.Snapshot) string {
	if s != nil && s.StatusMessage != "" {
		return "Mendix Cloud says: " + s.StatusMessage
	}
	return "Mendix Cloud gave no reason"
}

// doBackup makes the manual backup of a BackupTarget run and, unless told not to wait,
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
	var all []cloud.Snapshot
	var err error
	pl := r.newPoller()
	for {
		all, err = r.e.cloud.ListAllSnapshots(ctx, r.t.projectID, r.t.envID)
		if err == nil {
			break
		}
		if ferr := pl.failed(err); ferr != nil {
			return nil, ferr
		}
		if werr := pl.wait(ctx); werr != nil {
			return nil, werr
		}
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

// ---- stop ----

func (r *runner) getEnv(ctx context.Context) (*cloud.Environment, error) {
	pl := r.newPoller()
	for {
		env, err := r.e.cloud.GetEnvironment(ctx, r.t.appID, r.t.mode)
		if err == nil {
			return env, nil
		}
		if ferr := pl.failed(err); ferr != nil {
			return nil, ferr
		}
		if werr := pl.wait(ctx); werr != nil {
			return nil, werr
		}
	}
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
	r.stopped = true
	r.journalErr("stopped", r.e.journal.SetStoppedEnv(jctx(ctx), r.id, true))
	r.emit(Event{Step: StepStop, Type: EventMessage, Message: fmt.Sprintf("Stopping %s…", mode)})
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		err = r.e.cloud.StopEnvironment(cctx, r.t.appID, r.t.mode)
		cancel()
		// Stopping twice is harmless, so a failed or ambiguous stop is simply sent again.
		if err == nil || !transient(err) || attempt >= 3 {
			break
		}
		if serr := sleep(jctx(ctx), r.e.poll); serr != nil {
			break
		}
	}
	if err != nil && !transient(err) {
		// The cloud refused: the environment keeps running.
		r.stopped = false
		r.journalErr("stopped", r.e.journal.SetStoppedEnv(jctx(ctx), r.id, false))
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
	pl := r.newPoller()
	deadline := r.e.now().Add(limit)
	var last cloud.EnvStatus = "-"
	for {
		env, err := r.e.cloud.GetEnvironment(ctx, r.t.appID, r.t.mode)
		if err == nil {
			pl.ok()
			if env.Status == want {
				return nil
			}
			if env.Status != last {
				r.emit(Event{Step: step, Type: EventProgress, State: string(env.Status),
					Message: fmt.Sprintf("waiting until %s reports %s", r.t.mode, want.Label())})
				last = env.Status
			}
		} else if ferr := pl.failed(err); ferr != nil {
			return ferr
		}
		if r.e.now().After(deadline) {
			if want == cloud.StatusStopped {
				return ErrStopTimeout
			}
			return ErrStartTimeout
		}
		if err := pl.wait(ctx); err != nil {
			return err
		}
	}
}

// ---- restore ----

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
			return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not read the status of %s: %s. Nothing was restored.", mode, cause(err)), Err: err}
		}
		if env.Status != cloud.StatusStopped {
			return "", &RunError{
				Summary: fmt.Sprintf("%s was stopped when the plan was made but now reports %s. Nothing was restored.", mode, env.Status.Label()),
				Next:    "Make the plan again: it then stops the environment first.", Err: ErrTargetChanged,
			}
		}
	}
	// Written before the request: from here on this run never sends another restore.
	r.journalErr("submitting", r.e.journal.RestoreSubmitting(jctx(ctx), r.id))
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
		what := "Mendix Cloud refused the restore"
		if cloud.IsStillRunning(err) {
			what = "Mendix Cloud refused the restore because " + mode + " is still running"
		}
		return "", &RunError{Summary: fmt.Sprintf("%s: %s. %s's data was not changed.", what, cause(err), mode), Err: err}
	}
	r.res.RestoreID = rs.RestoreID
	r.journalErr("restore", r.e.journal.SetRestore(jctx(ctx), r.id, rs.RestoreID))
	r.emit(Event{Step: StepRestore, Type: EventProgress, State: string(rs.State), Message: rs.StatusMessage})
	return fmt.Sprintf("Mendix Cloud accepted the restore of %s into %s (restore %s).", r.snapLabel, mode, rs.RestoreID), nil
}

func (r *runner) undoHint() string {
	if r.res.SafetySnapshotID == "" {
		return ""
	}
	return fmt.Sprintf(" The safety backup %s holds %s's data as it was before.", r.res.SafetySnapshotID, r.t.mode)
}

// ---- wait ----

func (r *runner) doWait(ctx context.Context) (string, error) {
	mode := r.t.mode
	pl := r.newPoller()
	var last *cloud.Restore
	for {
		rs, err := r.e.cloud.GetRestore(ctx, r.t.projectID, r.t.envID, r.res.RestoreID)
		if err == nil {
			pl.ok()
			if last == nil || rs.State != last.State || rs.StatusMessage != last.StatusMessage {
				r.emit(Event{Step: StepWait, Type: EventProgress, State: string(rs.State), Message: rs.StatusMessage})
				r.journalErr("step message", r.e.journal.StepMessage(jctx(ctx), r.id, string(StepWait), rs.StatusMessage))
			}
			last = rs
			switch rs.State {
			case cloud.StateCompleted:
				r.restored = true
				return fmt.Sprintf("The restore into %s is completed.", mode), nil
			case cloud.StateFailed:
				msg := rs.StatusMessage
				if msg == "" {
					msg = "Mendix Cloud gave no reason"
				}
				next := "Restore another backup, or ask Mendix Support what went wrong."
				if r.res.SafetySnapshotID != "" {
					next = fmt.Sprintf("To put back %s's data as it was, undo this run (run %d): it restores the safety backup %s made just before.", mode, r.id, r.res.SafetySnapshotID)
				}
				return "", &RunError{
					Summary: fmt.Sprintf("The restore into %s failed: %s. %s's data may be partly restored, so do not use it as it is.", mode, msg, mode),
					Next:    next, Err: fmt.Errorf("%w: %s", ErrRestoreFailed, msg),
				}
			}
		} else if ctx.Err() == nil {
			if ferr := pl.failed(err); ferr != nil {
				if errors.Is(err, cloud.ErrNotFound) {
					return "", &RunError{
						Summary: fmt.Sprintf("Mendix Cloud no longer knows the restore %s, so Restore Desk cannot tell how it ended.", r.res.RestoreID),
						Next:    fmt.Sprintf("Look at %s in the Mendix Portal and check its data before using it.", mode),
						Err:     fmt.Errorf("%w: %w", ErrOutcomeUnknown, err),
					}
				}
				return "", &RunError{
					Summary: fmt.Sprintf("Restore Desk lost track of the restore into %s: %s. The restore goes on in Mendix Cloud.", mode, cause(err)),
					Next:    fmt.Sprintf("Open the run (%d) from the history to follow it again.", r.id),
					Err:     fmt.Errorf("%w: %w", ErrDetached, err),
				}
			}
		}
		if ctx.Err() != nil {
			return "", r.detached(ctx)
		}
		if err := pl.wait(ctx); err != nil {
			return "", r.detached(ctx)
		}
	}
}

func (r *runner) detached(ctx context.Context) error {
	return &RunError{
		Step:    StepWait,
		Summary: fmt.Sprintf("Restore Desk stopped following the restore into %s, but the restore goes on in Mendix Cloud.", r.t.mode),
		Next:    fmt.Sprintf("Open the run (%d) from the history, or run \"restorectl history\", to follow it again.", r.id),
		Err:     fmt.Errorf("%w: %w", ErrDetached, context.Cause(ctx)),
	}
}

// ---- start ----

func (r *runner) doStart(ctx context.Context) (string, error) {
	mode := r.t.mode
	notStarted := func(summary, next string, err error) error {
		return &RunError{Summary: summary, Next: next, Err: err}
	}
	var job *cloud.StartJob
	var err error
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		job, err = r.e.cloud.StartEnvironment(cctx, r.t.appID, r.t.mode, true)
		cancel()
		// Asking to start twice is harmless: the second answer is ALREADY_STARTED or
		// APP_ALREADY_HAS_A_STARTING_JOB, both handled below.
		if err == nil || !transient(err) || attempt >= 3 || ctx.Err() != nil {
			break
		}
		if serr := sleep(ctx, r.e.poll); serr != nil {
			break
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, cloud.ErrAlreadyStarted):
		r.alreadyDone = true
		r.markStarted(ctx)
		return fmt.Sprintf("%s was already running.", mode), nil
	case errors.Is(err, cloud.ErrBusy):
		// A start is already under way: follow the environment instead of the job.
		job = nil
	case ctx.Err() != nil:
		return "", notStarted(fmt.Sprintf("Starting %s was cancelled.", mode), "", fmt.Errorf("%w: %w", ErrCancelled, err))
	case transient(err):
		// Uncertain answers: one of the requests may have started it; its status tells.
		job = nil
	default:
		return "", notStarted(fmt.Sprintf("%s%s could not be started: %s.", r.startPrefix(), mode, cause(err)), "", err)
	}
	if job != nil {
		if err := r.followStartJob(ctx, job.JobID); err != nil {
			if ctx.Err() != nil {
				return "", notStarted(fmt.Sprintf("Restore Desk stopped following the start of %s; it may still be starting.", mode), "Look at its status in a minute.", fmt.Errorf("%w: %w", ErrCancelled, err))
			}
			if errors.Is(err, ErrStartTimeout) {
				return "", notStarted(fmt.Sprintf("%s%s did not start within %s.", r.startPrefix(), mode, r.e.startTimeout),
					fmt.Sprintf("Look at %s in the Mendix Portal and at the app's logs.", mode), err)
			}
			if !errors.Is(err, cloud.ErrNotFound) {
				return "", notStarted(fmt.Sprintf("%s%s did not start: %s.", r.startPrefix(), mode, cause(err)), "", err)
			}
			// NO_SUCH_STARTJOB: the job is gone; the environment's status tells the rest.
		}
	}
	if err := r.waitStatus(ctx, StepStart, cloud.StatusRunning, r.e.startTimeout); err != nil {
		if ctx.Err() != nil {
			return "", notStarted(fmt.Sprintf("Restore Desk stopped following the start of %s; it may still be starting.", mode), "Look at its status in a minute.", fmt.Errorf("%w: %w", ErrCancelled, err))
		}
		return "", notStarted(fmt.Sprintf("%s%s did not start: %s.", r.startPrefix(), mode, cause(err)),
			fmt.Sprintf("Look at %s in the Mendix Portal and at the app's logs.", mode), err)
	}
	r.markStarted(ctx)
	return fmt.Sprintf("%s is started.", mode), nil
}

// startPrefix opens a start failure's sentence: after a restore, the user must hear that
// the restore itself worked.
func (r *runner) startPrefix() string {
	if r.restored {
		return "The restore is done, but "
	}
	return ""
}

func (r *runner) markStarted(ctx context.Context) {
	r.started = true
	r.journalErr("started", r.e.journal.SetStartedEnv(jctx(ctx), r.id, true))
}

// followStartJob polls a start job until Started.
func (r *runner) followStartJob(ctx context.Context, jobID string) error {
	pl := r.newPoller()
	deadline := r.e.now().Add(r.e.startTimeout)
	last := ""
	for {
		st, err := r.e.cloud.GetStartJob(ctx, r.t.appID, r.t.mode, jobID)
		if err == nil {
			pl.ok()
			if st.Status != last {
				r.emit(Event{Step: StepStart, Type: EventProgress, State: st.Status, Message: fmt.Sprintf("%s is %s.", r.t.mode, strings.ToLower(st.Status))})
				last = st.Status
			}
			if st.Status == cloud.StartStarted {
				return nil
			}
		} else {
			if errors.Is(err, cloud.ErrAlreadyStarted) {
				return nil
			}
			if ferr := pl.failed(err); ferr != nil {
				return ferr
			}
		}
		if r.e.now().After(deadline) {
			return ErrStartTimeout
		}
		if err := pl.wait(ctx); err != nil {
			return err
		}
	}
}

// ---- verify ----

func (r *runner) doVerify(ctx context.Context) (string, error) {
	env, err := r.getEnv(ctx)
	if err != nil {
		return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not read the status of %s: %s.", r.t.mode, cause(err)), Err: err}
	}
	if env.Status != cloud.StatusRunning {
		return "", &RunError{
			Summary: fmt.Sprintf("%s was started but now reports %s.", r.t.mode, env.Status.Label()),
			Next:    fmt.Sprintf("Look at %s in the Mendix Portal and at the app's logs.", r.t.mode),
			Err:     ErrStartTimeout,
		}
	}
	return fmt.Sprintf("%s is running.", r.t.mode), nil
}
