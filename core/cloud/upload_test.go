package cloud

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	tushandler "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	tuslog "golang.org/x/exp/slog"
)

// These tests run the client against a real tus 1.0 server (tusd, as the embedded cloud
// uses), wrapped to break connections the way a bad network does.

const tusBase = "/api/v2/apps/p1/environments/e1/uploads/"

type tusServer struct {
	*httptest.Server
	dir         string
	dropAfter   atomic.Int64  // >0: cut the next PATCH body after this many bytes and drop the connection
	stallAfter  atomic.Int64  // >0: the next PATCH stops reading after this many bytes
	release     chan struct{} // set while a PATCH stalls; the next HEAD closes it, as tusd's lock release ends the PATCH
	patches     atomic.Int32
	relLocation bool
	mu          sync.Mutex
	meta        map[string]string
	// patching is held (shared) by every PATCH under way, and a HEAD waits for them: tusd
	// then never has to ask a PATCH to give up its lock, which in tusd v2.9.1 races with
	// the PATCH handler (the race detector reports it).
	patching sync.RWMutex
}

func newTusServer(t *testing.T) *tusServer {
	t.Helper()
	ts := &tusServer{dir: t.TempDir()}
	composer := tushandler.NewStoreComposer()
	filestore.New(ts.dir).UseIn(composer)
	memorylocker.New().UseIn(composer)
	h, err := tushandler.NewHandler(tushandler.Config{
		BasePath:      tusBase,
		StoreComposer: composer,
		Logger:        tuslog.New(tuslog.NewTextHandler(io.Discard, nil)),
		PreUploadCreateCallback: func(hook tushandler.HookEvent) (tushandler.HTTPResponse, tushandler.FileInfoChanges, error) {
			ts.mu.Lock()
			ts.meta = hook.Upload.MetaData
			ts.mu.Unlock()
			return tushandler.HTTPResponse{}, tushandler.FileInfoChanges{}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	inner := http.StripPrefix(tusBase, h)
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Mendix-ApiKey") != testKey || r.Header.Get("Mendix-Username") != testUser {
			writeJSONString(w, 401, `{"errorCode":"UNAUTHORIZED","errorMessage":"Please provide valid credentials"}`)
			return
		}
		if r.Method == http.MethodPatch {
			ts.patching.RLock()
			defer ts.patching.RUnlock()
			ts.patches.Add(1)
			if n := ts.stallAfter.Swap(0); n > 0 {
				release := make(chan struct{})
				ts.mu.Lock()
				ts.release = release
				ts.mu.Unlock()
				r.Body = io.NopCloser(io.MultiReader(io.LimitReader(r.Body, n), &blockReader{ctx: r.Context(), release: release}))
			}
			if n := ts.dropAfter.Swap(0); n > 0 {
				r.Body = io.NopCloser(&cutReader{r: r.Body, left: n})
				inner.ServeHTTP(discardWriter{h: http.Header{}}, r)
				panic(http.ErrAbortHandler) // the client sees the connection break
			}
		}
		if r.Method == http.MethodHead {
			ts.mu.Lock()
			if ts.release != nil {
				close(ts.release)
				ts.release = nil
			}
			ts.mu.Unlock()
			ts.waitForPatches()
		}
		if r.Method == http.MethodPost && ts.relLocation {
			rw := &locationRewriter{ResponseWriter: w, prefix: ts.URL}
			inner.ServeHTTP(rw, r)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// waitForPatches returns once no PATCH is under way.
func (ts *tusServer) waitForPatches() {
	ts.patching.Lock()
	defer ts.patching.Unlock()
}

func (ts *tusServer) stored(t *testing.T, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ts.dir, id))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type cutReader struct {
	r    io.Reader
	left int64
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// blockReader blocks until the request ends or the stall is released.
type blockReader struct {
	ctx     context.Context
	release chan struct{}
}

func (b *blockReader) Read([]byte) (int, error) {
	select {
	case <-b.ctx.Done():
		return 0, b.ctx.Err()
	case <-b.release:
		return 0, io.ErrUnexpectedEOF
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// locationRewriter turns tusd's absolute Location into a relative one.
type locationRewriter struct {
	http.ResponseWriter
	prefix string
}

func (l *locationRewriter) WriteHeader(code int) {
	if loc := l.Header().Get("Location"); loc != "" {
		l.Header().Set("Location", strings.TrimPrefix(loc, l.prefix))
	}
	l.ResponseWriter.WriteHeader(code)
}

func randomFile(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// progressSum records onProgress deltas.
type progressSum struct {
	mu       sync.Mutex
	sum      int64
	calls    int
	negative int
}

func (p *progressSum) add(d int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sum += d
	p.calls++
	if d < 0 {
		p.negative++
	}
}

func TestUploadCreateSendsMetadataAndResolvesLocation(t *testing.T) {
	for _, rel := range []bool{false, true} {
		ts := newTusServer(t)
		ts.relLocation = rel
		data, sum := randomFile(t, 1000)
		c := newTestClient(t, ts.URL)
		up, err := c.CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "/home/ann/private/db.backup", Size: int64(len(data)), SHA256: strings.ToUpper(sum)})
		if err != nil {
			t.Fatalf("relative Location %v: %v", rel, err)
		}
		if !strings.HasPrefix(up.URL, ts.URL+tusBase) || !strings.HasSuffix(up.URL, "/"+up.SnapshotID) || up.SnapshotID == "" {
			t.Errorf("upload %+v: URL must be absolute under %s and end in the snapshot id", up, ts.URL+tusBase)
		}
		ts.mu.Lock()
		meta := ts.meta
		ts.mu.Unlock()
		if meta["filename"] != "db.backup" || meta["sha256"] != sum {
			t.Errorf("server got metadata %v; want only the base name and the lowercase hex sum", meta)
		}
		off, err := c.UploadOffset(context.Background(), up.URL)
		if err != nil || off != 0 {
			t.Errorf("UploadOffset = %d, %v", off, err)
		}
	}
}

func TestUploadCreateRefusesBadInputBeforeSending(t *testing.T) {
	ts := newTusServer(t)
	c := newTestClient(t, ts.URL)
	for _, meta := range []UploadMeta{
		{Filename: "", Size: 1, SHA256: strings.Repeat("a", 64)},
		{Filename: "a.backup", Size: 0, SHA256: strings.Repeat("a", 64)},
		{Filename: "a.backup", Size: 1, SHA256: "abc"},
		{Filename: "a.backup", Size: 1, SHA256: strings.Repeat("g", 64)},
	} {
		if _, err := c.CreateUpload(context.Background(), "p1", "e1", meta); err == nil {
			t.Errorf("CreateUpload(%+v) accepted", meta)
		}
	}
	if ts.patches.Load() != 0 {
		t.Error("requests were sent")
	}
}

func TestUploadSendsAllBytesInChunks(t *testing.T) {
	ts := newTusServer(t)
	data, sum := randomFile(t, 5<<20+123)
	c := newTestClient(t, ts.URL, WithUploadChunkSize(1<<20))
	up, err := c.CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "a.tar.gz", Size: int64(len(data)), SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	var prog progressSum
	if err := c.SendUpload(context.Background(), up.URL, bytes.NewReader(data), int64(len(data)), prog.add); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ts.stored(t, up.SnapshotID), data) {
		t.Fatal("the server holds different bytes")
	}
	if prog.sum != int64(len(data)) || prog.negative != 0 || prog.calls < 6 {
		t.Errorf("progress sum %d in %d calls (%d negative); want %d in many positive steps", prog.sum, prog.calls, prog.negative, len(data))
	}
	if n := ts.patches.Load(); n != 6 {
		t.Errorf("%d PATCH requests, want 6 chunks of 1 MiB", n)
	}
	// A finished upload sent again is a no-op.
	if err := c.SendUpload(context.Background(), up.URL, bytes.NewReader(data), int64(len(data)), nil); err != nil || ts.patches.Load() != 6 {
		t.Errorf("re-sending a finished upload: %v, %d PATCHes", err, ts.patches.Load())
	}
}

func TestUploadResumesAfterDroppedConnection(t *testing.T) {
	ts := newTusServer(t)
	data, sum := randomFile(t, 4<<20)
	c := newTestClient(t, ts.URL, WithUploadChunkSize(3<<20))
	up, err := c.CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "a.backup", Size: int64(len(data)), SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	ts.dropAfter.Store(1<<20 + 7) // the first PATCH breaks off after 1 MiB + 7 bytes
	var prog progressSum
	if err := c.SendUpload(context.Background(), up.URL, bytes.NewReader(data), int64(len(data)), prog.add); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ts.stored(t, up.SnapshotID), data) {
		t.Fatal("the server holds different bytes after resuming")
	}
	if prog.sum != int64(len(data)) {
		t.Errorf("progress sums to %d, want %d", prog.sum, len(data))
	}
	if prog.negative == 0 {
		t.Error("progress was never corrected down to the server's offset after the drop")
	}
	if n := ts.patches.Load(); n != 2 {
		t.Errorf("%d PATCHes; want the broken one plus one for the remaining 3 MiB - 7 bytes", n)
	}
}

func TestUploadStopsPromptlyOnCancelAndResumesLater(t *testing.T) {
	ts := newTusServer(t)
	data, sum := randomFile(t, 8<<20)
	c := newTestClient(t, ts.URL, WithUploadChunkSize(1<<20))
	up, err := c.CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "a.backup", Size: int64(len(data)), SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var sent atomic.Int64
	err = c.SendUpload(ctx, up.URL, bytes.NewReader(data), int64(len(data)), func(d int64) {
		if sent.Add(d) >= 2<<20 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	off, err := c.UploadOffset(context.Background(), up.URL)
	if err != nil || off >= int64(len(data)) {
		t.Fatalf("offset after cancel %d, %v; want a partial upload", off, err)
	}
	var prog progressSum
	if err := c.SendUpload(context.Background(), up.URL, bytes.NewReader(data), int64(len(data)), prog.add); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ts.stored(t, up.SnapshotID), data) || prog.sum != int64(len(data)) {
		t.Fatalf("resumed upload: bytes equal %v, progress %d", bytes.Equal(ts.stored(t, up.SnapshotID), data), prog.sum)
	}
}

func TestUploadRefusesWhatCannotWork(t *testing.T) {
	ts := newTusServer(t)
	data, sum := randomFile(t, 3<<20)
	sent := &sentRecorder{next: http.DefaultTransport}
	c := newTestClient(t, ts.URL, WithUploadChunkSize(1<<20), WithHTTPClient(&http.Client{Transport: sent}))
	ctx := context.Background()
	up, err := c.CreateUpload(ctx, "p1", "e1", UploadMeta{Filename: "a.backup", Size: int64(len(data)), SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}

	if err := c.SendUpload(ctx, up.URL, bytes.NewReader(data), int64(len(data))+1, nil); err == nil || !strings.Contains(err.Error(), "created for") {
		t.Errorf("size mismatch: %v", err)
	}
	short := data[:2<<20]
	err = c.SendUpload(ctx, up.URL, bytes.NewReader(short), int64(len(data)), nil)
	if err == nil || !strings.Contains(err.Error(), "shorter") {
		t.Errorf("short file: %v", err)
	}
	// Counted where requests leave the client: the server cannot see a request to another
	// host, and a broken PATCH of the short file above may reach it only after the call
	// returned.
	before := sent.count()
	for _, bad := range []string{"https://evil.example" + tusBase + "x", "/relative/x", strings.Replace(ts.URL, "http://", "https://", 1) + tusBase + "x"} {
		if err := c.SendUpload(ctx, bad, bytes.NewReader(data), int64(len(data)), nil); err == nil {
			t.Errorf("SendUpload to %s accepted", bad)
		}
		if _, err := c.UploadOffset(ctx, bad); err == nil {
			t.Errorf("UploadOffset of %s accepted", bad)
		}
	}
	if n := sent.count(); n != before {
		t.Errorf("%d requests went to a foreign upload URL", n-before)
	}
	gone, _ := New(ts.URL, Credentials{Username: testUser, APIKey: "wrong"})
	if err := gone.SendUpload(ctx, up.URL, bytes.NewReader(data), int64(len(data)), nil); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong key: %v", err)
	}
}

func TestUploadsUnsupported(t *testing.T) {
	cases := []struct {
		name string
		h    http.HandlerFunc
		want error
	}{
		{"404 page", func(w http.ResponseWriter, _ *http.Request) { http.NotFound(w, nil) }, ErrUploadsUnsupported},
		{"404 json", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONString(w, 404, `{"errorCode":"NOT_FOUND","errorMessage":"no such route"}`)
		}, ErrUploadsUnsupported},
		{"405", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(405) }, ErrUploadsUnsupported},
		{"201 without tus", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/x/y")
			w.WriteHeader(201)
		}, ErrUploadsUnsupported},
		{"environment missing", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONString(w, 404, `{"errorCode":"ENVIRONMENT_NOT_FOUND","errorMessage":"no env"}`)
		}, ErrNotFound},
		{"free app refused", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONString(w, 400, `{"errorCode":"ERROR_NOT_ALLOWED","errorMessage":"Free Apps cannot upload backups"}`)
		}, ErrNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			_, err := newTestClient(t, srv.URL).CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "a.backup", Size: 5, SHA256: strings.Repeat("a", 64)})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != ErrUploadsUnsupported && errors.Is(err, ErrUploadsUnsupported) {
				t.Errorf("%v also claims uploads are unsupported", err)
			}
			if tc.want == ErrUploadsUnsupported && !strings.Contains(err.Error(), "Mendix Portal") {
				t.Errorf("error %q does not say where to upload instead", err)
			}
		})
	}
}

func TestUploadLocationOnAnotherOriginIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Tus-Resumable", "1.0.0")
		w.Header().Set("Location", "https://uploads.evil.example/u/abc")
		w.WriteHeader(201)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL).CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "a.backup", Size: 5, SHA256: strings.Repeat("a", 64)})
	if err == nil || !strings.Contains(err.Error(), "refusing to send the credentials") {
		t.Fatalf("err = %v", err)
	}
}

func TestUploadGivesUpAfterRepeatedFailuresWithoutProgress(t *testing.T) {
	var patches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Tus-Resumable", "1.0.0")
		switch r.Method {
		case http.MethodHead:
			w.Header().Set("Upload-Offset", "0")
			w.Header().Set("Upload-Length", "10")
			w.WriteHeader(200)
		case http.MethodPatch:
			patches.Add(1)
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithRetries(3))
	recordSleeps(c)
	done := make(chan error, 1)
	go func() {
		done <- c.SendUpload(context.Background(), srv.URL+"/u/1", strings.NewReader("0123456789"), 10, nil)
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "without progress") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("SendUpload did not give up")
	}
	if patches.Load() != 4 {
		t.Errorf("%d PATCHes, want 1 + 3 retries", patches.Load())
	}
}

func TestUploadAbandonsAStalledConnection(t *testing.T) {
	ts := newTusServer(t)
	data, sum := randomFile(t, 6<<20)
	c := newTestClient(t, ts.URL, WithUploadChunkSize(4<<20), WithRequestTimeout(300*time.Millisecond))
	up, err := c.CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "a.backup", Size: int64(len(data)), SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	// The server stops reading after 1 MiB and never answers: the connection looks alive.
	// (The stalled request ends when the client asks for the offset, as tusd's lock release
	// ends a request that holds an upload's lock.)
	ts.stallAfter.Store(1 << 20)
	var prog progressSum
	done := make(chan error, 1)
	go func() {
		done <- c.SendUpload(context.Background(), up.URL, bytes.NewReader(data), int64(len(data)), prog.add)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("SendUpload hung on a stalled connection")
	}
	if !bytes.Equal(ts.stored(t, up.SnapshotID), data) || prog.sum != int64(len(data)) {
		t.Fatalf("after the stall: bytes equal %v, progress %d of %d", bytes.Equal(ts.stored(t, up.SnapshotID), data), prog.sum, len(data))
	}
	if n := ts.patches.Load(); n < 3 {
		t.Errorf("%d PATCHes; want the stalled one and the resumed ones", n)
	}
}

// sentRecorder is a transport that counts the requests the client sends.
type sentRecorder struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (s *sentRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	s.n.Add(1)
	return s.next.RoundTrip(r)
}

func (s *sentRecorder) count() int { return int(s.n.Load()) }

// A server's broken Location header (here one that carries a password) is refused
// without quoting it: an error may be shown or copied for support.
func TestCreateUploadNeverQuotesABrokenLocation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Tus-Resumable", "1.0.0")
		w.Header().Set("Location", "http://bob:hunter2@%zz/uploads/1")
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	sum := strings.Repeat("ab", 32)
	_, err := c.CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "db.backup", Size: 10, SHA256: sum})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "not a valid address") {
		t.Fatalf("got %v", err)
	}
}
