// Package journal owns the local history of every restore run: who ran it, what was
// restored into which environment, each step's outcome and timing, the ids a run created
// (safety backup, upload, restore) and how it ended. It lives in one SQLite file in the
// user's data directory, shared safely by the desktop app and restorectl, and it is what
// lets an interrupted run be found and re-attached after a crash or a closed window.
package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"restoredesk/core/localfs"
)

// ErrNotFound is returned by Get and the update methods for an unknown run id.
var ErrNotFound = errors.New("no such run in the journal")

// ErrRunInUse is returned by Claim when another process (or another part of this one) is
// following the run right now.
var ErrRunInUse = errors.New("the run is being followed by another Restore Desk window or command")

// Kind says what a run does.
type Kind string

// Kinds of runs.
const (
	KindRestore Kind = "restore" // a snapshot in the cloud restored into an environment
	KindUpload  Kind = "upload"  // a local archive uploaded (and restored unless upload-only)
	KindUndo    Kind = "undo"    // a run's safety backup restored into the same environment
	KindStart   Kind = "start"   // an environment started (and followed until it runs)
	KindStop    Kind = "stop"    // an environment stopped (and followed until it is stopped)
	KindBackup  Kind = "backup"  // a manual backup made (and followed until completed)
)

// Status is where a run stands.
type Status string

// Run statuses. Only StatusRunning is unfinished.
const (
	StatusRunning     Status = "running"
	StatusCompleted   Status = "completed"
	StatusFailed      Status = "failed"
	StatusCancelled   Status = "cancelled"   // stopped by the user at a safe point
	StatusInterrupted Status = "interrupted" // the process ended mid-run; found and closed later
	StatusUnknown     Status = "unknown"     // a restore may or may not have been submitted
)

// Finished reports whether s is a final status.
func (s Status) Finished() bool { return s != StatusRunning && s != "" }

// Label is the status as a person reads it.
func (s Status) Label() string {
	switch s {
	case StatusRunning:
		return "Running"
	case StatusCompleted:
		return "Completed"
	case StatusFailed:
		return "Failed"
	case StatusCancelled:
		return "Cancelled"
	case StatusInterrupted:
		return "Interrupted"
	case StatusUnknown:
		return "Outcome unknown"
	}
	return string(s)
}

// StepStatus is where one step stands.
type StepStatus string

// Step statuses.
const (
	StepPending StepStatus = "pending"
	StepRunning StepStatus = "running"
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
	StepSkipped StepStatus = "skipped"
)

// Step is one step of a run as recorded.
type Step struct {
	Seq        int
	Kind       string // restore.StepKind as text
	Title      string
	Status     StepStatus
	StartedAt  time.Time
	FinishedAt time.Time
	Message    string
}

// Duration is how long the step took (zero until it finished).
func (s Step) Duration() time.Duration {
	if s.StartedAt.IsZero() || s.FinishedAt.IsZero() {
		return 0
	}
	return s.FinishedAt.Sub(s.StartedAt)
}

// Run is one recorded run.
type Run struct {
	ID   int64
	Kind Kind
	// Who.
	Profile  string
	Username string
	APIURL   string // the cloud's base URL: undo and resume talk to the same one
	// What: a snapshot (and the environment it belongs to) or a local file.
	SnapshotID  string
	SourceEnvID string
	SourceMode  string
	FilePath    string
	FileName    string
	FileSHA256  string
	FileSize    int64
	// DumpDatabase is the database name in the file's dump header: the wrong-app guard
	// compares a new file's with those earlier restores of the environment used.
	DumpDatabase string
	// SourceTakenAt and SourceKind say which backup was restored ("nightly" of 28 Nov
	// 00:12) so lists name it as people know it; the id stays for details.
	SourceTakenAt time.Time
	SourceKind    string
	// Target.
	AppID      string
	AppName    string
	ProjectID  string
	EnvID      string
	Mode       string
	Production bool
	FreeApp    bool
	// Options.
	DBOnly       bool
	SafetyBackup bool
	Start        bool
	UploadOnly   bool
	UndoOf       int64 // the run this one undoes (KindUndo)
	// When.
	StartedAt  time.Time
	FinishedAt time.Time
	// What the run created or did.
	SafetySnapshotID string
	BackupSnapshotID string // the manual backup a KindBackup run made
	UploadURL        string
	UploadSnapshotID string
	// RestoreSubmittedAt is written just before the restore request is sent: a run that
	// has it but no RestoreID may have started a restore nobody knows the id of.
	RestoreSubmittedAt time.Time
	RestoreID          string
	StoppedEnv         bool // the run stopped the environment (written just before asking)
	StartedEnv         bool // the run started it again and saw it running
	// How it ended.
	Status Status
	Error  string
	Steps  []Step
}

// Target is "orderdesk / Production" for lists and messages.
func (r Run) Target() string { return r.AppID + " / " + r.Mode }

// CanUndo reports whether the run can be undone: it sent a restore (so it may have
// replaced an environment's data) after taking a safety backup, and it has finished. A
// run that ended before its restore was sent restored nothing, so there is nothing to undo.
func (r Run) CanUndo() bool {
	return r.SafetySnapshotID != "" && r.Status.Finished() && (r.RestoreID != "" || !r.RestoreSubmittedAt.IsZero()) &&
		(r.Kind == KindRestore || r.Kind == KindUpload || r.Kind == KindUndo)
}

// Source is the snapshot id or file name the run restored.
func (r Run) Source() string {
	if r.FileName != "" {
		return r.FileName
	}
	return r.SnapshotID
}

// Journal is an open journal file. Safe for concurrent use, also by several processes.
type Journal struct {
	db      *sql.DB
	path    string
	lockDir string
	now     func() time.Time
}

// DefaultPath is journal.db in the user's data directory: $XDG_DATA_HOME/restoredesk, else
// ~/.local/share/restoredesk on Unix-like systems; %AppData%\restoredesk on Windows and
// ~/Library/Application Support/restoredesk on macOS.
func DefaultPath() (string, error) {
	dir, err := localfs.DataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "journal.db"), nil
}

// Open opens (creating if needed) the journal at path. The file is shared safely by the
// desktop app and restorectl: WAL mode, a busy timeout, and immediate write transactions.
//
// An Open that fails leaves nothing behind that it made; a full disk is told as such
// (ErrDiskFull, *FullError).
func Open(path string) (_ *Journal, err error) {
	if path == "" {
		return nil, errors.New("open journal: empty path")
	}
	made := newMadeByOpen(path)
	defer func() {
		if err != nil {
			made.undo()
			err = asFull(path, err)
		}
	}()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open journal: create folder: %w", err)
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j := &Journal{db: db, path: path, lockDir: path + ".runs", now: time.Now}
	if err := j.migrate(context.Background()); err != nil {
		db.Close()
		return nil, asCorrupt(path, fmt.Errorf("open journal %s: %w", path, err))
	}
	if err := os.MkdirAll(j.lockDir, 0o700); err != nil {
		db.Close()
		return nil, fmt.Errorf("open journal: create lock folder: %w", err)
	}
	return j, nil
}

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

// Close closes the journal.
func (j *Journal) Close() error { return j.db.Close() }
