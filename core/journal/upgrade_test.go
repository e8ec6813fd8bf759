package journal_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"restoredesk/core/journal"
)

// firstSchema is the runs table as the first journals were written, before the column of a
// manual backup run's snapshot existed.
const firstSchema = `
CREATE TABLE runs (
	id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
	profile TEXT NOT NULL DEFAULT '', username TEXT NOT NULL DEFAULT '',
	snapshot_id TEXT NOT NULL DEFAULT '', source_env_id TEXT NOT NULL DEFAULT '',
	source_mode TEXT NOT NULL DEFAULT '', file_path TEXT NOT NULL DEFAULT '',
	file_name TEXT NOT NULL DEFAULT '', file_sha256 TEXT NOT NULL DEFAULT '',
	file_size INTEGER NOT NULL DEFAULT 0, app_id TEXT NOT NULL DEFAULT '',
	app_name TEXT NOT NULL DEFAULT '', project_id TEXT NOT NULL DEFAULT '',
	env_id TEXT NOT NULL DEFAULT '', mode TEXT NOT NULL DEFAULT '',
	production INTEGER NOT NULL DEFAULT 0, free_app INTEGER NOT NULL DEFAULT 0,
	db_only INTEGER NOT NULL DEFAULT 0, safety_backup INTEGER NOT NULL DEFAULT 0,
	start_after INTEGER NOT NULL DEFAULT 0, upload_only INTEGER NOT NULL DEFAULT 0,
	undo_of INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0, safety_snapshot_id TEXT NOT NULL DEFAULT '',
	upload_url TEXT NOT NULL DEFAULT '', upload_snapshot_id TEXT NOT NULL DEFAULT '',
	restore_submitted_at INTEGER NOT NULL DEFAULT 0, restore_id TEXT NOT NULL DEFAULT '',
	stopped_env INTEGER NOT NULL DEFAULT 0, started_env INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL, error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE steps (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
	kind TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
	started_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0,
	message TEXT NOT NULL DEFAULT '', PRIMARY KEY (run_id, kind)
);
INSERT INTO runs (kind, profile, app_id, mode, started_at, status, restore_id)
	VALUES ('restore', 'work', 'orderdesk', 'Production', 1767225600000000000, 'completed', 'restore-1');
PRAGMA journal_mode = WAL;
`

// A journal written before manual backups were recorded opens, keeps its runs, and
// records the new kind of run.
func TestOlderJournalIsUpgradedInPlace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, firstSchema); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for range 2 { // the second open finds the table upgraded already
		j, err := journal.Open(path)
		if err != nil {
			t.Fatalf("Open of an older journal: %v", err)
		}
		runs, err := j.List(ctx, journal.Filter{})
		if err != nil || len(runs) < 1 || runs[len(runs)-1].RestoreID != "restore-1" {
			t.Fatalf("the older run is not listed: %+v, %v", runs, err)
		}
		id, err := j.Create(ctx, &journal.Run{Kind: journal.KindBackup, Profile: "work", AppID: "orderdesk", Mode: "Test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := j.SetBackupSnapshot(ctx, id, "backup-7"); err != nil {
			t.Fatalf("SetBackupSnapshot: %v", err)
		}
		j.Close()
	}
}

// Stop and backup runs are listed and exported with what they made.
func TestStopAndBackupRunsAreListedAndExported(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	stop, err := j.Create(ctx, &journal.Run{Kind: journal.KindStop, Profile: "work", AppID: "orderdesk", Mode: "Production",
		Steps: []journal.Step{{Kind: "stop", Title: "Stop Production and wait until it is stopped"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = j.SetStoppedEnv(ctx, stop, true)
	_ = j.Finish(ctx, stop, journal.StatusCompleted, "")
	backup, err := j.Create(ctx, &journal.Run{Kind: journal.KindBackup, Profile: "work", AppID: "orderdesk", Mode: "Test",
		Steps: []journal.Step{{Kind: "backup", Title: "Make a backup of Test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SetBackupSnapshot(ctx, backup, "backup-9"); err != nil {
		t.Fatal(err)
	}
	_ = j.Finish(ctx, backup, journal.StatusCompleted, "")

	runs, err := j.List(ctx, journal.Filter{AppID: "orderdesk"})
	if err != nil || len(runs) != 2 {
		t.Fatalf("List = %+v, %v", runs, err)
	}
	if runs[0].Kind != journal.KindBackup || runs[0].BackupSnapshotID != "backup-9" || runs[0].SafetySnapshotID != "" {
		t.Errorf("backup run = %+v", runs[0])
	}
	if runs[1].Kind != journal.KindStop || !runs[1].StoppedEnv || len(runs[1].Steps) != 1 {
		t.Errorf("stop run = %+v", runs[1])
	}

	var buf bytes.Buffer
	if err := j.ExportCSV(ctx, &buf, journal.Filter{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("CSV: %d records, %v", len(recs), err)
	}
	col := map[string]string{}
	for i, h := range recs[0] {
		col[h] = recs[1][i]
	}
	if col["kind"] != "backup" || col["backup_snapshot_id"] != "backup-9" {
		t.Errorf("backup row = %v", col)
	}
}
