package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

const (
	fullFixture = "../archive/testdata/files_and_database-1a2b3c4d-202611250130.tar.gz"
	dbFixture   = "../archive/testdata/customerportal.backup"
)

// env is an embedded cloud (strict: Mendix headers to a download link are refused) with a
// client, the demo app's Acceptance environment, a log that captures every debug line of
// the client and the download code, and a cloud wrapper that counts archive requests.
type env struct {
	t      *testing.T
	srv    *localcloud.Server
	client *countingCloud
	app    cloud.App
	env    cloud.Environment
	logBuf *syncBuffer
	log    *slog.Logger
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s := localcloudtest.Start(t, localcloudtest.WithStrictDownloads())
	buf := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := cloud.New(s.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey}, cloud.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, err := c.GetApp(ctx, localcloud.DemoAppCustomerPortal)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.GetEnvironment(ctx, app.AppID, "Acceptance")
	if err != nil {
		t.Fatal(err)
	}
	ev := &env{t: t, srv: s, client: &countingCloud{Client: c}, app: *app, env: *e, logBuf: buf, log: log}
	t.Cleanup(ev.assertNoLeaks)
	return ev
}

// seed adds a snapshot made from a fixture file and returns its id.
func (e *env) seed(path string, dbOnly bool) string {
	e.t.Helper()
	rec, err := e.srv.Cloud().AddSnapshot(e.env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: path, DatabaseOnly: dbOnly})
	if err != nil {
		e.t.Fatal(err)
	}
	return rec.SnapshotID
}

func (e *env) target(snapshotID, output string, dbOnly bool) Target {
	return Target{ProjectID: e.app.ProjectID, EnvironmentID: e.env.EnvironmentID, AppName: e.app.Name,
		EnvironmentName: e.env.Mode, SnapshotID: snapshotID, DBOnly: dbOnly, Output: output}
}

func (e *env) runner(f *Fetcher) *Runner {
	if f == nil {
		f = &Fetcher{}
	}
	f.Log = e.log
	if f.RetryDelay == 0 {
		f.RetryDelay = time.Millisecond
	}
	return &Runner{Cloud: e.client, Fetcher: f, PollEvery: 5 * time.Millisecond, Log: e.log}
}

func (e *env) plan(tg Target) *Plan {
	e.t.Helper()
	p, err := MakePlan(context.Background(), e.client, tg)
	if err != nil {
		e.t.Fatalf("plan: %v", err)
	}
	return p
}

// assertNoLeaks: no request to an archive link carried Mendix headers, and no log line
// holds a link (its path or its signature).
func (e *env) assertNoLeaks() {
	for _, r := range e.srv.Cloud().DownloadRequests() {
		if r.MendixHeaders {
			e.t.Errorf("a request to archive link %s carried Mendix-Username or Mendix-ApiKey", r.ArchiveID)
		}
	}
	assertNoLink(e.t, "the log", e.logBuf.String())
}

func assertNoLink(t *testing.T, where, s string) {
	t.Helper()
	for _, bit := range []string{"/downloads/", "signature=", "expires="} {
		if strings.Contains(s, bit) {
			t.Errorf("%s holds a piece of an archive link (%q):\n%s", where, bit, s)
		}
	}
}

// ranged returns the recorded download requests that asked for a range.
func (e *env) ranged() []localcloud.DownloadRequest {
	var out []localcloud.DownloadRequest
	for _, r := range e.srv.Cloud().DownloadRequests() {
		if r.Range != "" {
			out = append(out, r)
		}
	}
	return out
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(b)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// listDir names the files in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range des {
		out = append(out, d.Name())
	}
	return out
}

func hasSuffix(names []string, suffix string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// countingCloud is the real client, counting the archives requested.
type countingCloud struct {
	*cloud.Client
	archives atomic.Int32
}

func (c *countingCloud) CreateArchive(ctx context.Context, p, e, s string, dt cloud.DataType) (*cloud.Archive, error) {
	c.archives.Add(1)
	return c.Client.CreateArchive(ctx, p, e, s, dt)
}

// counter records what the fetch reports (peak: the most it ever showed as done); at
// onReach bytes it calls reached once.
type counter struct {
	total, done, peak atomic.Int64
	onReach           int64
	reached           func()
	once              sync.Once
}

func (c *counter) SetTotal(n int64) { c.total.Store(n) }
func (c *counter) Add(n int64) {
	d := c.done.Add(n)
	for p := c.peak.Load(); d > p && !c.peak.CompareAndSwap(p, d); p = c.peak.Load() {
	}
	if c.reached != nil && d >= c.onReach {
		c.once.Do(c.reached)
	}
}

// answerObject answers r as a storage host that honours Range and If-Range (S3, Azure):
// the rest of obj (206) when If-Range names its ETag (or, for an object without one,
// when there is no If-Range), else the whole of it (200). It writes the headers and
// returns the bytes the body is to carry.
func answerObject(w http.ResponseWriter, r *http.Request, obj []byte, etag string) []byte {
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	var start int
	if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-", &start); err == nil && start > 0 && start < len(obj) && r.Header.Get("If-Range") == etag {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(obj)-1, len(obj)))
		w.Header().Set("Content-Length", fmt.Sprint(len(obj)-start))
		w.WriteHeader(http.StatusPartialContent)
		return obj[start:]
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(obj)))
	w.WriteHeader(http.StatusOK)
	return obj
}

// leavePart puts in place what an earlier run leaves for final: the .part holding part,
// and its sidecar holding v.
func leavePart(t *testing.T, final string, part []byte, v validator) {
	t.Helper()
	side, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(partPath(final), part, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sidecarPath(final), side, 0o600); err != nil {
		t.Fatal(err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
