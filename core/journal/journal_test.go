package journal_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"restoredesk/core/journal"
)

func openTemp(t *testing.T) (*journal.Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "journal.db")
	j, err := journal.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func newRun(profile, app string) *journal.Run {
	return &journal.Run{
		Kind: journal.KindRestore, Profile: profile, Username: "owner@example.com",
		SnapshotID: "snap-1", SourceEnvID: "env-acc", SourceMode: "Acceptance",
		AppID: app, AppName: "Order Desk", ProjectID: "proj-1", EnvID: "env-prod",
		Mode: "Production", Production: true, SafetyBackup: true, Start: true,
		Steps: []journal.Step{
			{Kind: "safety_backup", Title: "Make a safety backup"},
			{Kind: "stop", Title: "Stop Production"},
			{Kind: "restore", Title: "Restore"},
		},
	}
}

func TestRunRecordsEveryFieldAndStep(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	r := newRun("work", "orderdesk")
	id, err := j.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.StepStarted(ctx, id, "safety_backup", ""))
	must(j.SetSafetySnapshot(ctx, id, "safety-9"))
	must(j.StepFinished(ctx, id, "safety_backup", journal.StepDone, "Completed backup creation"))
	must(j.StepStarted(ctx, id, "stop", ""))
	must(j.SetStoppedEnv(ctx, id, true))
	must(j.StepFinished(ctx, id, "stop", journal.StepDone, "Production is stopped"))
	must(j.RestoreSubmitting(ctx, id))
	must(j.SetRestore(ctx, id, "restore-7"))
	must(j.SetUpload(ctx, id, "http://127.0.0.1/up/abc", "abc"))
	must(j.SetFile(ctx, id, "deadbeef", 1234))
	// A step the plan did not list is appended, not lost.
	must(j.StepStarted(ctx, id, "verify", "Check that Production is running"))
	must(j.StepFinished(ctx, id, "verify", journal.StepFailed, "Production reports Stopped"))
	must(j.Finish(ctx, id, journal.StatusFailed, "start failed"))

	got, err := j.Get(ctx, id)
	must(err)
	if got.Profile != "work" || got.Username != "owner@example.com" || got.AppID != "orderdesk" ||
		got.Mode != "Production" || !got.Production || !got.SafetyBackup || !got.Start ||
		got.SourceMode != "Acceptance" || got.AppName != "Order Desk" {
		t.Errorf("who/what/options not kept: %+v", got)
	}
	if got.SafetySnapshotID != "safety-9" || got.RestoreID != "restore-7" || !got.StoppedEnv ||
		got.StartedEnv || got.UploadURL != "http://127.0.0.1/up/abc" || got.UploadSnapshotID != "abc" ||
		got.FileSHA256 != "deadbeef" || got.FileSize != 1234 {
		t.Errorf("ids not kept: %+v", got)
	}
	if got.RestoreSubmittedAt.IsZero() || got.StartedAt.IsZero() || got.FinishedAt.Before(got.StartedAt) {
		t.Errorf("times wrong: submitted %v started %v finished %v", got.RestoreSubmittedAt, got.StartedAt, got.FinishedAt)
	}
	if got.Status != journal.StatusFailed || got.Error != "start failed" {
		t.Errorf("end = %s %q", got.Status, got.Error)
	}
	var kinds []string
	for _, s := range got.Steps {
		kinds = append(kinds, fmt.Sprintf("%s:%s", s.Kind, s.Status))
	}
	want := "safety_backup:done stop:done restore:pending verify:failed"
	if strings.Join(kinds, " ") != want {
		t.Errorf("steps = %v, want %s", kinds, want)
	}
	if got.Steps[0].Message != "Completed backup creation" || got.Steps[0].StartedAt.IsZero() ||
		got.Steps[0].FinishedAt.IsZero() || got.Steps[3].Title != "Check that Production is running" {
		t.Errorf("step detail lost: %+v", got.Steps)
	}
}

func TestUnknownRunIsReportedNotIgnored(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	if _, err := j.Get(ctx, 42); !errors.Is(err, journal.ErrNotFound) {
		t.Errorf("Get(42) = %v, want ErrNotFound", err)
	}
	if err := j.SetRestore(ctx, 42, "r"); !errors.Is(err, journal.ErrNotFound) {
		t.Errorf("SetRestore(42) = %v, want ErrNotFound", err)
	}
	if err := j.Finish(ctx, 42, journal.StatusRunning, ""); err == nil {
		t.Error("Finish with a non-final status was accepted")
	}
}

