// Package restore owns the restore workflows: a request becomes a plan of steps (inspect,
// upload, safety backup, stop, restore, wait, start, verify) that is shown before anything
// changes, then runs with progress events and is recorded step by step in the journal.
// It knows nothing of Fyne or terminals: the UI and the CLI render its events.
package restore

import (
	"context"
	"io"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// Cloud is what the engine needs of the cloud API; *cloud.Client satisfies it.
type Cloud interface {
	Username() string
	GetEnvironment(ctx context.Context, appID, mode string) (*cloud.Environment, error)
	ListEnvironments(ctx context.Context, appID string) ([]cloud.Environment, error)
	StopEnvironment(ctx context.Context, appID, mode string) error
	StartEnvironment(ctx context.Context, appID, mode string, autoSyncDB bool) (*cloud.StartJob, error)
	GetStartJob(ctx context.Context, appID, mode, jobID string) (*cloud.StartJobStatus, error)
	GetSnapshot(ctx context.Context, projectID, envID, snapshotID string) (*cloud.Snapshot, error)
	ListAllSnapshots(ctx context.Context, projectID, envID string) ([]cloud.Snapshot, error)
	ListSnapshots(ctx context.Context, projectID, envID string, opt cloud.ListOptions) (*cloud.SnapshotPage, error)
	CreateSnapshot(ctx context.Context, projectID, envID, comment string) (*cloud.Snapshot, error)
	CreateRestore(ctx context.Context, projectID, envID string, req cloud.RestoreRequest) (*cloud.Restore, error)
	GetRestore(ctx context.Context, projectID, envID, restoreID string) (*cloud.Restore, error)
	// UploadsSupported answers without a request: false for Mendix's own cloud.
	UploadsSupported() bool
	CreateUpload(ctx context.Context, projectID, envID string, meta cloud.UploadMeta) (*cloud.Upload, error)
	UploadOffset(ctx context.Context, uploadURL string) (int64, error)
	SendUpload(ctx context.Context, uploadURL string, src io.ReaderAt, size int64, onProgress func(delta int64)) error
}

// StepKind names a step of a plan; a plan holds each kind at most once, in this order.
type StepKind string

// Steps in the order they run. Each is present only when it applies.
const (
	StepInspect      StepKind = "inspect"       // local archive checked (upload flow)
	StepUpload       StepKind = "upload"        // archive sent; becomes a backup
	StepSafetyBackup StepKind = "safety_backup" // snapshot of the target before it is replaced
	StepStop         StepKind = "stop"          // target stopped, polled until Stopped
	StepRestore      StepKind = "restore"       // restore job submitted
	StepWait         StepKind = "wait"          // restore job followed until completed/failed
	StepStart        StepKind = "start"         // started with AutoSyncDb, start job polled
	StepVerify       StepKind = "verify"        // environment reported Running

	// StepBackup is the one step of a manual backup run (a plan of Action KindBackup): a
	// backup made and followed until completed.
	StepBackup StepKind = "backup"
)

// Source is what is restored: a snapshot in the cloud, or a local archive file.
type Source struct {
	SnapshotID  string // a snapshot of any environment of the target's app
	SourceEnvID string // the environment that snapshot belongs to; empty = the target
	File        string // a local .backup/.db/.tar.gz/.gz to inspect and upload instead
}

// Target is the environment whose data is replaced.
type Target struct {
	App cloud.App
	Env cloud.Environment

	freeApp bool // the cloud's answer made it a Free App (see IsFreeApp)
}

// Options are the user's choices.
type Options struct {
	DBOnly       bool // database only; file documents stay as they are
	SafetyBackup bool // take a safety backup first (licensed nodes only)
	Start        bool // start the environment after restoring
	UploadOnly   bool // upload flow: make the backup, restore nothing, stop nothing
	// Confirm is the environment name the user typed (UI) or passed with --confirm (CLI).
	// Restoring into production needs it to equal the target's Mode (case-insensitive).
	Confirm string
	// Defaults: the plan starts from its choices' defaults (Outline.Choices) instead of the
	// options above, as a new dialog or a newly chosen target does; see startFromDefaults.
	Defaults bool
}

// Request is a restore (or upload), or a start, stop or backup, the user asked for.
type Request struct {
	Profile string // profile name, recorded in the journal
	// Action asks for a start, stop or manual backup of the target (journal.KindStart,
	// KindStop, KindBackup) instead of a restore; Source and Options are not used then.
	Action  journal.Kind
	Backup  BackupOptions // of a manual backup
	Source  Source
	Target  Target
	Options Options
}

// Step is one planned step with the sentence that explains it.
type Step struct {
	Kind  StepKind
	Title string // "Stop Production and wait until it is stopped"
}

// Plan is shown to the user before anything changes.
type Plan struct {
	// Outline holds the steps, notes (e.g. that a Free App allows no safety backup, what
	// data is replaced and since when changes will be lost), the wrong-app guard's
	// warnings, the confirmation, the choices: the shape every plan shares.
	Outline
	Request    Request
	FreeApp    bool
	Production bool
	// Snapshot is the source snapshot (nil for a file source until uploaded).
	Snapshot *cloud.Snapshot
	// SourceMode names the environment the snapshot belongs to ("Acceptance"); the
	// target's Mode when the backup is the target's own.
	SourceMode string
	// Archive is the inspector's report of a file source (nil for a snapshot source).
	Archive *archive.Report
	// Fit is the wrong-app guard's verdict on the source (see CheckFit): FitWrongApp
	// makes the plan need the environment's name typed, whatever the environment.
	Fit FitCheck
	// ConfirmationRequired: the target is a production environment, or the source looks
	// like another app's data (Fit), and Request.Options.Confirm does not name it. Run refuses with ErrConfirmationRequired
	// until the caller sets Request.Options.Confirm to what the user typed.
	ConfirmationRequired bool
	// UndoOf is the run whose safety backup this plan restores (see Engine.Undo).
	UndoOf int64
	// Allows says which options the front ends may offer for this plan; changing one
	// means planning again.
	Allows Allows

	fileSize int64 // the file as inspected: Run re-inspects it if it changed since
	fileMod  time.Time
}

// NextActions are the next steps a run's end suggests, for each front end to word: follow
// a detached run, start what it left stopped, undo it with its safety backup.
func (r *Result) NextActions() []NextAction {
	var out []NextAction
	if r.Detached {
		out = append(out, NextAction{Kind: ActionFollow, RunID: r.RunID})
	}
	if r.LeftStopped && !r.Detached && !r.stopRun {
		out = append(out, NextAction{Kind: ActionStart, RunID: r.RunID})
	}
	if r.SafetySnapshotID != "" && r.Status.Finished() && r.restoreSent {
		out = append(out, NextAction{Kind: ActionUndo, RunID: r.RunID})
	}
	return out
}

// Result is how a run ended.
type Result struct {
	RunID            int64
	SafetySnapshotID string
	UploadSnapshotID string
	RestoreID        string
	// LeftStopped is true when the run stopped the environment and did not start it again.
	LeftStopped bool
	StoppedEnv  bool // the run stopped the environment
	StartedEnv  bool // the run started it and saw it running
	// Detached: the caller cancelled after the restore was submitted. The restore goes on
	// in the cloud; the run stays unfinished in the journal so Reattach can follow it.
	Detached bool
	// AlreadyDone: a stop run found the environment stopped, or a start run found it
	// running, so the run changed nothing.
	AlreadyDone bool `json:",omitempty"`
	// Backup is the manual backup a backup run made, as last seen (completed, failed,
	// or queued when the run did not wait for it).
	Backup  *cloud.Snapshot `json:",omitempty"`
	Status  journal.Status
	Message string // the final sentence, as the last event said it

	restoreSent bool // the run sent (or may have sent) a restore: only then is there something to undo
	stopRun     bool // stopping was the run's purpose: what it left stopped is no reason to offer a start
}
