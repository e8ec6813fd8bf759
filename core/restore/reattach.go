package restore

import (
	"context"
	"errors"
	"fmt"
	"os"

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

// Describe says in one sentence what an unfinished run had done and what Reattach will do.
func Describe(r journal.Run) string {
	switch {
	case r.RestoreID != "":
		return fmt.Sprintf("Run %d restored into %s of %s and was interrupted while the restore was running: Restore Desk can follow it to the end.", r.ID, r.Mode, r.AppID)
	case !r.RestoreSubmittedAt.IsZero():
		return fmt.Sprintf("Run %d was interrupted while it submitted a restore into %s of %s: it is not known whether the restore started.", r.ID, r.Mode, r.AppID)
	case r.StoppedEnv && !r.StartedEnv:
		return fmt.Sprintf("Run %d stopped %s of %s and was interrupted before restoring: nothing was restored, and %s may still be stopped.", r.ID, r.Mode, r.AppID, r.Mode)
	case r.UploadURL != "":
		return fmt.Sprintf("Run %d was uploading %s to %s of %s: the upload can continue where it stopped.", r.ID, r.FileName, r.Mode, r.AppID)
	}
	return fmt.Sprintf("Run %d (%s of %s) was interrupted before anything was changed.", r.ID, r.Mode, r.AppID)
}

// Reattach picks up an interrupted run and ends it properly:
//   - its restore was submitted: it is followed by restore id to the end (never sent
//     again), then the environment is started if the run was asked to;
//   - the restore request went out but its id was never recorded: the run ends as
//     unknown, telling the user to look in the Mendix Portal (never sent again);
//   - it had only stopped the environment: that is said (Result.LeftStopped), and
//     StartAfter can start it;
//   - it was uploading: the upload continues from the server's offset until it is a
//     backup; an upload-only run then completes, otherwise the run ends saying the
//     restore of that backup was not done (it needs a new, confirmed plan);
//   - otherwise nothing had changed, and the run is closed saying so.
func (e *Engine) Reattach(ctx context.Context, runID int64, onEvent func(Event)) (*Result, error) {
	release, err := e.journal.Claim(runID)
	if err != nil {
		return nil, planErr(fmt.Sprintf("Run %d is being followed by another Restore Desk window or command.", runID),
			"Wait for it to finish there.", err)
	}
	defer release()
	jr, err := e.journal.Get(ctx, runID)
	if err != nil {
		return nil, planErr(fmt.Sprintf("Run %d was not found in the journal.", runID), "", err)
	}
	if jr.Status.Finished() {
		return nil, planErr(fmt.Sprintf("Run %d has already finished (%s).", runID, jr.Status), "", ErrRunFinished)
	}
	r := e.newRunner(runID, jr, onEvent)
	r.opts = Options{DBOnly: jr.DBOnly, SafetyBackup: jr.SafetyBackup, Start: jr.Start, UploadOnly: jr.UploadOnly}
	r.stopped, r.started = jr.StoppedEnv, jr.StartedEnv
	r.res.SafetySnapshotID, r.res.UploadSnapshotID, r.res.RestoreID = jr.SafetySnapshotID, jr.UploadSnapshotID, jr.RestoreID
	r.snapshotID, r.filePath, r.fileSHA, r.fileSize = jr.SnapshotID, jr.FilePath, jr.FileSHA256, jr.FileSize
	r.snapLabel = "the backup " + jr.SnapshotID
	for _, s := range jr.Steps {
		r.titles[StepKind(s.Kind)] = s.Title
	}
	r.emit(Event{Type: EventMessage, Message: Describe(*jr)})
	mode := jr.Mode

	switch {
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
	summary := fmt.Sprintf("Run %d was interrupted before anything in %s was changed.", runID, mode)
	if jr.SafetySnapshotID != "" {
		summary += fmt.Sprintf(" Its safety backup %s stays available.", jr.SafetySnapshotID)
	}
	return r.finish(ctx, &RunError{Summary: summary, Next: "Start a new restore when you are ready.", Err: ErrInterrupted})
}

// resumeUpload continues a journaled upload from the server's offset.
func (r *runner) resumeUpload(ctx context.Context, jr *journal.Run) (string, error) {
	snap, err := r.e.cloud.GetSnapshot(ctx, r.t.projectID, r.t.envID, jr.UploadSnapshotID)
	if err == nil && snap.State == cloud.StateCompleted {
		r.snapshotID = jr.UploadSnapshotID
		r.journalErr("source", r.e.journal.SetSource(jctx(ctx), r.id, jr.UploadSnapshotID, r.t.envID))
		return fmt.Sprintf("%s had been uploaded completely; it is the backup %s.", jr.FileName, jr.UploadSnapshotID), nil
	}
	fi, serr := os.Stat(jr.FilePath)
	if serr != nil || fi.Size() != jr.FileSize {
		return "", &RunError{
			Summary: fmt.Sprintf("The upload of %s cannot continue: the file is missing or changed since it was checked. Nothing was changed in %s.", jr.FileName, r.t.mode),
			Next:    "Choose the file again to upload it anew.", Err: errors.Join(ErrNotRestorable, serr),
		}
	}
	return r.sendAndWait(ctx, jr.UploadURL, jr.UploadSnapshotID)
}

// Undo plans restoring run runID's safety backup into the same environment (with a new
// safety backup first, so the undo can itself be undone). The caller shows the plan and,
// for production, sets Request.Options.Confirm before Run.
func (e *Engine) Undo(ctx context.Context, runID int64) (*Plan, error) {
	jr, err := e.journal.Get(ctx, runID)
	if err != nil {
		return nil, planErr(fmt.Sprintf("Run %d was not found in the journal.", runID), "", err)
	}
	if !jr.Status.Finished() {
		return nil, planErr(fmt.Sprintf("Run %d has not finished yet; it can be undone once it has.", runID),
			"Follow it to the end first.", journal.ErrRunInUse)
	}
	if jr.SafetySnapshotID == "" {
		return nil, planErr(fmt.Sprintf("Run %d made no safety backup, so Restore Desk cannot undo it.", runID),
			"Restore an older backup of the environment instead.", ErrNothingToUndo)
	}
	req := Request{
		Profile: jr.Profile,
		Source:  Source{SnapshotID: jr.SafetySnapshotID, SourceEnvID: jr.EnvID},
		Target: Target{
			App: cloud.App{AppID: jr.AppID, Name: jr.AppName, ProjectID: jr.ProjectID},
			Env: cloud.Environment{EnvironmentID: jr.EnvID, Mode: jr.Mode},
		},
		Options: Options{DBOnly: jr.DBOnly, SafetyBackup: true, Start: jr.Start},
	}
	p, err := e.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	p.UndoOf = runID
	p.Notes = append([]string{fmt.Sprintf("This undoes run %d: %s gets back the data it had just before that run (safety backup %s).",
		runID, jr.Mode, jr.SafetySnapshotID)}, p.Notes...)
	return p, nil
}

// StartAfter starts the environment that run runID left stopped, as a new journaled run.
func (e *Engine) StartAfter(ctx context.Context, runID int64, onEvent func(Event)) (*Result, error) {
	jr, err := e.journal.Get(ctx, runID)
	if err != nil {
		return nil, planErr(fmt.Sprintf("Run %d was not found in the journal.", runID), "", err)
	}
	t := Target{
		App: cloud.App{AppID: jr.AppID, Name: jr.AppName, ProjectID: jr.ProjectID},
		Env: cloud.Environment{EnvironmentID: jr.EnvID, Mode: jr.Mode, Production: cloud.FlexBool(jr.Production)},
	}
	return e.StartTarget(ctx, jr.Profile, t, onEvent)
}

// StartTarget starts an environment (AutoSyncDb on), follows the start job and checks
// that it runs; journaled as a run of its own.
func (e *Engine) StartTarget(ctx context.Context, profile string, t Target, onEvent func(Event)) (*Result, error) {
	if t.App.AppID == "" || t.Env.Mode == "" {
		return nil, planErr("Choose the app and environment to start.", "", ErrInvalidRequest)
	}
	mode := t.Env.Mode
	jr := &journal.Run{
		Kind: journal.KindStart, Profile: profile, Username: e.cloud.Username(),
		AppID: t.App.AppID, AppName: t.App.Name, ProjectID: t.App.ProjectID,
		EnvID: t.Env.EnvironmentID, Mode: mode, Production: t.Env.IsProduction(),
		FreeApp: IsFreeApp(t), Start: true,
		Steps: []journal.Step{{Kind: string(StepStart), Title: defaultTitle(StepStart, mode)}, {Kind: string(StepVerify), Title: defaultTitle(StepVerify, mode)}},
	}
	id, err := e.journal.Create(jctx(ctx), jr)
	if err != nil {
		return nil, planErr("Restore Desk could not write to its journal, so it did not start the environment.", "", err)
	}
	release, err := e.journal.Claim(id)
	if err != nil {
		err = planErr("Restore Desk could not reserve the run in its journal, so it did not start the environment.", "", err)
		_ = e.journal.Finish(jctx(ctx), id, journal.StatusFailed, plainOf(err))
		return nil, err
	}
	defer release()
	r := e.newRunner(id, jr, onEvent)
	r.opts = Options{Start: true}
	err = r.step(ctx, StepStart, false)
	if err == nil {
		err = r.step(ctx, StepVerify, false)
	}
	return r.finish(ctx, err)
}
