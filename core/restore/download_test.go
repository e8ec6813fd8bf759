package restore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"restoredesk/core/download"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// downloadBed is a bed whose cloud refuses Mendix headers on archive links, with a backup
// of customerportal's Acceptance made from a fixture, and an engine logging at debug level
// into a buffer that must never hold a piece of a link.
func downloadBed(t *testing.T, fixtureName string) (*bed, restore.Target, string, *syncBuf) {
	t.Helper()
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := localcloudtest.Start(t, localcloudtest.WithStrictDownloads())
	b := newBedOn(t, srv, filepath.Join(t.TempDir(), "journal.db"), localcloud.DemoUsername, localcloud.DemoAPIKey, restore.WithLogger(log))
	tg := b.target("customerportal", "Acceptance")
	rec, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: fixture(fixtureName)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, bit := range []string{"/downloads/", "signature=", "expires="} {
			if strings.Contains(logs.String(), bit) {
				t.Errorf("the engine's log holds a piece of an archive link (%q):\n%s", bit, logs.String())
			}
		}
		for _, r := range b.lc.DownloadRequests() {
			if r.MendixHeaders {
				t.Errorf("a request to archive link %s carried Mendix headers", r.ArchiveID)
			}
		}
	})
	return b, tg, rec.SnapshotID, logs
}

// assertNoLinkInJournal: no field of the run, no step message, no CSV line holds a piece
// of an archive link.
func assertNoLinkInJournal(t *testing.T, j *journal.Journal, id int64) {
	t.Helper()
	run, err := j.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := j.ExportCSV(context.Background(), &csv, journal.Filter{}); err != nil {
		t.Fatal(err)
	}
	all := fmt.Sprintf("%+v", *run) + csv.String()
	for _, bit := range []string{"/downloads/", "signature=", "expires="} {
		if strings.Contains(all, bit) {
			t.Errorf("the journal holds a piece of an archive link (%q):\n%s", bit, all)
		}
	}
}

