package restore_test

import (
	"context"
	"errors"
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
