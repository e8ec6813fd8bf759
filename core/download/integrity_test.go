package download

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A storage host that ignores If-Range: asked to continue object "v1" from an earlier
// run's .part, it answers 206 with the rest of another object ("v2", same size). Those
// bytes are never spliced onto the .part: the download starts over and saves v2 whole.
func TestIfRangeIgnoredByTheHostNeverSplicesAnotherObjectOn(t *testing.T) {
	t.Parallel()
	const size = 256 << 10
	v1, v2 := twoObjects(t, size)
	var mu sync.Mutex
	var ranges []string
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		w.Header().Set("ETag", `"v2"`) // the object changed; If-Range is not looked at
		var start int
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-", &start); err == nil && start > 0 {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, size-1, size))
			w.Header().Set("Content-Length", fmt.Sprint(size-start))
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(v2[start:])
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(size))
		_, _ = w.Write(v2)
	}))
	defer host.Close()
	dir := t.TempDir()
	final := filepath.Join(dir, "obj.backup")
	// An earlier run's .part: the first 100 KiB of v1, and its sidecar.
	leavePart(t, final, v1[:100<<10], validator{ETag: `"v1"`, Size: size})
	prog := &counter{}
	res := fetchChanged(t, host.URL, dir, prog, v1, v2)
	// The progress counted the .part, then took it back on starting over: it ends at the
	// object's size.
	if done, total := prog.done.Load(), prog.total.Load(); done != size || total != size {
		t.Errorf("progress %d of %d, want %d of %d", done, total, size, size)
	}
	if res.Resumed != 0 {
		t.Errorf("Resumed = %d: bytes of the other object were kept", res.Resumed)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ranges) != 2 || ranges[0] != fmt.Sprintf("bytes=%d-", 100<<10) || ranges[1] != "" {
		t.Errorf("requests' ranges = %q, want the continuation, then the whole object", ranges)
	}
}

// The file changes on disk between the fetch and the check (another valid backup put in
// its place): the check says the file on disk is not what was downloaded, although what
// is there now would pass inspection.
func TestChangedFileBetweenFetchAndCheckFailsTheCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	r := e.runner(nil)
	p := e.plan(e.target(id, t.TempDir(), true))
	a, err := r.Archive(context.Background(), p, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Fetch(context.Background(), p, a, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile(fullFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out.Path, other, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Size = int64(len(other))
	rep, err := r.Check(context.Background(), out, nil)
	if err == nil || !strings.Contains(err.Error(), "differs from what was downloaded") {
		t.Fatalf("check of a file changed after the fetch: report %+v, error %v", rep, err)
	}
}

// The connection drops after 100 KiB of object v1, and the object changes before the
// download asks again (v2, same size). Without a validator (no ETag, no Last-Modified)
// nothing proves that a continuation belongs to the same object, so the download asks for
// the whole object, although this host would gladly send the rest; with one, it asks for
// the rest with If-Range: "v1", and the host sends v2 whole. Either way v2 is saved, never
// spliced, and the progress, which had counted v1's bytes, takes them back: it never shows
// more than the object's size and ends at it.
func TestACutDownloadOfAChangedObjectStartsOverWithinTheRun(t *testing.T) {
	t.Parallel()
	const size, cut = 256 << 10, 100 << 10
	for _, c := range []struct {
		name, etag1, etag2 string
		second             string // the second request's Range and If-Range
	}{
		{"without a validator", "", "", " if "},
		{"with a validator", `"v1"`, `"v2"`, fmt.Sprintf(`bytes=%d- if "v1"`, cut)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v1, v2 := twoObjects(t, size)
			var mu sync.Mutex
			var asked []string // each request's Range and If-Range
			host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				asked = append(asked, r.Header.Get("Range")+" if "+r.Header.Get("If-Range"))
				first := len(asked) == 1
				mu.Unlock()
				if !first {
					_, _ = w.Write(answerObject(w, r, v2, c.etag2))
					return
				}
				_, _ = w.Write(answerObject(w, r, v1, c.etag1)[:cut])
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler) // the connection drops mid-body
			}))
			defer host.Close()
			prog := &counter{}
			res := fetchChanged(t, host.URL, t.TempDir(), prog, v1, v2)
			if res.Reconnects != 1 || res.Resumed != 0 {
				t.Errorf("reconnects %d, resumed %d: want one reconnect that kept nothing", res.Reconnects, res.Resumed)
			}
			if peak, done, total := prog.peak.Load(), prog.done.Load(), prog.total.Load(); peak > size || done != size || total != size {
				t.Errorf("progress went up to %d and ended at %d of %d, want at most and at last %d of %d", peak, done, total, size, size)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := []string{" if ", c.second}; !slices.Equal(asked, want) {
				t.Errorf("requests asked %q, want %q", asked, want)
			}
		})
	}
}

// A host that drops every connection before a byte arrives is asked Retries more times,
// then the download gives up saying how many attempts it made; a Fetcher without a
// setting makes the default number of retries.
func TestAHostThatNeverSendsIsGivenUpAfterTheRetries(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		retries, wantRequests int
	}{{2, 3}, {0, defaultRetries + 1}} {
		var mu sync.Mutex
		requests := 0
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			requests++
			mu.Unlock()
			panic(http.ErrAbortHandler)
		}))
		_, err := (&Fetcher{Retries: c.retries, RetryDelay: 1}).Fetch(context.Background(), Request{URL: host.URL + signedPath, Dir: t.TempDir(), Name: "obj.backup"}, nil)
		host.Close()
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("gave up after %d attempts", c.wantRequests)) {
			t.Errorf("Retries %d: %v, want it to give up after %d attempts without progress", c.retries, err, c.wantRequests)
		}
		mu.Lock()
		if requests != c.wantRequests {
			t.Errorf("Retries %d: %d requests, want %d", c.retries, requests, c.wantRequests)
		}
		mu.Unlock()
	}
}

// fetchChanged fetches obj.backup from a host whose object changed from v1 to v2 (of one
// size) into dir: the saved file must be v2 whole, no byte of v1 spliced on.
func fetchChanged(t *testing.T, hostURL, dir string, prog Counter, v1, v2 []byte) *Result {
	t.Helper()
	res, err := (&Fetcher{RetryDelay: 1}).Fetch(context.Background(), Request{URL: hostURL + signedPath, Dir: dir, Name: "obj.backup"}, prog)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, v2) {
		t.Fatalf("saved %d bytes that are not the object the host serves now (first 100 KiB from v1: %v)", len(got), bytes.Equal(got[:100<<10], v1[:100<<10]))
	}
	return res
}

// twoObjects are two versions of an object of size random bytes.
func twoObjects(t *testing.T, size int) (v1, v2 []byte) {
	t.Helper()
	v1, v2 = make([]byte, size), make([]byte, size)
	if _, err := rand.Read(v1); err != nil {
		t.Fatal(err)
	}
	if _, err := rand.Read(v2); err != nil {
		t.Fatal(err)
	}
	return v1, v2
}