func TestDownloadBackupIsJournaledWithPathSizeAndSHA(t *testing.T) {
	t.Parallel()
	const name = "files_and_database-1a2b3c4d-202611250130.tar.gz"
	b, tg, id, logs := downloadBed(t, name)
	dir := t.TempDir()
	p, err := b.e.PlanDownload(context.Background(), restore.DownloadRequest{Profile: "p", Target: tg, SnapshotID: id, Output: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 3 || p.Steps[0].Kind != restore.StepArchive || p.Path != dir {
		t.Fatalf("plan = %+v", p)
	}
	var rec recorder
	u := rec.follow(t)
	res, err := b.e.DownloadBackup(context.Background(), p, rec.on)
	view := restore.Finish(u, &res.Result, err)
	if err != nil {
		t.Fatal(err)
	}
	want := fileSum(t, fixture(name))
	if res.SHA256 != want || fileSum(t, res.Path) != want || filepath.Dir(res.Path) != dir || !res.Report.Restorable {
		t.Fatalf("result = %+v, want the server's file (%s) in %s", res, want, dir)
	}
	run, err := b.j.Get(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Kind != journal.KindDownload || run.Status != journal.StatusCompleted || run.FilePath != res.Path ||
		run.FileName != filepath.Base(res.Path) || run.FileSHA256 != want || run.FileSize != res.Size || run.SnapshotID != id {
		t.Fatalf("journal run = %+v", run)
	}
	for _, s := range run.Steps {
		if s.Status != journal.StepDone {
			t.Errorf("journal step %s is %s", s.Kind, s.Status)
		}
	}
	assertNoLinkInJournal(t, b.j, res.RunID)
	if !strings.Contains(logs.String(), "download: saved") {
		t.Errorf("the fetcher's debug lines did not reach the engine's log:\n%s", logs.String())
	}
	if got := stepOf(view, restore.StepDownload); got.Bytes.Done != res.Size || got.Bytes.Total != res.Size {
		t.Errorf("the progress view counted %d of %d bytes for the download, want %d", got.Bytes.Done, got.Bytes.Total, res.Size)
	}
	if view.State != progress.RunCompleted || !strings.Contains(view.Message, res.Path) {
		t.Errorf("final view: %s %q", view.State, view.Message)
	}
}

func TestDownloadBackupThatFailsInspectionFailsTheRunAndKeepsTheFile(t *testing.T) {
	t.Parallel()
	b, tg, id, _ := downloadBed(t, "truncated-snapshot.tar.gz")
	p, err := b.e.PlanDownload(context.Background(), restore.DownloadRequest{Target: tg, SnapshotID: id, Output: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.e.DownloadBackup(context.Background(), p, nil)
	if !errors.Is(err, restore.ErrNotRestorable) || restore.ReportOf(err) == nil || !strings.Contains(err.Error(), "did not pass the check") {
		t.Fatalf("download of a damaged backup: %v", err)
	}
	if _, serr := os.Stat(res.Path); serr != nil || res.SHA256 == "" {
		t.Fatalf("the damaged download is not kept to look at: %v", serr)
	}
	run := getRun(t, b.j, res.RunID)
	if run.Status != journal.StatusFailed || run.FileSHA256 != res.SHA256 {
		t.Fatalf("journal run = %+v", run)
	}
}

func TestDownloadBackupCancelledKeepsThePartAndIsJournaledCancelled(t *testing.T) {
	t.Parallel()
	const name = "files_and_database-1a2b3c4d-202611250130.tar.gz"
	b, tg, id, _ := downloadBed(t, name)
	b.lc.SetFaults(localcloud.Faults{DownloadCutAt: 0.4})
	dir := t.TempDir()
	p, err := b.e.PlanDownload(context.Background(), restore.DownloadRequest{Target: tg, SnapshotID: id, Output: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the cut has ended the first answer at 40%: the run stops with the .part.
	// From the download on, every request waits 300 ms at the server, so the cancel comes
	// while the resume waits for its answer.
	var counter atomic.Pointer[progress.Counter]
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if c := counter.Load(); c != nil {
				if done, total := c.Load(); total > 0 && done >= total*4/10 {
					cancel()
					return
				}
			}
		}
	}()
	defer close(stop)
	res, err := b.e.DownloadBackup(ctx, p, func(ev restore.Event) {
		if ev.Type == restore.EventBytes && ev.Step == restore.StepDownload {
			b.lc.SetLatency(300 * time.Millisecond)
			counter.Store(ev.Counter)
		}
	})
	if !errors.Is(err, restore.ErrCancelled) || !strings.Contains(err.Error(), ".part") {
		t.Fatalf("cancelled download: %v", err)
	}
	run := getRun(t, b.j, res.RunID)
	if run.Status != journal.StatusCancelled {
		t.Fatalf("journal status %s, want cancelled", run.Status)
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "*.part"))
	if len(parts) != 1 {
		t.Fatalf("the folder holds %v, want the .part", parts)
	}
	assertNoLinkInJournal(t, b.j, res.RunID)
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A download onto a file that exists says what to do about it (another name, or replace
// it), never "Try again": trying again meets the same file.
func TestDownloadOntoAnExistingFileSaysChooseAnotherName(t *testing.T) {
	t.Parallel()
	b, tg, id, _ := downloadBed(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	dir := t.TempDir()
	req := restore.DownloadRequest{Profile: "p", Target: tg, SnapshotID: id, Output: dir}
	p, err := b.e.PlanDownload(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.DownloadBackup(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	p, err = b.e.PlanDownload(context.Background(), req)
	if err == nil {
		_, err = b.e.DownloadBackup(context.Background(), p, nil)
	}
	if !errors.Is(err, download.ErrExists) {
		t.Fatalf("downloading again onto the same file: %v, want ErrExists", err)
	}
	ex := explain.Explain(err)
	if ex.NextStep != "Choose another name, or choose to replace that file." || strings.Contains(ex.Summary, "choose") {
		t.Errorf("explained as %q / %q", ex.Summary, ex.NextStep)
	}
}
