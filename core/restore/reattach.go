package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// Unfinished returns the runs that were interrupted (a crash, a closed window, a cancel
// after the restore was submitted) and that nobody is following now. Oldest first.
func (e *Engine) Unfinished(ctx context.Context) ([]journal.Run, error) {
	runs, err := e.journal.Unfinished(ctx)
	if err != nil {
		return nil, planErr("Restore Desk could not read its journal.", "", err)
	}
	return runs, nil
}

// getRun reads run runID from the journal; only a run that is not there is called "not
// found" (a journal that cannot be read says so).
func (e *Engine) getRun(ctx context.Context, runID int64) (*journal.Run, error) {
	jr, err := e.journal.Get(ctx, runID)
	switch {
	case errors.Is(err, journal.ErrNotFound):
		return nil, planErr(fmt.Sprintf("Run %d was not found in the journal.", runID),
			"Look up the run's number in the history.", err)
	case err != nil:
		return nil, planErr(fmt.Sprintf("Restore Desk could not read run %d from its journal.", runID),
			"Check that the journal's disk is reachable, then try again.", err)
	}
	return jr, nil
}

// Describe says in one sentence what an unfinished run had done and what Reattach will do.
func Describe(r journal.Run) string {
	switch {
	case r.Kind == KindLocalRestore:
		return describeLocal(r)
	case r.Kind == KindRowsRestore:
		return fmt.Sprintf("Run %d was bringing back rows from %s into the local database %q when it was interrupted: they were written in one transaction, so the database holds all of them or none.", r.ID, r.FileName, r.Mode)
	case r.Kind == journal.KindDownload:
		where := "in the download folder"
		if r.FilePath != "" {
			where = "beside " + r.FilePath
		}
		return fmt.Sprintf("Run %d was downloading the backup %s of %s of %s when it was interrupted: nothing in the cloud was changed, and the part already fetched is kept %s.", r.ID, r.SnapshotID, r.Mode, r.AppID, where)
	case r.Kind == journal.KindDownloadLink:
		return fmt.Sprintf("Run %d was asking for a download link of the backup %s of %s of %s when it was interrupted: nothing in the environment was changed, and no link was kept.", r.ID, r.SnapshotID, r.Mode, r.AppID)
	case r.Kind == KindTableRead:
		return fmt.Sprintf("Run %d was asking for an archive of the backup %s of %s of %s, to read its table list, when it was interrupted: nothing in the environment was changed.", r.ID, r.SnapshotID, r.Mode, r.AppID)
	case r.Kind == journal.KindStop:
		return fmt.Sprintf("Run %d was stopping %s of %s when it was interrupted: Restore Desk can check whether it stopped.", r.ID, r.Mode, r.AppID)
	case r.Kind == journal.KindStart:
		return fmt.Sprintf("Run %d was starting %s of %s when it was interrupted: Restore Desk can check whether it runs.", r.ID, r.Mode, r.AppID)
	case r.Kind == journal.KindBackup && r.BackupSnapshotID != "":
		return fmt.Sprintf("Run %d was making a backup of %s of %s when it was interrupted: Restore Desk can follow it to the end.", r.ID, r.Mode, r.AppID)
	case r.Kind == journal.KindBackup:
		return fmt.Sprintf("Run %d was interrupted while it asked for a backup of %s of %s.", r.ID, r.Mode, r.AppID)
	case r.RestoreID != "":
		return fmt.Sprintf("Run %d restored into %s of %s and was interrupted while the restore was running: Restore Desk can follow it to the end.", r.ID, r.Mode, r.AppID)
	case !r.RestoreSubmittedAt.IsZero():
		return fmt.Sprintf("Run %d was interrupted while it submitted a restore into %s of %s: it is not known whether the restore started.", r.ID, r.Mode, r.AppID)
	case r.StoppedEnv && !r.StartedEnv:
		return fmt.Sprintf("Run %d stopped %s of %s and was interrupted before restoring: nothing was restored, and %s may still be stopped.", r.ID, r.Mode, r.AppID, r.Mode)
	case r.UploadURL != "":
		return fmt.Sprintf("Run %d was uploading %s to %s of %s: the upload can continue where it stopped.", r.ID, r.FileName, r.Mode, r.AppID)
	case r.Kind == journal.KindComment || r.Kind == journal.KindDelete:
		return fmt.Sprintf("Run %d was changing the backup %s of %s of %s when it was interrupted: the list of backups shows whether it was done.", r.ID, r.SnapshotID, r.Mode, r.AppID)
	}
	return fmt.Sprintf("Run %d (%s of %s) was interrupted before it stopped the environment or sent a restore: it restored nothing.", r.ID, r.Mode, r.AppID)
}

