package journal

import (
	"context"
	"fmt"
	"os"
)

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
		start_after, upload_only, undo_of, started_at, status, api_url, dump_database,
		source_taken_at, source_kind)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		string(r.Kind), r.Profile, r.Username, r.SnapshotID, r.SourceEnvID, r.SourceMode,
		r.FilePath, r.FileName, r.FileSHA256, r.FileSize, r.AppID, r.AppName, r.ProjectID,
		r.EnvID, r.Mode, b2i(r.Production), b2i(r.FreeApp), b2i(r.DBOnly),
		b2i(r.SafetyBackup), b2i(r.Start), b2i(r.UploadOnly), r.UndoOf,
		toNanos(r.StartedAt), string(StatusRunning), r.APIURL, r.DumpDatabase,
		toNanos(r.SourceTakenAt), r.SourceKind)
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