func TestListFiltersNewestFirst(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	for i, pa := range [][2]string{{"work", "orderdesk"}, {"work", "customerportal"}, {"home", "orderdesk"}, {"work", "orderdesk"}} {
		r := newRun(pa[0], pa[1])
		r.StartedAt = time.Date(2026, 11, 1+i, 2, 0, 0, 0, time.UTC)
		if _, err := j.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	all, err := j.List(ctx, journal.Filter{})
	if err != nil || len(all) != 4 {
		t.Fatalf("List all = %d runs, %v", len(all), err)
	}
	if all[0].ID != 4 || all[3].ID != 1 {
		t.Errorf("not newest first: %d..%d", all[0].ID, all[3].ID)
	}
	work, err := j.List(ctx, journal.Filter{Profile: "work", AppID: "orderdesk"})
	if err != nil {
		t.Fatal(err)
	}
	if len(work) != 2 || work[0].ID != 4 || work[1].ID != 1 {
		t.Errorf("filter work/orderdesk = %+v", ids(work))
	}
	if len(work[0].Steps) != 3 {
		t.Errorf("List lost steps: %d", len(work[0].Steps))
	}
	one, err := j.List(ctx, journal.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 {
		t.Errorf("limit 1 gave %d", len(one))
	}
}

func ids(runs []journal.Run) []int64 {
	var out []int64
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

func TestUnfinishedSkipsRunsSomeoneFollows(t *testing.T) {
	ctx := context.Background()
	j, path := openTemp(t)
	// The second handle plays the other program (the CLI next to the desktop app).
	other, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	done, _ := j.Create(ctx, newRun("p", "a"))
	if err := j.Finish(ctx, done, journal.StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	followed, _ := j.Create(ctx, newRun("p", "a"))
	abandoned, _ := j.Create(ctx, newRun("p", "a"))
	release, err := j.Claim(followed)
	if err != nil {
		t.Fatal(err)
	}
	un, err := other.Unfinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(un); len(got) != 1 || got[0] != abandoned {
		t.Errorf("Unfinished = %v, want only the abandoned run %d", got, abandoned)
	}
	if _, err := other.Claim(followed); !errors.Is(err, journal.ErrRunInUse) {
		t.Errorf("second Claim = %v, want ErrRunInUse", err)
	}
	release()
	un, _ = other.Unfinished(ctx)
	if got := ids(un); len(got) != 2 {
		t.Errorf("after release Unfinished = %v, want both running runs", got)
	}
	rel2, err := other.Claim(followed)
	if err != nil {
		t.Fatalf("Claim after release: %v", err)
	}
	rel2()
}

// The desktop app and restorectl write the same file at the same time: no write may be
// lost and none may fail with "database is locked".
func TestTwoProgramsWriteAtOnce(t *testing.T) {
	ctx := context.Background()
	j1, path := openTemp(t)
	j2, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	const perWriter = 25
	var wg sync.WaitGroup
	errs := make(chan error, 4*perWriter*4)
	for w, j := range []*journal.Journal{j1, j2, j1, j2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				id, err := j.Create(ctx, newRun(fmt.Sprintf("w%d", w), "app"))
				if err != nil {
					errs <- err
					return
				}
				for _, step := range []string{"safety_backup", "stop", "restore"} {
					if err := j.StepStarted(ctx, id, step, ""); err != nil {
						errs <- err
					}
					if err := j.StepFinished(ctx, id, step, journal.StepDone, "ok"); err != nil {
						errs <- err
					}
				}
				if err := j.Finish(ctx, id, journal.StatusCompleted, ""); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	runs, err := j1.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4*perWriter {
		t.Fatalf("%d runs recorded, want %d", len(runs), 4*perWriter)
	}
	for _, r := range runs {
		if r.Status != journal.StatusCompleted || len(r.Steps) != 3 || r.Steps[2].Status != journal.StepDone {
			t.Fatalf("run %d incomplete: %s %+v", r.ID, r.Status, r.Steps)
		}
	}
}

func TestExportCSV(t *testing.T) {
	ctx := context.Background()
	j, _ := openTemp(t)
	r := newRun("work", "orderdesk")
	r.Kind = journal.KindUpload
	r.FileName = "=cmd|' /C calc'!A0.backup" // a hostile name must not become a formula
	r.SnapshotID = ""
	id, _ := j.Create(ctx, r)
	_ = j.StepStarted(ctx, id, "stop", "")
	_ = j.StepFinished(ctx, id, "stop", journal.StepDone, "")
	_ = j.SetRestore(ctx, id, "restore-1")
	_ = j.Finish(ctx, id, journal.StatusFailed, "The restore failed: \"disk full\", line two\nmore")
	other := newRun("home", "customerportal")
	if _, err := j.Create(ctx, other); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	if err := j.ExportCSV(ctx, &buf, journal.Filter{Profile: "work"}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("export is not valid CSV: %v\n%s", err, buf.String())
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want header + 1 (filter by profile)", len(recs))
	}
	col := map[string]string{}
	for i, h := range recs[0] {
		col[h] = recs[1][i]
	}
	if col["run_id"] != fmt.Sprint(id) || col["kind"] != "upload" || col["status"] != "failed" ||
		col["restore_id"] != "restore-1" || col["environment"] != "Production" || col["production"] != "true" {
		t.Errorf("row = %v", col)
	}
	if !strings.HasPrefix(col["file_name"], "'=") {
		t.Errorf("file name exported as a formula: %q", col["file_name"])
	}
	if col["error"] != "The restore failed: \"disk full\", line two\nmore" {
		t.Errorf("error text mangled: %q", col["error"])
	}
	if !strings.HasPrefix(col["steps"], "safety_backup:pending; stop:done") {
		t.Errorf("steps = %q", col["steps"])
	}
	if _, err := time.Parse(time.RFC3339, col["started_at"]); err != nil {
		t.Errorf("started_at %q: %v", col["started_at"], err)
	}
}

func TestDefaultPath(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("XDG layout is for Unix-like systems")
	}
	t.Setenv("XDG_DATA_HOME", "/data/xdg")
	p, err := journal.DefaultPath()
	if err != nil || p != "/data/xdg/restoredesk/journal.db" {
		t.Errorf("with XDG_DATA_HOME: %q %v", p, err)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/owner")
	p, err = journal.DefaultPath()
	if err != nil || p != "/home/owner/.local/share/restoredesk/journal.db" {
		t.Errorf("without XDG_DATA_HOME: %q %v", p, err)
	}
}

func TestOpenReportsAnUnusablePlace(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := journal.Open(filepath.Join(blocker, "journal.db"))
	if err == nil || !strings.Contains(err.Error(), "open journal") {
		t.Errorf("Open under a file = %v, want a clear error", err)
	}
}

func TestReopenKeepsHistory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := j.Create(ctx, newRun("p", "a"))
	_ = j.SetRestore(ctx, id, "restore-1")
	j.Close()
	j, err = journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	un, err := j.Unfinished(ctx)
	if err != nil || len(un) != 1 || un[0].RestoreID != "restore-1" {
		t.Errorf("after reopen Unfinished = %+v, %v", un, err)
	}
}

// The dump's database name is kept with the run, for the wrong-app guard of later restores.
func TestRunKeepsTheDumpDatabaseName(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	id, err := j.Create(ctx, &journal.Run{Kind: journal.KindUpload, AppID: "orderdesk", Mode: "Test", FileName: "od.backup", DumpDatabase: "orderdesk_test",
		SourceTakenAt: time.Date(2026, 11, 28, 0, 12, 0, 0, time.UTC), SourceKind: "nightly"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := j.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.DumpDatabase != "orderdesk_test" {
		t.Errorf("DumpDatabase = %q, want orderdesk_test", r.DumpDatabase)
	}
	if !r.SourceTakenAt.Equal(time.Date(2026, 11, 28, 0, 12, 0, 0, time.UTC)) || r.SourceKind != "nightly" {
		t.Errorf("source = %s %q, want the nightly of 28 Nov 00:12", r.SourceTakenAt, r.SourceKind)
	}
}
