package download

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"restoredesk/core/localcloud"
)

// fetchTee asks for an archive of plan p and fetches it, handing the bytes to a tee.
func fetchTee(t *testing.T, e *env, p *Plan, h Hooks) (*Outcome, *Tee, *bytes.Buffer) {
	t.Helper()
	r := e.runner(nil)
	a, err := r.Archive(context.Background(), p, h)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	tee := NewTee(&got)
	out, err := r.FetchTo(context.Background(), p, a, h, tee)
	if err != nil {
		t.Fatal(err)
	}
	return out, tee, &got
}

// assertHandedOnce: the reader got the saved file's bytes, each once, and the tee's hash
// says so.
func assertHandedOnce(t *testing.T, out *Outcome, tee *Tee, got *bytes.Buffer) {
	t.Helper()
	sum := sha256Hex(got.Bytes())
	if sum != fileSHA(t, out.Path) || int64(got.Len()) != out.Size {
		t.Fatalf("the reader got %d bytes (SHA-256 %s); the file has %d (%s)", got.Len(), sum, out.Size, fileSHA(t, out.Path))
	}
	if tee.SHA256() != out.SHA256 || tee.Handed() != out.Size || tee.Err() != nil || tee.Total() != out.Size {
		t.Fatalf("tee: SHA-256 %s, %d handed, total %d, err %v; file %s, %d bytes", tee.SHA256(), tee.Handed(), tee.Total(), tee.Err(), out.SHA256, out.Size)
	}
}

// The link expires mid-download and the connection drops; the new archive is another
// object (a database-only archive of a full backup is made anew), so the host sends it
// from its start: the reader still gets every byte once.
func TestTeeHandsEveryByteOnceAcrossARenewedLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(fullFixture, false)
	e.srv.Cloud().SetFaults(localcloud.Faults{DownloadCutAt: 0.4})
	prog := &counter{onReach: 1, reached: func() {
		if err := e.srv.Cloud().ExpireDownloadLinks(); err != nil {
			t.Error(err)
		}
	}}
	p := e.plan(e.target(id, filepath.Join(t.TempDir(), "db.backup"), true))
	out, tee, got := fetchTee(t, e, p, Hooks{Progress: prog})
	if !out.Renewed || out.Resumed != 0 {
		t.Fatalf("renewed %v, resumed %d: want a new archive sent from its start", out.Renewed, out.Resumed)
	}
	assertHandedOnce(t, out, tee, got)
}

// A .part an earlier run left is continued: the reader gets it from the disk first, then
// what arrives.
func TestTeeHandsAnEarlierPartFromTheDiskFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(fullFixture, false)
	dir := t.TempDir()
	interrupted(t, e, e.plan(e.target(id, dir, false)))
	out, tee, got := fetchTee(t, e, e.plan(e.target(id, dir, false)), Hooks{})
	if out.Resumed == 0 {
		t.Fatal("the earlier .part was not continued")
	}
	assertHandedOnce(t, out, tee, got)
}

// Until the host says the object's size, the tee says it is not known (-1): the restore's
// estimate of how long the rest of the download takes waits for it instead of taking a
// size of 0 or 1 as said.
func TestTeeSizeIsUnknownUntilTheHostSaysIt(t *testing.T) {
	tee := NewTee(io.Discard)
	if got := tee.Total(); got != -1 {
		t.Fatalf("a new tee's total is %d, want -1 (not known)", got)
	}
	tee.setTotal(28_500_000)
	if got := tee.Total(); got != 28_500_000 {
		t.Fatalf("total %d after the host said 28500000", got)
	}
}
