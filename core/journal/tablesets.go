package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Table sets: what an environment's own data looks like, remembered per backup. The
// wrong-app guard compares a file about to be restored with the tables of the target's
// newest backup; learning them costs an archive and a ranged download, so each backup's
// list is learned once and kept here, keyed by app, environment and backup id.

const tableSetSchema = `
CREATE TABLE IF NOT EXISTS table_sets (
	app_id      TEXT NOT NULL,
	env_id      TEXT NOT NULL,
	snapshot_id TEXT NOT NULL,
	taken_at    INTEGER NOT NULL DEFAULT 0,
	learned_at  INTEGER NOT NULL,
	tables      TEXT NOT NULL,
	PRIMARY KEY (app_id, env_id, snapshot_id)
);
`

// keptTableSets bounds the lists kept per environment: a new nightly backup each day
// would otherwise add one forever. The newest by the backup's time are kept.
const keptTableSets = 5

// TableSet is the table list of one backup of an environment.
type TableSet struct {
	AppID, EnvID, SnapshotID string
	TakenAt                  time.Time // when the backup was made
	LearnedAt                time.Time
	// Tables are "schema.name", as the dump's table of contents lists them. A backup
	// whose dump has no tables is remembered with none.
	Tables []string
}

// RememberTables keeps ts (replacing an earlier list of the same backup) and forgets the
// environment's oldest lists beyond the few kept.
func (j *Journal) RememberTables(ctx context.Context, ts TableSet) error {
	if ts.AppID == "" || ts.EnvID == "" || ts.SnapshotID == "" {
		return fmt.Errorf("remember tables: app, environment and backup are all needed")
	}
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("remember tables: %w", err)
	}
	defer tx.Rollback()
	list, err := json.Marshal(ts.Tables) // JSON: a quoted table name may hold any character
	if err != nil {
		return fmt.Errorf("remember tables: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO table_sets (app_id, env_id, snapshot_id, taken_at, learned_at, tables)
		VALUES (?, ?, ?, ?, ?, ?)`, ts.AppID, ts.EnvID, ts.SnapshotID, toNanos(ts.TakenAt), toNanos(ts.LearnedAt), string(list)); err != nil {
		return fmt.Errorf("remember tables: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM table_sets WHERE app_id = ? AND env_id = ? AND snapshot_id NOT IN (
		SELECT snapshot_id FROM table_sets WHERE app_id = ? AND env_id = ? ORDER BY taken_at DESC, learned_at DESC LIMIT ?)`,
		ts.AppID, ts.EnvID, ts.AppID, ts.EnvID, keptTableSets); err != nil {
		return fmt.Errorf("remember tables: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remember tables: %w", err)
	}
	return nil
}

// Tables returns the remembered list of one backup; ok is false when none is kept.
func (j *Journal) Tables(ctx context.Context, appID, envID, snapshotID string) (ts TableSet, ok bool, err error) {
	row := j.db.QueryRowContext(ctx, `SELECT app_id, env_id, snapshot_id, taken_at, learned_at, tables FROM table_sets
		WHERE app_id = ? AND env_id = ? AND snapshot_id = ?`, appID, envID, snapshotID)
	return scanTableSet(row)
}

// NewestTables returns the remembered list of the environment's newest backup learned so
// far; ok is false when none is kept.
func (j *Journal) NewestTables(ctx context.Context, appID, envID string) (ts TableSet, ok bool, err error) {
	row := j.db.QueryRowContext(ctx, `SELECT app_id, env_id, snapshot_id, taken_at, learned_at, tables FROM table_sets
		WHERE app_id = ? AND env_id = ? ORDER BY taken_at DESC, learned_at DESC LIMIT 1`, appID, envID)
	return scanTableSet(row)
}

func scanTableSet(row *sql.Row) (TableSet, bool, error) {
	var ts TableSet
	var taken, learned int64
	var tables string
	err := row.Scan(&ts.AppID, &ts.EnvID, &ts.SnapshotID, &taken, &learned, &tables)
	if errors.Is(err, sql.ErrNoRows) {
		return TableSet{}, false, nil
	}
	if err != nil {
		return TableSet{}, false, fmt.Errorf("read tables: %w", err)
	}
	ts.TakenAt, ts.LearnedAt = fromNanos(taken), fromNanos(learned)
	if err := json.Unmarshal([]byte(tables), &ts.Tables); err != nil {
		return TableSet{}, false, fmt.Errorf("read tables of backup %s: %w", ts.SnapshotID, err)
	}
	return ts, true, nil
}