// Reattach picks up an interrupted run and ends it properly:
//   - its restore was submitted: it is followed by restore id to the end (never sent
//     again), then the environment is started if the run was asked to;
//   - the restore request went out but its id was never recorded: the run ends as
//     unknown, telling the user to look in the Mendix Portal (never sent again);
//   - it had only stopped the environment: that is said (Result.LeftStopped), and
//     PlanStartAfter plans starting it;
//   - it was uploading: the upload continues from the server's offset until it is a
//     backup; an upload-only run then completes, otherwise the run ends saying the
//     restore of that backup was not done (it needs a new, confirmed plan);
//   - otherwise nothing had changed, and the run is closed saying so.
//
// An interrupted start or stop run is closed by the environment's status now (it is not
// asked again); an interrupted backup run follows its backup to the end.
func (e *Engine) Reattach(ctx context.Context, runID int64, onEvent func(Event)) (*Result, error) {
	release, err := e.journal.Claim(runID)
	if errors.Is(err, journal.ErrRunInUse) {
		return nil, planErr(fmt.Sprintf("Run %d is being followed by another Restore Desk window or command.", runID),
			"Wait for it to finish there.", err)
	}
	if err != nil {
		return nil, planErr(fmt.Sprintf("Restore Desk could not reserve run %d in its journal, so it did not follow it.", runID),
			"Check that Restore Desk may write to its data folder, then try again.", err)
	}
	defer release()
	jr, err := e.getRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if jr.Status.Finished() {
		return nil, planErr(fmt.Sprintf("Run %d has already finished (%s).", runID, jr.Status), "", ErrRunFinished)
	}
	// A download or local restore is only closed, touching no cloud: any engine may.
	if !readsOnly(jr.Kind) {
		if err := e.sameAccount(jr, "follow it again"); err != nil {
			return nil, err
		}
	}
	r := e.newRunner(runID, jr, onEvent)
	r.opts = Options{DBOnly: jr.DBOnly, SafetyBackup: jr.SafetyBackup, Start: jr.Start, UploadOnly: jr.UploadOnly}
	r.stopped, r.started = jr.StoppedEnv, jr.StartedEnv
	r.res.SafetySnapshotID, r.res.UploadSnapshotID, r.res.RestoreID = jr.SafetySnapshotID, jr.UploadSnapshotID, jr.RestoreID
	r.res.restoreSent = jr.RestoreID != "" || !jr.RestoreSubmittedAt.IsZero()
	r.snapshotID, r.filePath, r.fileSHA, r.fileSize = jr.SnapshotID, jr.FilePath, jr.FileSHA256, jr.FileSize
	r.snapLabel = "the backup"
	for _, s := range jr.Steps {
		r.titles[StepKind(s.Kind)] = s.Title
	}
	// What was done before the restart comes first, so no front end replays the journal.
	for _, s := range jr.Steps {
		if s.Status == journal.StepDone {
			r.emit(Event{Step: StepKind(s.Kind), Type: EventStepStarted, Title: s.Title})
			r.emit(Event{Step: StepKind(s.Kind), Type: EventStepDone, Message: s.Message})
		}
	}
	r.emit(Event{Type: EventMessage, Message: Describe(*jr)})
	mode := jr.Mode

	switch {
	case jr.Kind == KindLocalRestore:
		return r.finish(ctx, localInterrupted(*jr))
	case jr.Kind == KindRowsRestore:
		return r.finish(ctx, &RunError{Summary: Describe(*jr), Next: "Compare the backups again and bring the rows back: rows that are there already are left alone.", Err: ErrInterrupted})

	case jr.Kind == journal.KindDownload:
		// A download changes nothing in the cloud: there is nothing to follow, and a new
		// download into the same folder continues from the .part when the object is the same.
		return r.finish(ctx, &RunError{
			Summary: Describe(*jr),
			Next:    "Download the backup again into the same folder: it continues where it stopped when the cloud serves the same archive.",
			Err:     ErrInterrupted,
		})

	case jr.Kind == journal.KindDownloadLink:
		// The link was never kept: there is nothing to follow.
		return r.finish(ctx, &RunError{Summary: Describe(*jr), Next: "Ask for the download link again.", Err: ErrInterrupted})

	case jr.Kind == KindTableRead:
		// The next plan that needs the tables asks again.
		return r.finish(ctx, &RunError{Summary: Describe(*jr), Next: "Nothing to do: the next restore or upload plan asks for the table list again.", Err: ErrInterrupted})

	case jr.Kind == journal.KindStart || jr.Kind == journal.KindStop || jr.Kind == journal.KindBackup:
		return r.finish(ctx, r.reattachAction(ctx, jr))

	case jr.Kind == journal.KindComment || jr.Kind == journal.KindDelete:
		// The request may have gone out: only the backup list can tell, so nothing is sent again.
		return r.finish(ctx, &RunError{
			Summary: fmt.Sprintf("Run %d was interrupted while it changed the backup %s of %s, so it is not known whether the change was made.", runID, jr.SnapshotID, mode),
			Next:    "Look at the list of backups, and make the change again if it is not there.",
			Err:     ErrInterrupted,
		})

	case jr.RestoreID != "":
		err := r.step(ctx, StepWait, true)
		if err == nil && jr.Start && !jr.StartedEnv {
			if err = r.step(ctx, StepStart, true); err == nil {
				err = r.step(ctx, StepVerify, true)
			}
		}
		return r.finish(ctx, err)

	case !jr.RestoreSubmittedAt.IsZero():
		return r.finish(ctx, &RunError{
			Step:    StepRestore,
			Summary: fmt.Sprintf("Run %d was interrupted while its restore was being submitted, so it is not known whether Mendix Cloud started it. Restore Desk will not submit it again.", runID),
			Next:    fmt.Sprintf("Open %s in the Mendix Portal: if a restore is running or finished there, wait for it and check the data; if not, start a new restore here.%s", mode, r.undoHint()),
			Err:     ErrOutcomeUnknown,
		})

	case jr.StoppedEnv && !jr.StartedEnv:
		if env, gerr := r.getEnv(ctx); gerr == nil && env.Status == cloud.StatusRunning {
			r.stopped = false // someone started it since: it is not left stopped
		}
		summary := fmt.Sprintf("Run %d stopped %s and was interrupted before restoring: nothing was restored.", runID, mode)
		next := fmt.Sprintf("Start %s again, or make a new restore.", mode)
		if !r.stopped {
			next = "Make a new restore if you still need one."
		}
		return r.finish(ctx, &RunError{Summary: summary, Next: next, Err: ErrInterrupted})

	case jr.UploadURL != "":
		err := r.stepWith(ctx, StepUpload, func(ctx context.Context) (string, error) { return r.resumeUpload(ctx, jr) })
		if err == nil && !jr.UploadOnly {
			err = &RunError{
				Summary: fmt.Sprintf("%s is uploaded as the backup %s of %s, but run %d was interrupted before the restore: nothing was restored.", jr.FileName, jr.UploadSnapshotID, mode, runID),
				Next:    "Restore that backup from the list of backups when you are ready.",
				Err:     ErrInterrupted,
			}
		}
		return r.finish(ctx, err)
	}
	// The journal shows no stop, no upload and no restore request, and the engine records
	// each before sending it: so this run sent none of them. That is all it can vouch for
	// (the cloud keeps no list of restores to ask), so it says no more than that.
	summary := fmt.Sprintf("Run %d was interrupted before it stopped %s or sent a restore (each is recorded before it is sent, and none was): this run restored nothing.", runID, mode)
	if jr.SafetySnapshotID != "" {
		summary += " Its safety backup stays available."
	}
	return r.finish(ctx, &RunError{Summary: summary, Next: "Start a new restore when you are ready.", Err: ErrInterrupted})
}

