package download

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
)

func TestDownloadSavesTheServersFileForBothKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fixture string
		dbOnly  bool
		suffix  string
	}{
		{"full backup", fullFixture, false, ".tar.gz"},
		{"database only", dbFixture, true, ".backup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.seed(tc.fixture, tc.dbOnly)
			dir := t.TempDir()
			p := e.plan(e.target(id, dir, tc.dbOnly))
			var prog counter
			out, err := e.runner(nil).Run(context.Background(), p, Hooks{Progress: &prog})
			if err != nil {
				assertNoLink(t, "the error", err.Error())
				t.Fatal(err)
			}
			want := fileSHA(t, tc.fixture)
			if out.SHA256 != want || fileSHA(t, out.Path) != want || out.Size != fileSize(t, tc.fixture) {
				t.Fatalf("saved %s (%d bytes, SHA-256 %s), want the server's file %s", out.Path, out.Size, out.SHA256, want)
			}
			if !strings.HasSuffix(out.Path, tc.suffix) || filepath.Dir(out.Path) != dir {
				t.Errorf("saved as %s, want a %s name from the link in %s", out.Path, tc.suffix, dir)
			}
			if out.Report == nil || !out.Report.Restorable {
				t.Errorf("inspection of the download: %+v", out.Report)
			}
			if prog.total.Load() != out.Size || prog.done.Load() != out.Size {
				t.Errorf("progress %d of %d, want %d of %d", prog.done.Load(), prog.total.Load(), out.Size, out.Size)
			}
			if names := listDir(t, dir); len(names) != 1 {
				t.Errorf("the folder holds %v, want the download only (no .part, no sidecar)", names)
			}
		})
	}
}

func TestDownloadCutAt40PercentResumesWithARange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(fullFixture, false)
	size := fileSize(t, fullFixture)
	cutAt := int64(float64(size) * 0.4)
	e.srv.Cloud().SetFaults(localcloud.Faults{DownloadCutAt: 0.4})
	out, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, t.TempDir(), false)), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if out.SHA256 != fileSHA(t, fullFixture) {
		t.Fatalf("resumed download has SHA-256 %s, want the server's %s", out.SHA256, fileSHA(t, fullFixture))
	}
	r := e.ranged()
	if len(r) != 1 || r[0].Range != fmt.Sprintf("bytes=%d-", cutAt) || r[0].IfRange == "" {
		t.Fatalf("requests with a range = %+v, want one for bytes=%d- with If-Range", r, cutAt)
	}
	if n := e.client.archives.Load(); n != 1 {
		t.Errorf("%d archives requested, want 1", n)
	}
}

func TestDownloadExpiredLinkGetsANewArchiveAndContinues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(fullFixture, false)
	size := fileSize(t, fullFixture)
	// The link expires during the download, which is then cut: the resume meets a 403.
	e.srv.Cloud().SetFaults(localcloud.Faults{DownloadCutAt: 0.4})
	prog := &counter{onReach: 1, reached: func() {
		if err := e.srv.Cloud().ExpireDownloadLinks(); err != nil {
			t.Error(err)
		}
	}}
	out, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, t.TempDir(), false)), Hooks{Progress: prog})
	if err != nil {
		assertNoLink(t, "the error", err.Error())
		t.Fatal(err)
	}
	if !out.Renewed || e.client.archives.Load() != 2 {
		t.Fatalf("renewed %v with %d archives, want a second archive after the refusal", out.Renewed, e.client.archives.Load())
	}
	if out.SHA256 != fileSHA(t, fullFixture) || out.Resumed != int64(float64(size)*0.4) {
		t.Fatalf("SHA-256 %s, %d bytes taken from the part; want the server's file continued from 40%%", out.SHA256, out.Resumed)
	}
	if prog.done.Load() != size {
		t.Errorf("progress ended at %d of %d", prog.done.Load(), size)
	}
}

