package restore

import (
	"errors"
	"fmt"
	"restoredesk/core/archive"
)

// Sentinels callers branch on (errors.Is). Every error the engine returns is a *RunError
// whose plain sentences explain.Explain picks up; these sit in its chain.
var (
	// ErrConfirmationRequired: restoring into production needs the environment's name
	// typed (Options.Confirm), and it was missing or different.
	ErrConfirmationRequired = errors.New("confirmation required: type the production environment's name")
	// ErrFreeAppUpload: Free Apps cannot receive uploaded archives.
	ErrFreeAppUpload = errors.New("a Free App cannot receive an uploaded archive")
	// ErrFreeAppBackup: Free Apps cannot take manual backups.
	ErrFreeAppBackup = errors.New("a Free App cannot take manual backups")
	// ErrBackupFailed: a manual backup ended failed.
	ErrBackupFailed = errors.New("the backup failed")
	// ErrNotRestorable: the local file failed inspection.
	ErrNotRestorable = errors.New("the file cannot be restored")
	// ErrSnapshotNotReady: the source backup is not completed.
	ErrSnapshotNotReady = errors.New("the backup is not completed")
	// ErrTargetBusy: the target is busy (a backup being made, starting, stopping).
	ErrTargetBusy = errors.New("the environment is busy")
	// ErrTargetChanged: the target's state changed between plan and run.
	ErrTargetChanged = errors.New("the environment changed since the plan was made")
	// ErrSafetyBackupFailed: the safety backup could not be made; nothing was changed.
	ErrSafetyBackupFailed = errors.New("the safety backup failed")
	// ErrStopTimeout / ErrStartTimeout: the environment did not reach the state in time.
	ErrStopTimeout  = errors.New("the environment did not stop in time")
	ErrStartTimeout = errors.New("the environment did not start in time")
	// ErrRestoreFailed: the restore job ended failed.
	ErrRestoreFailed = errors.New("the restore failed")
	// ErrUploadRejected: the server did not accept the uploaded archive.
	ErrUploadRejected = errors.New("the uploaded archive was not accepted")
	// ErrOutcomeUnknown: the restore request may or may not have reached the cloud; it is
	// never sent again.
	ErrOutcomeUnknown = errors.New("it is not known whether the restore was started")
	// ErrDetached: following stopped (cancelled) after the restore was submitted; the
	// restore continues in the cloud and the run can be re-attached.
	ErrDetached = errors.New("stopped following the restore; it continues in the cloud")
	// ErrInterrupted: a re-attached run had been interrupted before its restore was
	// submitted; it is closed, saying what it had done.
	ErrInterrupted = errors.New("the run was interrupted")
	// ErrCancelled: the run was cancelled at a safe point.
	ErrCancelled = errors.New("cancelled")
	// ErrRunFinished: Reattach of a run that already ended.
	ErrRunFinished = errors.New("the run has already finished")
	// ErrNothingToUndo: the run made no safety backup.
	ErrNothingToUndo = errors.New("the run made no safety backup to undo it with")
	// ErrOtherCloud: a run was made with another account or on another cloud than the
	// engine's (WithAccount); it is not undone, followed or restarted from here.
	ErrOtherCloud = errors.New("the run was made with another account or on another cloud")
	// ErrInvalidRequest: the request is incomplete or contradictory.
	ErrInvalidRequest = errors.New("invalid restore request")
)

// RunError is every error of Plan and Run: what happened in plain words, what to do, and
// the error underneath (an *cloud.APIError, a sentinel above, ...).
type RunError struct {
	Step    StepKind // the step that failed; empty for plan checks
	Summary string   // a sentence for the app owner, with what it means for their data
	Next    string   // what to do now; empty lets explain use the cause's advice
	// Action is the next step as data, for a front end to offer in its own words (a
	// button, a command line); nil when Next says all.
	Action *NextAction
	Err    error

	report *archive.Report // a file's inspection that found it not restorable (ReportOf)
}

func (e *RunError) Error() string {
	if e.Err == nil {
		return e.Summary
	}
	return fmt.Sprintf("%s (%v)", e.Summary, e.Err)
}

func (e *RunError) Unwrap() error { return e.Err }

// PlainSummary implements explain.Plain.
func (e *RunError) PlainSummary() string { return e.Summary }

// PlainNextStep implements explain.Plain.
func (e *RunError) PlainNextStep() string { return e.Next }

// ActionKind is a next step the engine suggests; each front end words it for itself.
type ActionKind string

// Next steps.
const (
	ActionFollow  ActionKind = "follow"  // follow run RunID again: its restore goes on in the cloud
	ActionUndo    ActionKind = "undo"    // undo run RunID: restore the safety backup it made
	ActionStart   ActionKind = "start"   // start the environment run RunID left stopped
	ActionInspect ActionKind = "inspect" // check the file File locally
)

// NextAction is a next step with what it applies to.
type NextAction struct {
	Kind  ActionKind
	RunID int64  `json:",omitempty"`
	File  string `json:",omitempty"`
}

// ActionOf returns the next step an engine error suggests, or nil.
func ActionOf(err error) *NextAction {
	var re *RunError
	if errors.As(err, &re) {
		return re.Action
	}
	return nil
}

// ReportOf returns the inspection report an engine error carries: that of a file the plan
// found not restorable, for a front end to show what is wrong with it, or of a checked file
// handed over to the Mendix Portal, whose verdict is still shown. Nil otherwise.
func ReportOf(err error) *archive.Report {
	var he *HandoffError // an upload handed over to the Portal was checked first
	if errors.As(err, &he) && he.Report != nil {
		return he.Report
	}
	var re *RunError
	if errors.As(err, &re) {
		return re.report
	}
	return nil
}