// reattachAction ends an interrupted start, stop or backup run: a backup whose id was
// recorded is followed to its end; a start or stop is judged by the environment's status
// now. Asking the cloud again is left to the user: much may have happened since.
func (r *runner) reattachAction(ctx context.Context, jr *journal.Run) error {
	mode := jr.Mode
	if jr.Kind == journal.KindBackup {
		if jr.BackupSnapshotID == "" {
			return &RunError{
				Step:    StepBackup,
				Summary: fmt.Sprintf("Run %d was interrupted while it asked for a backup of %s, so it is not known whether one is being made.", jr.ID, mode),
				Next:    "Look at the list of backups, and make one again if it is not there.", Err: ErrInterrupted,
			}
		}
		return r.stepWith(ctx, StepBackup, func(ctx context.Context) (string, error) { return r.followBackup(ctx, jr.BackupSnapshotID) })
	}
	step, want, doing, again := StepStop, cloud.StatusStopped, "stopping", "Stop"
	if jr.Kind == journal.KindStart {
		step, want, doing, again = StepStart, cloud.StatusRunning, "starting", "Start"
	}
	return r.stepWith(ctx, step, func(ctx context.Context) (string, error) {
		env, err := r.getEnv(ctx)
		if err != nil {
			return "", &RunError{
				Summary: fmt.Sprintf("Run %d was interrupted while %s %s, and Restore Desk cannot read its status now: %s.", jr.ID, doing, mode, cause(err)),
				Next:    fmt.Sprintf("Look at %s in the Mendix Portal.", mode), Err: fmt.Errorf("%w: %w", ErrInterrupted, err),
			}
		}
		if env.Status != want {
			return "", &RunError{
				Summary: fmt.Sprintf("Run %d was interrupted while %s %s, which now reports %s.", jr.ID, doing, mode, env.Status.Label()),
				Next:    fmt.Sprintf("%s %s again if that is still what you want.", again, mode), Err: ErrInterrupted,
			}
		}
		if jr.Kind == journal.KindStart {
			r.markStarted(ctx)
		}
		return fmt.Sprintf("%s is %s.", mode, strings.ToLower(want.Label())), nil
	})
}