// interrupted runs a download that is cut at 40% and cancelled there, as if the program
// had been closed, leaving the .part in the plan's folder.
func interrupted(t *testing.T, e *env, p *Plan) {
	t.Helper()
	e.srv.Cloud().SetFaults(localcloud.Faults{DownloadCutAt: 0.4})
	defer e.srv.Cloud().SetFaults(localcloud.Faults{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := e.runner(nil).Run(ctx, p, Hooks{Progress: &cutCanceller{counter: &counter{}, cancel: cancel}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want cancelled", err)
	}
	assertNoLink(t, "the error", err.Error())
	if !strings.Contains(err.Error(), ".part") {
		t.Errorf("the cancel message does not say the .part is kept: %v", err)
	}
}

// cutCanceller cancels when the bytes reach 40% of the total (where the cut fault ends the
// first answer), so the run stops exactly with a 40% .part.
type cutCanceller struct {
	*counter
	cancel func()
}

func (c *cutCanceller) Add(n int64) {
	d := c.done.Add(n)
	if t := c.total.Load(); t > 0 && d >= int64(float64(t)*0.4) {
		c.cancel()
	}
}

// The user cancels once the host's answer has begun (its size and ETag are known, a
// resumable object) but before its first byte: the message says the download was
// cancelled and promises no continuation of the empty .part.
func TestACancelBeforeTheFirstByteMakesNoPromiseOfAContinuation(t *testing.T) {
	t.Parallel()
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		// The body would come a second later: a download never cancelled ends, and
		// fails below, instead of waiting for the stall time.
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
			_, _ = w.Write(make([]byte, 1000))
		}
	}))
	defer host.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The size is told when the answer's headers are in: the user cancels then.
	prog := &totalCanceller{cancel: cancel}
	_, err := (&Fetcher{RetryDelay: 1}).Fetch(ctx, Request{URL: host.URL + signedPath, Dir: t.TempDir(), Name: "obj.backup"}, prog)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled download: %v, want cancelled", err)
	}
	if strings.Contains(err.Error(), ".part") || strings.Contains(err.Error(), "continues") {
		t.Fatalf("a cancel before the first byte promises a continuation: %v", err)
	}
}

// totalCanceller cancels when the download says the object's size.
type totalCanceller struct {
	nopCounter
	cancel func()
}

func (c *totalCanceller) SetTotal(int64) { c.cancel() }

func TestDownloadRestartContinuesTheSameObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(fullFixture, false)
	dir := t.TempDir()
	interrupted(t, e, e.plan(e.target(id, dir, false)))
	if names := listDir(t, dir); !hasSuffix(names, ".part") || !hasSuffix(names, ".part.json") {
		t.Fatalf("after the interruption the folder holds %v, want the .part and its sidecar", names)
	}
	// A new run (a new process would do the same): a new archive, whose link serves the
	// same object, so the .part is continued.
	out, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, dir, false)), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	size := fileSize(t, fullFixture)
	if out.SHA256 != fileSHA(t, fullFixture) || out.Resumed != int64(float64(size)*0.4) {
		t.Fatalf("SHA-256 %s, resumed %d bytes; want the server's file continued from 40%%", out.SHA256, out.Resumed)
	}
	if r := e.ranged(); len(r) != 1 {
		t.Errorf("range requests %+v, want the continuation only", r)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("the folder holds %v after the download", names)
	}
}

func TestDownloadRestartStartsOverWhenTheObjectChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A database-only archive of a full backup is made anew for every archive: the second
	// link serves another object (another ETag), so the .part must not be continued.
	id := e.seed(fullFixture, false)
	dir := t.TempDir()
	dest := filepath.Join(dir, "mine.backup") // a chosen name: the resume is tried with If-Range
	interrupted(t, e, e.plan(e.target(id, dest, true)))
	part := dest + ".part"
	b, err := os.ReadFile(part)
	if err != nil || len(b) == 0 {
		t.Fatalf("no .part after the interruption: %v", err)
	}
	// Make the old part's bytes differ from the object: splicing would show in the hash.
	for i := range b {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(part, b, 0o600); err != nil {
		t.Fatal(err)
	}
	prog := &counter{}
	out, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, dest, true)), Hooks{Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	if out.Resumed != 0 || out.Path != dest {
		t.Fatalf("resumed %d bytes into %s, want a fresh download into %s", out.Resumed, out.Path, dest)
	}
	// The progress counted the earlier part, then took it back when the host sent the
	// whole object: it ends at the file's size, not above.
	if done, total := prog.done.Load(), prog.total.Load(); done != out.Size || total != out.Size {
		t.Errorf("progress %d of %d, want %d of %d", done, total, out.Size, out.Size)
	}
	if out.Report == nil || !out.Report.Restorable || out.Report.SHA256 != out.SHA256 {
		t.Fatalf("the download is not the dump: %+v", out.Report)
	}
	r := e.ranged()
	if len(r) != 1 || r[0].IfRange == "" {
		t.Fatalf("range requests %+v, want one with If-Range (answered with the whole object)", r)
	}
}

func TestDownloadKeepsAnExistingFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.backup")
	if err := os.WriteFile(mine, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A chosen name that exists: refused by the plan, before the cloud is asked for anything.
	if _, err := MakePlan(context.Background(), e.client, e.target(id, mine, true)); !errors.Is(err, ErrExists) {
		t.Fatalf("plan over an existing file: %v, want ErrExists", err)
	}
	// A name from the link that exists: refused before the body is fetched.
	p := e.plan(e.target(id, dir, true))
	first, err := e.runner(nil).Run(context.Background(), p, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(first.Path, []byte("keep me too"), 0o600); err != nil {
		t.Fatal(err)
	}
	var prog counter
	_, err = e.runner(nil).Run(context.Background(), e.plan(e.target(id, dir, true)), Hooks{Progress: &prog})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second download into the same folder: %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(first.Path); string(b) != "keep me too" || prog.done.Load() != 0 {
		t.Fatalf("the existing file now holds %d bytes (%d fetched)", len(b), prog.done.Load())
	}
	if names := listDir(t, dir); hasSuffix(names, ".part") {
		t.Errorf("a refused download left %v", names)
	}
	// Asked to replace it: replaced.
	tg := e.target(id, mine, true)
	tg.Force = true
	out, err := e.runner(nil).Run(context.Background(), e.plan(tg), Hooks{})
	if err != nil || fileSHA(t, mine) != fileSHA(t, dbFixture) || out.Path != mine {
		t.Fatalf("forced download: %v", err)
	}
}

func TestDownloadUnwritableFolderFailsBeforeAnythingIsAsked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	dir := t.TempDir()
	lockFolder(t, dir)
	_, err := MakePlan(context.Background(), e.client, e.target(id, dir, true))
	if !errors.Is(err, ErrFolder) || !strings.Contains(err.Error(), "choose a folder you can write to") {
		t.Fatalf("plan into an unwritable folder: %v", err)
	}
	_, err = MakePlan(context.Background(), e.client, e.target(id, filepath.Join(dir, "missing", "x.backup"), true))
	if !errors.Is(err, ErrFolder) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("plan into a missing folder: %v", err)
	}
	if n := e.client.archives.Load(); n != 0 || len(e.srv.Cloud().DownloadRequests()) != 0 {
		t.Fatalf("%d archives requested, %d downloads: want none", n, len(e.srv.Cloud().DownloadRequests()))
	}
}

// lockFolder makes dir refuse new files, even to root (immutable attribute).
func lockFolder(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		return
	}
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		t.Skip("running as root without chattr: no way to make a folder unwritable")
	}
	if out, err := exec.Command(chattr, "+i", dir).CombinedOutput(); err != nil {
		t.Skipf("running as root and the file system refuses chattr +i (%v: %s): no way to make a folder unwritable", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(chattr, "-i", dir).Run() })
}

func TestDownloadTooLittleFreeSpaceFailsBeforeTheBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(fullFixture, false)
	dir := t.TempDir()
	// fakeFreeSpace stands in for a nearly full disk (a real one cannot be made here safely).
	fakeFreeSpace := func(string) (int64, error) { return 1 << 20, nil }
	var prog counter
	_, err := e.runner(&Fetcher{FreeSpace: fakeFreeSpace}).Run(context.Background(), e.plan(e.target(id, dir, false)), Hooks{Progress: &prog})
	if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "free up space or choose another folder") {
		t.Fatalf("download onto a full disk: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	if names := listDir(t, dir); len(names) != 0 || prog.done.Load() != 0 {
		t.Fatalf("a download refused for space left %v and counted %d bytes", names, prog.done.Load())
	}
}

func TestDownloadNotCompletedBackupIsRefusedByThePlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec, err := e.srv.Cloud().AddSnapshot(e.env.EnvironmentID, localcloud.SnapshotSpec{Failed: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = MakePlan(context.Background(), e.client, e.target(rec.SnapshotID, t.TempDir(), false))
	if !errors.Is(err, ErrNotCompleted) || !strings.Contains(err.Error(), "choose a completed backup") {
		t.Fatalf("plan of a failed backup: %v", err)
	}
	p := e.plan(e.target(Latest, t.TempDir(), false))
	if p.Snapshot.State != "completed" || p.Snapshot.SnapshotID == rec.SnapshotID {
		t.Fatalf("latest = %+v", p.Snapshot)
	}
}
