package restore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/restore"
)

// A file that is not what its download wrote (changed on disk since) is refused before
// the database is touched; the file as written is restored.
func TestPlanLocalRefusesAFileThatIsNotWhatWasDownloaded(t *testing.T) {
	c := pgtest.Start(t)
	e, _ := localEngine(t)
	req := restore.LocalRequest{File: localFixture, Target: localTarget(c, "downloaded"), Create: true,
		DownloadedSHA256: strings.Repeat("ab", 32)}
	_, err := e.PlanLocal(context.Background(), req, nil)
	var re *restore.RunError
	if !errors.Is(err, restore.ErrFileChanged) || !errors.As(err, &re) || !strings.Contains(re.Summary, "Nothing was restored") {
		t.Fatalf("a changed file: %v", err)
	}
	req.DownloadedSHA256 = fileSum(t, localFixture)
	if _, err := e.PlanLocal(context.Background(), req, nil); err != nil {
		t.Fatalf("the file as downloaded: %v", err)
	}
}

// A download Mendix Cloud could not restore (a newer dump) still goes on to the local
// plan, which judges the file; any other failed download stops there.
func TestLocalSourceHandsOnOnlyASavedFile(t *testing.T) {
	saved := &restore.DownloadResult{Path: "/tmp/x.backup", SHA256: "abc"}
	notForCloud := &restore.RunError{Summary: "newer dump", Err: restore.ErrNotRestorable}
	if path, sha, err := restore.LocalSource(saved, notForCloud); err != nil || path != saved.Path || sha != "abc" {
		t.Fatalf("a newer dump: %q %q %v", path, sha, err)
	}
	failed := errors.New("disk full")
	if _, _, err := restore.LocalSource(saved, failed); !errors.Is(err, failed) {
		t.Fatalf("a failed download went on: %v", err)
	}
	if _, _, err := restore.LocalSource(nil, nil); err == nil {
		t.Fatal("no file, yet no error")
	}
	dl := restore.LocalDownload("p", restore.Target{}, "latest", "/tmp")
	if !dl.DBOnly || dl.SnapshotID != "latest" || dl.Output != "/tmp" {
		t.Fatalf("the local restore's download: %+v", dl)
	}
}

// A backup already downloaded is used again, whatever folder it was saved in and
// whether it is the full snapshot or the database only, once its hash is checked; one that
// changed since is passed over and the backup is downloaded again, under a name that
// says whose backup it is.
func TestPlanLocalReusesACheckedEarlierDownload(t *testing.T) {
	c := pgtest.Start(t)
	b, tg, snapID, _ := downloadBed(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	ctx := context.Background()
	full := t.TempDir()
	dp, err := b.e.PlanDownload(ctx, restore.DownloadRequest{Target: tg, SnapshotID: snapID, Output: full})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.e.DownloadBackup(ctx, dp, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := restore.LocalRequest{Target: localTarget(c, "reused"), Create: true,
		Cloud: &restore.DownloadRequest{Target: tg, SnapshotID: "latest", Output: t.TempDir()}}
	p, err := b.e.PlanLocal(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Download != nil || p.ReusedRun != got.RunID || p.Request.File != got.Path || !strings.Contains(p.Notes[0], "without downloading it again") {
		t.Fatalf("the full snapshot downloaded by run %d is not used: file %q, reused run %d, download %v, notes %q",
			got.RunID, p.Request.File, p.ReusedRun, p.Download != nil, p.Notes)
	}
	res, err := b.e.RunLocal(ctx, p, nil)
	if err != nil || !res.Complete() {
		t.Fatalf("restore of the earlier download: %v %+v", err, res)
	}

	// Changed on disk since: not used; downloaded again, named for the app and environment.
	f, err := os.OpenFile(got.Path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("tampered")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	req.Target = localTarget(c, "fresh")
	p, err = b.e.PlanLocal(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Download == nil || p.ReusedRun != 0 || !strings.Contains(strings.Join(p.Notes, " "), "has changed since, so it is not used") {
		t.Fatalf("a changed earlier download: download %v, reused %d, notes %q", p.Download != nil, p.ReusedRun, p.Notes)
	}
	if name := filepath.Base(p.Download.Path); !strings.Contains(name, "Acceptance") || strings.HasPrefix(name, "database-") {
		t.Fatalf("the download would be called %q", name)
	}
}
