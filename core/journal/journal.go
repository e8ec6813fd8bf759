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
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
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
	// What: a snapshot (and the environment it belongs to) or a local file.
	SnapshotID  string
	SourceEnvID string
	SourceMode  string
	FilePath    string
	FileName    string
	FileSHA256  string
	FileSize    int64
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
	dir, err := dataDir()
	if err != nil {
		return "", fmt.Errorf("find the user data directory: %w", err)
	}
	return filepath.Join(dir, "restoredesk", "journal.db"), nil
}

func dataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		// These have no XDG data directory; the config directory is where user data goes.
		return os.UserConfigDir()
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}

// Open opens (creating if needed) the journal at path. The file is shared safely by the
// desktop app and restorectl: WAL mode, a busy timeout, and immediate write transactions.
func Open(path string) (*Journal, error) {
	if path == "" {
		return nil, errors.New("open journal: empty path")
	}
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

const schema = `
CREATE TABLE IF NOT EXISTS runs (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	kind                 TEXT NOT NULL,
	profile              TEXT NOT NULL DEFAULT '',
	username             TEXT NOT NULL DEFAULT '',
	snapshot_id          TEXT NOT NULL DEFAULT '',
	source_env_id        TEXT NOT NULL DEFAULT '',
	source_mode          TEXT NOT NULL DEFAULT '',
	file_path            TEXT NOT NULL DEFAULT '',
	file_name            TEXT NOT NULL DEFAULT '',
	file_sha256          TEXT NOT NULL DEFAULT '',
	file_size            INTEGER NOT NULL DEFAULT 0,
	app_id               TEXT NOT NULL DEFAULT '',
	app_name             TEXT NOT NULL DEFAULT '',
	project_id           TEXT NOT NULL DEFAULT '',
	env_id               TEXT NOT NULL DEFAULT '',
	mode                 TEXT NOT NULL DEFAULT '',
	production           INTEGER NOT NULL DEFAULT 0,
	free_app             INTEGER NOT NULL DEFAULT 0,
	db_only              INTEGER NOT NULL DEFAULT 0,
	safety_backup        INTEGER NOT NULL DEFAULT 0,
	start_after          INTEGER NOT NULL DEFAULT 0,
	upload_only          INTEGER NOT NULL DEFAULT 0,
	undo_of              INTEGER NOT NULL DEFAULT 0,
	started_at           INTEGER NOT NULL,
	finished_at          INTEGER NOT NULL DEFAULT 0,
	safety_snapshot_id   TEXT NOT NULL DEFAULT '',
	backup_snapshot_id   TEXT NOT NULL DEFAULT '',
	upload_url           TEXT NOT NULL DEFAULT '',
	upload_snapshot_id   TEXT NOT NULL DEFAULT '',
	restore_submitted_at INTEGER NOT NULL DEFAULT 0,
	restore_id           TEXT NOT NULL DEFAULT '',
	stopped_env          INTEGER NOT NULL DEFAULT 0,
	started_env          INTEGER NOT NULL DEFAULT 0,
	status               TEXT NOT NULL,
	error                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
CREATE INDEX IF NOT EXISTS runs_profile_app ON runs(profile, app_id);
CREATE TABLE IF NOT EXISTS steps (
	run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	title       TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	started_at  INTEGER NOT NULL DEFAULT 0,
	finished_at INTEGER NOT NULL DEFAULT 0,
	message     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, kind)
);
`

func (j *Journal) migrate(ctx context.Context) error {
	var mode string
	if err := j.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal (is the file on a network drive?)", mode)
	}
	if _, err := j.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	return j.addColumns(ctx)
}

// addedColumns are the columns of runs that came after the first journals were written:
// addColumns gives an older journal file the columns it lacks.
var addedColumns = []struct{ name, def string }{
	{"backup_snapshot_id", "TEXT NOT NULL DEFAULT ''"},
}

