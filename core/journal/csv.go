package journal

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// csvHeader names the columns of ExportCSV, one row per run.
var csvHeader = []string{
	"run_id", "kind", "status", "started_at", "finished_at", "duration_seconds",
	"profile", "username", "app_id", "app_name", "project_id", "environment", "environment_id",
	"production", "free_app", "source_snapshot_id", "source_environment_id", "file_name",
	"file_sha256", "file_size", "db_only", "safety_backup", "start_after", "upload_only",
	"undo_of", "safety_snapshot_id", "backup_snapshot_id", "upload_url", "upload_snapshot_id", "restore_id",
	"stopped_environment", "started_environment", "steps", "error",
}

// ExportCSV writes the runs matching f as CSV (RFC 4180), newest first, times in UTC
// RFC 3339. The steps column summarises each step as "kind:status (seconds)".
func (j *Journal) ExportCSV(ctx context.Context, w io.Writer, f Filter) error {
	runs, err := j.List(ctx, f)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("journal: export csv: %w", err)
	}
	for _, r := range runs {
		if err := cw.Write(csvRow(r)); err != nil {
			return fmt.Errorf("journal: export csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("journal: export csv: %w", err)
	}
	return nil
}

func csvRow(r Run) []string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	dur := ""
	if !r.FinishedAt.IsZero() {
		dur = strconv.FormatFloat(r.FinishedAt.Sub(r.StartedAt).Seconds(), 'f', 1, 64)
	}
	yn := strconv.FormatBool
	steps := ""
	for i, s := range r.Steps {
		if i > 0 {
			steps += "; "
		}
		steps += s.Kind + ":" + string(s.Status)
		if d := s.Duration(); d > 0 {
			steps += " (" + strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s)"
		}
	}
	undo := ""
	if r.UndoOf != 0 {
		undo = strconv.FormatInt(r.UndoOf, 10)
	}
	return []string{
		strconv.FormatInt(r.ID, 10), string(r.Kind), string(r.Status), ts(r.StartedAt),
		ts(r.FinishedAt), dur, csvSafe(r.Profile), csvSafe(r.Username), csvSafe(r.AppID),
		csvSafe(r.AppName), r.ProjectID, csvSafe(r.Mode), r.EnvID, yn(r.Production),
		yn(r.FreeApp), r.SnapshotID, r.SourceEnvID, csvSafe(r.FileName), r.FileSHA256,
		strconv.FormatInt(r.FileSize, 10), yn(r.DBOnly), yn(r.SafetyBackup), yn(r.Start),
		yn(r.UploadOnly), undo, r.SafetySnapshotID, r.BackupSnapshotID, r.UploadURL, r.UploadSnapshotID,
		r.RestoreID, yn(r.StoppedEnv), yn(r.StartedEnv), steps, csvSafe(r.Error),
	}
}

// csvSafe keeps a spreadsheet from running a cell as a formula (CSV injection): text that
// starts with = + - @ or a control character gets a leading apostrophe.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
