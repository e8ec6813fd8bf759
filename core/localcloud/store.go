package localcloud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver ("sqlite")
)

// schema is the whole database. Times are UTC milliseconds since the epoch, NULL while unset.
const schema = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
	username TEXT PRIMARY KEY COLLATE NOCASE,
	salt     BLOB NOT NULL,
	key_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS apps (
	project_id TEXT PRIMARY KEY,
	app_id     TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name       TEXT NOT NULL,
	url        TEXT NOT NULL,
	free       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS environments (
	env_id              TEXT PRIMARY KEY,
	project_id          TEXT NOT NULL REFERENCES apps(project_id),
	mode                TEXT NOT NULL COLLATE NOCASE,
	position            INTEGER NOT NULL,
	url                 TEXT NOT NULL,
	status              TEXT NOT NULL,
	production          INTEGER NOT NULL DEFAULT 0,
	model_version       TEXT NOT NULL DEFAULT '',
	mendix_version      TEXT NOT NULL DEFAULT '',
	runtime_layer       TEXT NOT NULL DEFAULT '',
	instances           INTEGER NOT NULL DEFAULT 0,
	memory_per_instance INTEGER NOT NULL DEFAULT 0,
	stop_due            INTEGER,
	UNIQUE (project_id, mode)
);
CREATE TABLE IF NOT EXISTS permissions (
	env_id   TEXT NOT NULL REFERENCES environments(env_id),
	username TEXT NOT NULL COLLATE NOCASE,
	api      INTEGER NOT NULL,
	backups  INTEGER NOT NULL,
	PRIMARY KEY (env_id, username)
);
CREATE INDEX IF NOT EXISTS permissions_user ON permissions(username);
CREATE TABLE IF NOT EXISTS snapshots (
	snapshot_id    TEXT PRIMARY KEY,
	env_id         TEXT NOT NULL REFERENCES environments(env_id),
	state          TEXT NOT NULL,
	status_message TEXT NOT NULL DEFAULT '',
	comment        TEXT NOT NULL DEFAULT '',
	model_version  TEXT NOT NULL DEFAULT '',
	kind           TEXT NOT NULL,
	content        TEXT NOT NULL DEFAULT 'full',
	blob           TEXT NOT NULL DEFAULT '',
	size           INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER,
	finished_at    INTEGER,
	expires_at     INTEGER
);
CREATE INDEX IF NOT EXISTS snapshots_env ON snapshots(env_id, created_at);
CREATE TABLE IF NOT EXISTS archives (
	archive_id     TEXT PRIMARY KEY,
	snapshot_id    TEXT NOT NULL,
	env_id         TEXT NOT NULL,
	data_type      TEXT NOT NULL,
	state          TEXT NOT NULL,
	status_message TEXT NOT NULL DEFAULT '',
	file           TEXT NOT NULL DEFAULT '',
	filename       TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER,
	finished_at    INTEGER
);
CREATE TABLE IF NOT EXISTS restores (
	seq                INTEGER PRIMARY KEY AUTOINCREMENT,
	restore_id         TEXT NOT NULL UNIQUE,
	source_snapshot_id TEXT NOT NULL,
	source_env_id      TEXT NOT NULL,
	target_env_id      TEXT NOT NULL,
	db_only            INTEGER NOT NULL,
	username           TEXT NOT NULL,
	state              TEXT NOT NULL,
	status_message     TEXT NOT NULL DEFAULT '',
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER,
	finished_at        INTEGER
);
CREATE INDEX IF NOT EXISTS restores_target ON restores(target_env_id);
CREATE TABLE IF NOT EXISTS start_jobs (
	job_id        TEXT PRIMARY KEY,
	env_id        TEXT NOT NULL,
	auto_sync_db  INTEGER NOT NULL,
	status        TEXT NOT NULL,
	error_code    TEXT NOT NULL DEFAULT '',
	error_message TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	finished_at   INTEGER
);
CREATE TABLE IF NOT EXISTS uploads (
	upload_id  TEXT PRIMARY KEY,
	env_id     TEXT NOT NULL,
	username   TEXT NOT NULL,
	filename   TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	size       INTEGER NOT NULL,
	finished   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
`

// openDB opens (creating if needed) the SQLite database in dir. One connection: every
// check-then-write runs in a transaction that no other request can interleave with.
func openDB(dir string, noSync bool) (*sql.DB, bool, error) {
	path := filepath.Join(dir, dbName)
	isNew := !fileExists(path)
	if err := ownerOnly(path); err != nil {
		return nil, false, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	if noSync {
		q.Add("_pragma", "synchronous(OFF)")
	} else {
		q.Add("_pragma", "synchronous(FULL)")
	}
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?"+q.Encode())
	if err != nil {
		return nil, false, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		_ = db.Close()
		return nil, false, fmt.Errorf("create schema in %s: %w", path, err)
	}
	return db, isNew, nil
}

// ms converts a time to the stored form; the zero time is NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in one immediate transaction.
func (c *Cloud) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface{ Scan(...any) error }

// queryAll runs query and scans every row. The rows are closed before it returns: the one
// connection is free again for the caller's next statement.
func queryAll[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanString scans a one-column row of text, such as an id.
func scanString(s rowScanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// Rows as stored.

type appRow struct {
	ProjectID, AppID, Name, URL string
	Free                        bool
}

const appCols = `project_id, app_id, name, url, free`

func scanApp(s rowScanner) (appRow, error) {
	var a appRow
	err := s.Scan(&a.ProjectID, &a.AppID, &a.Name, &a.URL, &a.Free)
	return a, err
}

type envRow struct {
	EnvID, ProjectID, Mode, URL, Status       string
	Position                                  int
	Production                                bool
	ModelVersion, MendixVersion, RuntimeLayer string
	Instances, MemoryPerInstance              int
	StopDue                                   time.Time
}

const envCols = `env_id, project_id, mode, position, url, status, production, model_version,
	mendix_version, runtime_layer, instances, memory_per_instance, stop_due`

func scanEnv(s rowScanner) (envRow, error) {
	var e envRow
	var due sql.NullInt64
	err := s.Scan(&e.EnvID, &e.ProjectID, &e.Mode, &e.Position, &e.URL, &e.Status, &e.Production,
		&e.ModelVersion, &e.MendixVersion, &e.RuntimeLayer, &e.Instances, &e.MemoryPerInstance, &due)
	e.StopDue = fromMS(due)
	return e, err
}

type snapRow struct {
	ID, EnvID, State, StatusMessage, Comment, ModelVersion string
	Kind, Content, Blob                                    string
	Size                                                   int64
	CreatedAt, UpdatedAt, FinishedAt, ExpiresAt            time.Time
}

const snapCols = `snapshot_id, env_id, state, status_message, comment, model_version, kind, content,
	blob, size, created_at, updated_at, finished_at, expires_at`

func scanSnap(s rowScanner) (snapRow, error) {
	var r snapRow
	var created int64
	var upd, fin, exp sql.NullInt64
	err := s.Scan(&r.ID, &r.EnvID, &r.State, &r.StatusMessage, &r.Comment, &r.ModelVersion, &r.Kind,
		&r.Content, &r.Blob, &r.Size, &created, &upd, &fin, &exp)
	r.CreatedAt = time.UnixMilli(created).UTC()
	r.UpdatedAt, r.FinishedAt, r.ExpiresAt = fromMS(upd), fromMS(fin), fromMS(exp)
	return r, err
}

type archiveRow struct {
	ID, SnapshotID, EnvID, DataType, State, StatusMessage, File, Filename string
	CreatedAt, UpdatedAt, FinishedAt                                      time.Time
}

const archiveCols = `archive_id, snapshot_id, env_id, data_type, state, status_message, file, filename,
	created_at, updated_at, finished_at`

func scanArchive(s rowScanner) (archiveRow, error) {
	var r archiveRow
	var created int64
	var upd, fin sql.NullInt64
	err := s.Scan(&r.ID, &r.SnapshotID, &r.EnvID, &r.DataType, &r.State, &r.StatusMessage, &r.File,
		&r.Filename, &created, &upd, &fin)
	r.CreatedAt = time.UnixMilli(created).UTC()
	r.UpdatedAt, r.FinishedAt = fromMS(upd), fromMS(fin)
	return r, err
}

type restoreRow struct {
	ID, SourceSnapshotID, SourceEnvID, TargetEnvID, Username, State, StatusMessage string
	DBOnly                                                                         bool
	CreatedAt, UpdatedAt, FinishedAt                                               time.Time
}

const restoreCols = `restore_id, source_snapshot_id, source_env_id, target_env_id, db_only, username,
	state, status_message, created_at, updated_at, finished_at`

func scanRestore(s rowScanner) (restoreRow, error) {
	var r restoreRow
	var created int64
	var upd, fin sql.NullInt64
	err := s.Scan(&r.ID, &r.SourceSnapshotID, &r.SourceEnvID, &r.TargetEnvID, &r.DBOnly, &r.Username,
		&r.State, &r.StatusMessage, &created, &upd, &fin)
	r.CreatedAt = time.UnixMilli(created).UTC()
	r.UpdatedAt, r.FinishedAt = fromMS(upd), fromMS(fin)
	return r, err
}

type startJobRow struct {
	ID, EnvID, Status, ErrorCode, ErrorMessage string
	AutoSyncDB                                 bool
	CreatedAt, FinishedAt                      time.Time
}

const startJobCols = `job_id, env_id, auto_sync_db, status, error_code, error_message, created_at, finished_at`

func scanStartJob(s rowScanner) (startJobRow, error) {
	var r startJobRow
	var created int64
	var fin sql.NullInt64
	err := s.Scan(&r.ID, &r.EnvID, &r.AutoSyncDB, &r.Status, &r.ErrorCode, &r.ErrorMessage, &created, &fin)
	r.CreatedAt = time.UnixMilli(created).UTC()
	r.FinishedAt = fromMS(fin)
	return r, err
}

type uploadRow struct {
	ID, EnvID, Username, Filename, SHA256 string
	Size                                  int64
	Finished                              bool
	CreatedAt                             time.Time
}

const uploadCols = `upload_id, env_id, username, filename, sha256, size, finished, created_at`

func scanUpload(s rowScanner) (uploadRow, error) {
	var r uploadRow
	var created int64
	err := s.Scan(&r.ID, &r.EnvID, &r.Username, &r.Filename, &r.SHA256, &r.Size, &r.Finished, &created)
	r.CreatedAt = time.UnixMilli(created).UTC()
	return r, err
}

// Lookups shared by handlers and jobs. A missing row is errNoRow.

var errNoRow = sql.ErrNoRows

func isNoRow(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// table says how one kind of row is looked up by its key.
type table[T any] struct {
	name, key, cols string
	scan            func(rowScanner) (T, error)
}

// get is the row whose key is id.
func (t table[T]) get(ctx context.Context, q querier, id string) (T, error) {
	return t.scan(q.QueryRowContext(ctx, `SELECT `+t.cols+` FROM `+t.name+` WHERE `+t.key+` = ?`, id))
}

var (
	envTable      = table[envRow]{"environments", "env_id", envCols, scanEnv}
	appTable      = table[appRow]{"apps", "project_id", appCols, scanApp}
	snapTable     = table[snapRow]{"snapshots", "snapshot_id", snapCols, scanSnap}
	restoreTable  = table[restoreRow]{"restores", "restore_id", restoreCols, scanRestore}
	archiveTable  = table[archiveRow]{"archives", "archive_id", archiveCols, scanArchive}
	startJobTable = table[startJobRow]{"start_jobs", "job_id", startJobCols, scanStartJob}
	uploadTable   = table[uploadRow]{"uploads", "upload_id", uploadCols, scanUpload}
)

// metaValue reads a value of the meta table; "" when absent.
func metaValue(ctx context.Context, q querier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if isNoRow(err) {
		return "", nil
	}
	return v, err
}

func setMeta(ctx context.Context, q querier, key, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// ownerOnly creates the cloud's database file with mode 0600 (and narrows an existing one
// and SQLite's -wal and -shm beside it, which SQLite creates with the database's mode).
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("make %s private: %w", p, err)
		}
	}
	return nil
}