// addColumns adds the missing addedColumns in one immediate transaction, so two processes
// opening an old journal at once do not both add them.
func (j *Journal) addColumns(ctx context.Context) error {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upgrade tables: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info('runs')")
	if err != nil {
		return fmt.Errorf("upgrade tables: %w", err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("upgrade tables: %w", err)
		}
		have[name] = true
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("upgrade tables: %w", err)
	}
	for _, c := range addedColumns {
		if have[c.name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, "ALTER TABLE runs ADD COLUMN "+c.name+" "+c.def); err != nil {
			return fmt.Errorf("upgrade tables: add %s: %w", c.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upgrade tables: %w", err)
	}
	return nil
}

// Times are stored as Unix nanoseconds (0 = unset): exact, sortable, zone-free.
func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Create records a new run (status running) with its planned steps, in order, as pending.
// It returns the run's id; r.ID and r.Status are set.
func (j *Journal) Create(ctx context.Context, r *Run) (int64, error) {
	if r.StartedAt.IsZero() {
		r.StartedAt = j.now()
	}
	r.Status = StatusRunning
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("journal: create run: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (kind, profile, username, snapshot_id,
		source_env_id, source_mode, file_path, file_name, file_sha256, file_size, app_id,
		app_name, project_id, env_id, mode, production, free_app, db_only, safety_backup,
		start_after, upload_only, undo_of, started_at, status)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		string(r.Kind), r.Profile, r.Username, r.SnapshotID, r.SourceEnvID, r.SourceMode,
		r.FilePath, r.FileName, r.FileSHA256, r.FileSize, r.AppID, r.AppName, r.ProjectID,
		r.EnvID, r.Mode, b2i(r.Production), b2i(r.FreeApp), b2i(r.DBOnly),
		b2i(r.SafetyBackup), b2i(r.Start), b2i(r.UploadOnly), r.UndoOf,
		toNanos(r.StartedAt), string(StatusRunning))
	if err != nil {
		return 0, fmt.Errorf("journal: create run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("journal: create run: %w", err)
	}
	for i := range r.Steps {
		s := &r.Steps[i]
		s.Seq = i + 1
		if s.Status == "" {
			s.Status = StepPending
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO steps (run_id, seq, kind, title, status)
			VALUES (?,?,?,?,?)`, id, s.Seq, s.Kind, s.Title, string(s.Status)); err != nil {
			return 0, fmt.Errorf("journal: create step %s: %w", s.Kind, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("journal: create run: %w", err)
	}
	r.ID = id
	return id, nil
}

// exec runs one update of run id and reports ErrNotFound when no row matched.
func (j *Journal) exec(ctx context.Context, what string, id int64, query string, args ...any) error {
	res, err := j.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("journal: %s (run %d): %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("journal: %s (run %d): %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("journal: %s (run %d): %w", what, id, ErrNotFound)
	}
	return nil
}

// StepStarted marks a step running. A step not planned at creation is added at the end.
func (j *Journal) StepStarted(ctx context.Context, id int64, kind, title string) error {
	now := toNanos(j.now())
	return j.exec(ctx, "start step "+kind, id, `INSERT INTO steps (run_id, seq, kind, title, status, started_at)
		VALUES (?, (SELECT COALESCE(MAX(seq),0)+1 FROM steps WHERE run_id = ?), ?, ?, ?, ?)
		ON CONFLICT (run_id, kind) DO UPDATE SET status = excluded.status,
			started_at = excluded.started_at, finished_at = 0, message = '',
			title = CASE WHEN excluded.title = '' THEN steps.title ELSE excluded.title END`,
		id, id, kind, title, string(StepRunning), now)
}

// StepFinished records a step's outcome (done, failed or skipped) and its message.
func (j *Journal) StepFinished(ctx context.Context, id int64, kind string, status StepStatus, message string) error {
	now := toNanos(j.now())
	return j.exec(ctx, "finish step "+kind, id, `UPDATE steps SET status = ?, finished_at = ?, message = ?,
		started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END
		WHERE run_id = ? AND kind = ?`, string(status), now, message, now, id, kind)
}

// StepMessage updates a running step's latest message (e.g. a job's status message).
func (j *Journal) StepMessage(ctx context.Context, id int64, kind, message string) error {
	return j.exec(ctx, "step message "+kind, id, `UPDATE steps SET message = ? WHERE run_id = ? AND kind = ?`,
		message, id, kind)
}

// SetFile records the inspected file's checksum and size.
func (j *Journal) SetFile(ctx context.Context, id int64, sha256 string, size int64) error {
	return j.exec(ctx, "record file", id, `UPDATE runs SET file_sha256 = ?, file_size = ? WHERE id = ?`,
		sha256, size, id)
}

// SetSafetySnapshot records the safety backup's snapshot id as soon as it is known.
func (j *Journal) SetSafetySnapshot(ctx context.Context, id int64, snapshotID string) error {
	return j.exec(ctx, "record safety backup", id, `UPDATE runs SET safety_snapshot_id = ? WHERE id = ?`,
		snapshotID, id)
}

// SetBackupSnapshot records the manual backup a KindBackup run made, as soon as it is known.
func (j *Journal) SetBackupSnapshot(ctx context.Context, id int64, snapshotID string) error {
	return j.exec(ctx, "record backup", id, `UPDATE runs SET backup_snapshot_id = ? WHERE id = ?`,
		snapshotID, id)
}

// SetUpload records a created upload's URL and snapshot id, before any byte is sent, so a
// restart can resume it.
func (j *Journal) SetUpload(ctx context.Context, id int64, uploadURL, snapshotID string) error {
	return j.exec(ctx, "record upload", id, `UPDATE runs SET upload_url = ?, upload_snapshot_id = ? WHERE id = ?`,
		uploadURL, snapshotID, id)
}

// SetSource records the snapshot a run restores once known (an upload's snapshot).
func (j *Journal) SetSource(ctx context.Context, id int64, snapshotID, sourceEnvID string) error {
	return j.exec(ctx, "record source", id, `UPDATE runs SET snapshot_id = ?, source_env_id = ? WHERE id = ?`,
		snapshotID, sourceEnvID, id)
}

// RestoreSubmitting is written just before the restore request is sent. After it, the run
// must never send another: the request may have reached the cloud.
func (j *Journal) RestoreSubmitting(ctx context.Context, id int64) error {
	return j.exec(ctx, "record restore submission", id, `UPDATE runs SET restore_submitted_at = ? WHERE id = ?`,
		toNanos(j.now()), id)
}

// SetRestore records the restore id the cloud returned.
func (j *Journal) SetRestore(ctx context.Context, id int64, restoreID string) error {
	return j.exec(ctx, "record restore", id, `UPDATE runs SET restore_id = ? WHERE id = ?`, restoreID, id)
}

// SetStoppedEnv records whether the run stopped the environment. It is set to true just
// before the stop request, so a crash right after still knows.
func (j *Journal) SetStoppedEnv(ctx context.Context, id int64, stopped bool) error {
	return j.exec(ctx, "record stop", id, `UPDATE runs SET stopped_env = ? WHERE id = ?`, b2i(stopped), id)
}

// SetStartedEnv records that the run started the environment and saw it running.
func (j *Journal) SetStartedEnv(ctx context.Context, id int64, started bool) error {
	return j.exec(ctx, "record start", id, `UPDATE runs SET started_env = ? WHERE id = ?`, b2i(started), id)
}

// Finish records how the run ended. errText is empty for a completed run.
func (j *Journal) Finish(ctx context.Context, id int64, status Status, errText string) error {
	if !status.Finished() {
		return fmt.Errorf("journal: finish run %d: %q is not a final status", id, status)
	}
	err := j.exec(ctx, "finish run", id, `UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`,
		string(status), errText, toNanos(j.now()), id)
	if err == nil {
		// A finished run is never claimed again: its lock file can go (best effort; on
		// Windows an open file cannot be removed and simply stays).
		_ = os.Remove(j.lockName(id))
	}
	return err
}

const runColumns = `id, kind, profile, username, snapshot_id, source_env_id, source_mode, file_path,
	file_name, file_sha256, file_size, app_id, app_name, project_id, env_id, mode, production,
	free_app, db_only, safety_backup, start_after, upload_only, undo_of, started_at,
	finished_at, safety_snapshot_id, backup_snapshot_id, upload_url, upload_snapshot_id, restore_submitted_at,
	restore_id, stopped_env, started_env, status, error`

type scanner interface{ Scan(dest ...any) error }

func scanRun(s scanner) (Run, error) {
	var r Run
	var kind, status string
	var prod, free, dbOnly, safety, start, uploadOnly, stopped, started int
	var startedAt, finishedAt, submittedAt int64
	err := s.Scan(&r.ID, &kind, &r.Profile, &r.Username, &r.SnapshotID, &r.SourceEnvID,
		&r.SourceMode, &r.FilePath, &r.FileName, &r.FileSHA256, &r.FileSize, &r.AppID,
		&r.AppName, &r.ProjectID, &r.EnvID, &r.Mode, &prod, &free, &dbOnly, &safety, &start,
		&uploadOnly, &r.UndoOf, &startedAt, &finishedAt, &r.SafetySnapshotID, &r.BackupSnapshotID, &r.UploadURL,
		&r.UploadSnapshotID, &submittedAt, &r.RestoreID, &stopped, &started, &status, &r.Error)
	if err != nil {
		return r, err
	}
	r.Kind, r.Status = Kind(kind), Status(status)
	r.Production, r.FreeApp, r.DBOnly = prod != 0, free != 0, dbOnly != 0
	r.SafetyBackup, r.Start, r.UploadOnly = safety != 0, start != 0, uploadOnly != 0
	r.StoppedEnv, r.StartedEnv = stopped != 0, started != 0
	r.StartedAt, r.FinishedAt = fromNanos(startedAt), fromNanos(finishedAt)
	r.RestoreSubmittedAt = fromNanos(submittedAt)
	return r, nil
}

// Get returns one run with its steps.
func (j *Journal) Get(ctx context.Context, id int64) (*Run, error) {
	r, err := scanRun(j.db.QueryRowContext(ctx, "SELECT "+runColumns+" FROM runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("journal: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: read run %d: %w", id, err)
	}
	steps, err := j.steps(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	r.Steps = steps[id]
	return &r, nil
}

func (j *Journal) steps(ctx context.Context, ids []int64) (map[int64][]Step, error) {
	out := make(map[int64][]Step, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT run_id, seq, kind, title, status, started_at, finished_at, message FROM steps
		WHERE run_id IN (?` + strings.Repeat(",?", len(ids)-1) + `) ORDER BY run_id, seq`
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: read steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var runID, s0, s1 int64
		var s Step
		var status string
		if err := rows.Scan(&runID, &s.Seq, &s.Kind, &s.Title, &status, &s0, &s1, &s.Message); err != nil {
			return nil, fmt.Errorf("journal: read steps: %w", err)
		}
		s.Status = StepStatus(status)
		s.StartedAt, s.FinishedAt = fromNanos(s0), fromNanos(s1)
		out[runID] = append(out[runID], s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: read steps: %w", err)
	}
	return out, nil
}

// Filter narrows List and ExportCSV. Empty fields match everything.
type Filter struct {
	Profile string
	AppID   string
	Limit   int // 0 = no limit
}

// List returns runs, newest first, with their steps.
func (j *Journal) List(ctx context.Context, f Filter) ([]Run, error) {
	q := "SELECT " + runColumns + " FROM runs WHERE 1=1"
	var args []any
	if f.Profile != "" {
		q += " AND profile = ?"
		args = append(args, f.Profile)
	}
	if f.AppID != "" {
		q += " AND app_id = ?"
		args = append(args, f.AppID)
	}
	q += " ORDER BY started_at DESC, id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return j.query(ctx, q, args...)
}

func (j *Journal) query(ctx context.Context, q string, args ...any) ([]Run, error) {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: list runs: %w", err)
	}
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("journal: list runs: %w", err)
		}
		runs = append(runs, r)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("journal: list runs: %w", err)
	}
	ids := make([]int64, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	steps, err := j.steps(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range runs {
		runs[i].Steps = steps[runs[i].ID]
	}
	return runs, nil
}

// Unfinished returns the runs that are still marked running but that no live process is
// following (see Claim): runs interrupted by a crash or by closing the app. Oldest first.
func (j *Journal) Unfinished(ctx context.Context) ([]Run, error) {
	runs, err := j.query(ctx, "SELECT "+runColumns+" FROM runs WHERE status = ? ORDER BY id",
		string(StatusRunning))
	if err != nil {
		return nil, err
	}
	out := runs[:0]
	for _, r := range runs {
		if !j.claimed(r.ID) {
			out = append(out, r)
		}
	}
	return out, nil
}
