package journal

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The journal's SQLite schema and its upgrades from older versions.

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
	if _, err := j.db.ExecContext(ctx, schema+tableSetSchema); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	return j.addColumns(ctx)
}

// addedColumns are the columns of runs that came after the first journals were written:
// addColumns gives an older journal file the columns it lacks.
var addedColumns = []struct{ name, def string }{
	{"backup_snapshot_id", "TEXT NOT NULL DEFAULT ''"},
	{"api_url", "TEXT NOT NULL DEFAULT ''"},
	{"dump_database", "TEXT NOT NULL DEFAULT ''"},
	{"source_taken_at", "INTEGER NOT NULL DEFAULT 0"},
	{"source_kind", "TEXT NOT NULL DEFAULT ''"},
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
