package journal_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"restoredesk/core/journal"
)

// A backup's table list is kept across openings of the journal file, per app, environment
// and backup; only the newest few backups of an environment are kept.
func TestTableSetsAreRememberedPerBackup(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 0, 26, 0, 0, time.UTC)
	odd := []string{"public.sales$order", "public.a\nb$c", "public.système$ü"}
	for i := range 7 {
		tables := []string{"public.sales$order", fmt.Sprintf("public.sales$v%d", i)}
		if i == 6 {
			tables = odd
		}
		if err := j.RememberTables(ctx, journal.TableSet{AppID: "orderdesk", EnvID: "env-acc", SnapshotID: fmt.Sprintf("snap-%d", i),
			TakenAt: day.AddDate(0, 0, i), LearnedAt: day, Tables: tables}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.RememberTables(ctx, journal.TableSet{AppID: "orderdesk", EnvID: "env-test", SnapshotID: "snap-t", TakenAt: day}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j, err = journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ts, ok, err := j.Tables(ctx, "orderdesk", "env-acc", "snap-6")
	if err != nil || !ok || !slices.Equal(ts.Tables, odd) || !ts.TakenAt.Equal(day.AddDate(0, 0, 6)) {
		t.Fatalf("snap-6: %+v %v %v, want its odd names back as they were", ts, ok, err)
	}
	if _, ok, err := j.Tables(ctx, "orderdesk", "env-acc", "snap-0"); err != nil || ok {
		t.Errorf("the oldest backup's list is still kept (%v, %v): only the newest few are", ok, err)
	}
	if _, ok, err := j.Tables(ctx, "orderdesk", "env-acc", "snap-2"); err != nil || !ok {
		t.Errorf("snap-2, among the five newest, is gone (%v, %v)", ok, err)
	}
	if _, ok, err := j.Tables(ctx, "orderdesk", "env-test", "snap-6"); err != nil || ok {
		t.Errorf("another environment's backup id matched (%v, %v)", ok, err)
	}
	newest, ok, err := j.NewestTables(ctx, "orderdesk", "env-acc")
	if err != nil || !ok || newest.SnapshotID != "snap-6" {
		t.Errorf("newest %+v %v %v, want snap-6", newest, ok, err)
	}
	empty, ok, err := j.Tables(ctx, "orderdesk", "env-test", "snap-t")
	if err != nil || !ok || len(empty.Tables) != 0 {
		t.Errorf("a backup without tables: %+v %v %v, want it kept with none", empty, ok, err)
	}
}
