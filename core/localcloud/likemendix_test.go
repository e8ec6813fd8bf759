package localcloud_test

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// Like the real Mendix Cloud: a Free App's environment read, start, stop and restore are
// refused with a 4xx, nothing changes, and listing still works. Licensed apps are served.
func TestLikeMendixRefusesFreeAppCallsAndChangesNothing(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t, localcloudtest.LikeMendix())
	const app, mode = localcloud.DemoAppExpenseTracker, "Sandbox"
	envPath := "/api/1/apps/" + app + "/environments/" + mode
	base := demoV2(app, mode)
	snap := a.latestCompleted(base) // the Backups API lists a Free App's backups

	for _, c := range []struct{ method, path string }{
		{"GET", envPath},
		{"POST", envPath + "/stop"},
		{"POST", envPath + "/start"},
		{"POST", base + "/restores?source_snapshot_id=" + snap.SnapshotID},
	} {
		r := a.do(c.method, c.path, nil)
		if r.status < 400 || r.status >= 500 {
			t.Errorf("%s %s: %d %s, want a 4xx refusal", c.method, c.path, r.status, r.body)
		}
		if code, msg := r.errorCode(); code == "" || msg == "" {
			t.Errorf("%s %s: no documented error body: %s", c.method, c.path, r.body)
		}
	}
	var envs []envJSON
	a.call("GET", "/api/1/apps/"+app+"/environments", nil, 200, &envs)
	if len(envs) != 1 || envs[0].Status != "Running" {
		t.Errorf("after the refusals the Free App's environment is %+v, want it still Running", envs)
	}
	var p pageJSON
	a.call("GET", base+"/snapshots?limit=1000", nil, 200, &p)
	for _, s := range p.Snapshots {
		if s.SnapshotID == snap.SnapshotID && s.State != "completed" {
			t.Errorf("snapshot changed: %+v", s)
		}
	}
	// A licensed app is served as always.
	a.call("GET", "/api/1/apps/"+localcloud.DemoAppOrderDesk+"/environments/Test", nil, 200, nil)
}

// Like the real Mendix Cloud there is no upload route: 404, so clients hand over to the Portal.
func TestLikeMendixHasNoUploadRoute(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t, localcloudtest.LikeMendix())
	r := a.tus("POST", a.base+demoV2(localcloud.DemoAppOrderDesk, "Test")+"/uploads/",
		map[string]string{"Upload-Length": "10", "Upload-Metadata": tusMeta("x.backup", sha([]byte("0123456789")))}, nil)
	if r.status != http.StatusNotFound || r.header.Get("Tus-Resumable") != "" {
		t.Errorf("upload POST: %d %v %s, want 404 without tus", r.status, r.header, r.body)
	}
}

// Without LikeMendix the Free App answers as before (the normal mode of the suites).
func TestNormalModeServesFreeAppEnvironment(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	a.call("GET", "/api/1/apps/"+localcloud.DemoAppExpenseTracker+"/environments/Sandbox", nil, 200, nil)
}

func TestUploadLimitAndFreeDiskAreCheckedBeforeAnyByte(t *testing.T) {
	t.Parallel()
	base := demoV2(localcloud.DemoAppOrderDesk, "Test")
	meta := tusMeta("big.backup", sha([]byte("x")))

	// The default limit applies when none is configured.
	_, a := startDemo(t)
	r := a.tus("POST", a.base+base+"/uploads/", map[string]string{
		"Upload-Length": strconv.FormatInt(localcloud.DefaultMaxUploadSize+1, 10), "Upload-Metadata": meta}, nil)
	if code, _ := r.errorCode(); r.status != http.StatusRequestEntityTooLarge || code != "UPLOAD_TOO_LARGE" {
		t.Errorf("over the default limit: %d %s", r.status, r.body)
	}
	// Without a limit, a length no disk can hold is refused for lack of space.
	_, b := startDemo(t, localcloudtest.WithMaxUploadSize(-1))
	r = b.tus("POST", b.base+base+"/uploads/", map[string]string{
		"Upload-Length": strconv.FormatInt(1<<60, 10), "Upload-Metadata": meta}, nil)
	if code, _ := r.errorCode(); r.status != http.StatusInsufficientStorage || code != "INSUFFICIENT_STORAGE" {
		t.Errorf("larger than the free disk: %d %s", r.status, r.body)
	}
}

// The data folder is the owner's only: every folder 0700 and every file 0600, after the
// demo was seeded, a restore ran and an upload started.
func TestDataFolderIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	t.Parallel()
	s, a := startDemo(t)
	base := demoV2(localcloud.DemoAppOrderDesk, "Test")
	a.waitRestore(base, a.restore(base, a.latestCompleted(base).SnapshotID, false).RestoreID)
	data := []byte("not checked here")
	a.createUpload(base, len(data)+5, "a.backup", sha(data))
	dir := s.Cloud().DataDir()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if m := fi.Mode().Perm(); fi.Mode()&os.ModeSymlink == 0 && m != want {
			rel, _ := filepath.Rel(dir, p)
			t.Errorf("%s has mode %o, want %o", rel, m, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d entries walked", n)
	}
}

// The no-room fault fails a restore with a message about space, and changes nothing.
func TestRestoreNoRoomFault(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t, localcloudtest.WithFaults(localcloud.Faults{RestoreNoRoom: true}))
	base := demoV2(localcloud.DemoAppOrderDesk, "Test")
	snap := a.latestCompleted(base)
	r := a.waitRestore(base, a.restore(base, snap.SnapshotID, false).RestoreID)
	if r.State != "failed" || !strings.Contains(str(r.StatusMessage), "space") {
		t.Errorf("restore = %+v, want failed for lack of space", r)
	}
}
