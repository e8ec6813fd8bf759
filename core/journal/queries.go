package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const runColumns = `id, kind, profile, username, snapshot_id, source_env_id, source_mode, file_path,
	file_name, file_sha256, file_size, app_id, app_name, project_id, env_id, mode, production,
	free_app, db_only, safety_backup, start_after, upload_only, undo_of, started_at,
	finished_at, safety_snapshot_id, backup_snapshot_id, upload_url, upload_snapshot_id, restore_submitted_at,
	restore_id, stopped_env, started_env, status, error, api_url, dump_database, source_taken_at, source_kind`

type scanner interface{ Scan(dest ...any) error }

func scanRun(s scanner) (Run, error) {
	var r Run
	var kind, status string
	var prod, free, dbOnly, safety, start, uploadOnly, stopped, started int
	var startedAt, finishedAt, submittedAt, sourceTakenAt int64
	err := s.Scan(&r.ID, &kind, &r.Profile, &r.Username, &r.SnapshotID, &r.SourceEnvID,
		&r.SourceMode, &r.FilePath, &r.FileName, &r.FileSHA256, &r.FileSize, &r.AppID,
		&r.AppName, &r.ProjectID, &r.EnvID, &r.Mode, &prod, &free, &dbOnly, &safety, &start,
		&uploadOnly, &r.UndoOf, &startedAt, &finishedAt, &r.SafetySnapshotID, &r.BackupSnapshotID, &r.UploadURL,
		&r.UploadSnapshotID, &submittedAt, &r.RestoreID, &stopped, &started, &status, &r.Error, &r.APIURL, &r.DumpDatabase, &sourceTakenAt, &r.SourceKind)
	if err != nil {
		return r, err
	}
	r.Kind, r.Status = Kind(kind), Status(status)
	r.Production, r.FreeApp, r.DBOnly = prod != 0, free != 0, dbOnly != 0
	r.SafetyBackup, r.Start, r.UploadOnly = safety != 0, start != 0, uploadOnly != 0
	r.StoppedEnv, r.StartedEnv = stopped != 0, started != 0
	r.StartedAt, r.FinishedAt = fromNanos(startedAt), fromNanos(finishedAt)
	r.RestoreSubmittedAt = fromNanos(submittedAt)
	r.SourceTakenAt = fromNanos(sourceTakenAt)
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
