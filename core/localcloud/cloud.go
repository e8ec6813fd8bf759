package localcloud

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Cloud is the embedded cloud over one data directory. It is safe for concurrent use.
type Cloud struct {
	cfg     Config
	dir     string
	db      *sql.DB
	log     *slog.Logger
	now     func() time.Time
	faults  faultPlan
	handler http.Handler
	secret  []byte // signs archive download links
	dl      downloadLog
	uploads *uploads
	disk    disk

	latencyMu sync.RWMutex
	latency   time.Duration

	holdMu sync.Mutex
	hold   chan struct{} // while non-nil, restores wait before they commit

	ctx    context.Context // cancelled by Close; every job runs under it
	cancel context.CancelFunc
	jobs   tracker

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the cloud in cfg.DataDir. With cfg.Demo and a new data
// directory it seeds the demo account and apps. Jobs that were queued or running when the
// cloud was last closed are resumed; leftovers of interrupted restores are removed first.
func Open(cfg Config) (*Cloud, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("open local cloud: Config.DataDir is empty: choose a folder for the cloud's data")
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open local cloud: %w", err)
	}
	if err := claimDir(dir); err != nil {
		return nil, fmt.Errorf("open local cloud: %w", err)
	}
	// The database first: a folder holding it counts as the cloud's (claimDir).
	db, isNew, err := openDB(dir, cfg.NoSync)
	if err != nil {
		return nil, fmt.Errorf("open local cloud: %w", err)
	}
	// The data (backups of customers' databases) is for the owner only: the cloud's own
	// folders are 0700, also when an older cloud made them with wider rights. The data
	// folder itself keeps the mode it was given when the cloud did not create it.
	for _, sub := range ownFolders {
		p := filepath.Join(dir, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open local cloud: create %s: %w", p, err)
		}
		if err := os.Chmod(p, 0o700); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open local cloud: make %s private: %w", p, err)
		}
	}
	c := &Cloud{cfg: cfg, dir: dir, db: db, log: cfg.Logger, now: cfg.Now, latency: cfg.Latency, disk: disk{noSync: cfg.NoSync}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.faults.set(cfg.Faults)
	c.ctx, c.cancel = context.WithCancel(context.Background())

	fail := func(err error) (*Cloud, error) {
		c.cancel()
		_ = db.Close()
		return nil, fmt.Errorf("open local cloud in %s: %w", dir, err)
	}
	if err := c.loadSecret(); err != nil {
		return fail(err)
	}
	if err := c.cleanEnvDirs(); err != nil {
		return fail(err)
	}
	state, err := metaValue(c.ctx, c.db, "demo")
	if err != nil {
		return fail(err)
	}
	switch {
	case state == "seeding":
		return fail(errors.New("creating the demo data was interrupted, so they are incomplete: delete the folder and start again"))
	case isNew && cfg.Demo:
		if err := setMeta(c.ctx, c.db, "demo", "seeding"); err != nil {
			return fail(err)
		}
		if err := c.seedDemo(c.ctx); err != nil {
			return fail(fmt.Errorf("seed demo data: %w", err))
		}
		if err := setMeta(c.ctx, c.db, "demo", "done"); err != nil {
			return fail(err)
		}
	}
	c.uploads = newUploads(c)
	c.handler = c.routes()
	if err := c.resumeJobs(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("open local cloud in %s: resume jobs: %w", dir, err)
	}
	c.log.Info("local cloud open", "dir", dir, "new", isNew, "demo", cfg.Demo && isNew)
	return c, nil
}

// loadSecret reads (or makes) the key that signs archive download links, so links stay
// valid across a restart.
func (c *Cloud) loadSecret() error {
	v, err := metaValue(c.ctx, c.db, "download_secret")
	if err != nil {
		return fmt.Errorf("read download secret: %w", err)
	}
	if v == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		v = hex.EncodeToString(b)
		if err := setMeta(c.ctx, c.db, "download_secret", v); err != nil {
			return fmt.Errorf("store download secret: %w", err)
		}
	}
	c.secret, err = hex.DecodeString(v)
	return err
}

// Handler serves the cloud's HTTP API. Whoever serves it must stop serving, and wait for
// the requests under way, before calling Close (Server does).
func (c *Cloud) Handler() http.Handler { return c.handler }

// DataDir is the absolute data directory.
func (c *Cloud) DataDir() string { return c.dir }

// SetFaults replaces the fault injection; the deterministic request count restarts at zero.
func (c *Cloud) SetFaults(f Faults) { c.faults.set(f) }

// SetLatency changes the latency added to every request.
func (c *Cloud) SetLatency(d time.Duration) {
	c.latencyMu.Lock()
	c.latency = d
	c.latencyMu.Unlock()
}

// HoldRestores makes every restore wait, once its data is built and before it replaces
// the environment's, until release is called (or the cloud closes). Tests use it to act
// while a restore is certainly under way, instead of racing a timer.
func (c *Cloud) HoldRestores() (release func()) {
	gate := make(chan struct{})
	c.holdMu.Lock()
	c.hold = gate
	c.holdMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.holdMu.Lock()
			if c.hold == gate {
				c.hold = nil
			}
			c.holdMu.Unlock()
			close(gate)
		})
	}
}

// waitHold blocks while restores are held; false when ctx ended first.
func (c *Cloud) waitHold(ctx context.Context) bool {
	c.holdMu.Lock()
	gate := c.hold
	c.holdMu.Unlock()
	if gate == nil {
		return true
	}
	select {
	case <-gate:
		return true
	case <-ctx.Done():
		return false
	}
}

// Close stops the jobs and waits until they have returned, then closes the database: once
// it returns nothing of the cloud touches the data directory, which may be deleted. The jobs
// resume at the next Open.
func (c *Cloud) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.jobs.closeAndWait()
		c.closeErr = c.db.Close()
	})
	return c.closeErr
}

// spawn runs a job under the cloud's lifetime. After Close it runs nothing: the job's state
// is stored, so the next Open resumes it.
func (c *Cloud) spawn(name string, fn func(ctx context.Context)) {
	if !c.jobs.start() {
		c.log.Debug("job not started: the cloud is closed", "job", name)
		return
	}
	go func() {
		defer c.jobs.done()
		defer func() {
			if p := recover(); p != nil {
				c.log.Error("job panicked", "job", name, "panic", p)
			}
		}()
		fn(c.ctx)
	}()
}

// tracker counts work under way (jobs, requests) so that closing can wait for it. Once
// closed it starts nothing more: a sync.WaitGroup alone must not grow while Wait runs.
type tracker struct {
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

// start registers one piece of work; false once closed.
func (t *tracker) start() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tracker) done() { t.wg.Done() }

// closeAndWait refuses new work and waits until the work under way has ended.
func (t *tracker) closeAndWait() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wg.Wait()
}

// nowUTC is the cloud's clock in UTC, truncated to milliseconds like the wire format.
func (c *Cloud) nowUTC() time.Time { return c.now().UTC().Truncate(time.Millisecond) }

func (c *Cloud) routes() http.Handler {
	api := http.NewServeMux()
	// Deploy API v1.
	api.HandleFunc("GET /api/1/apps", c.handleListApps)
	api.HandleFunc("GET /api/1/apps/{appID}", c.handleGetApp)
	api.HandleFunc("GET /api/1/apps/{appID}/environments", c.handleListEnvironments)
	api.HandleFunc("GET /api/1/apps/{appID}/environments/{mode}", c.freeAppV1(c.handleGetEnvironment))
	api.HandleFunc("POST /api/1/apps/{appID}/environments/{mode}/start", c.freeAppV1(c.handleStart))
	api.HandleFunc("GET /api/1/apps/{appID}/environments/{mode}/start/{jobID}", c.freeAppV1(c.handleStartStatus))
	api.HandleFunc("POST /api/1/apps/{appID}/environments/{mode}/stop", c.freeAppV1(c.handleStop))
	// Backups API v2.
	const p = "/api/v2/apps/{projectID}/environments/{envID}"
	api.HandleFunc("GET "+p+"/snapshots", c.handleListSnapshots)
	api.HandleFunc("POST "+p+"/snapshots", c.handleCreateSnapshot)
	api.HandleFunc("GET "+p+"/snapshots/{snapshotID}", c.handleGetSnapshot)
	api.HandleFunc("PUT "+p+"/snapshots/{snapshotID}", c.handleUpdateSnapshot)
	api.HandleFunc("DELETE "+p+"/snapshots/{snapshotID}", c.handleDeleteSnapshot)
	api.HandleFunc("POST "+p+"/snapshots/{snapshotID}/archives", c.handleCreateArchive)
	api.HandleFunc("GET "+p+"/snapshots/{snapshotID}/archives/{archiveID}", c.handleGetArchive)
	api.HandleFunc("POST "+p+"/restores", c.freeAppV2(c.handleCreateRestore))
	api.HandleFunc("GET "+p+"/restores/{restoreID}", c.handleGetRestore)
	// Upload extension (tus 1.0); Mendix's own cloud has none.
	if !c.cfg.LikeMendix {
		api.HandleFunc(p+"/uploads/", c.handleUploads)
	}
	api.HandleFunc("/", handleNoRoute)

	root := http.NewServeMux()
	root.Handle("/api/", c.withFaults(c.requireAuth(c.onlyMendixCloud(api))))
	root.HandleFunc("GET /downloads/{archiveID}/{filename}", c.handleDownload)
	root.HandleFunc("/", handleNoRoute)
	return c.withLatency(c.withLog(root))
}

func handleNoRoute(w http.ResponseWriter, r *http.Request) {
	writeError(w, newAPIError(http.StatusNotFound, codeNotFound,
		fmt.Sprintf("There is no %s %s in this API.", r.Method, r.URL.Path)))
}

func (c *Cloud) withLatency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.latencyMu.RLock()
		d := c.latency
		c.latencyMu.RUnlock()
		if d > 0 && !sleepCtx(r.Context(), d) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withLog logs each request's method, path, status and duration (never headers: they carry
// the API key).
func (c *Cloud) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		c.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fail answers a request that could not be done: with the API error err carries (a
// refusal), or with 500 for anything else.
func (c *Cloud) fail(w http.ResponseWriter, r *http.Request, err error) {
	var refusal *apiError
	if errors.As(err, &refusal) {
		writeError(w, refusal)
		return
	}
	c.internalError(w, r, err)
}

// internalError logs err and answers 500 without internals.
func (c *Cloud) internalError(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, newAPIError(http.StatusInternalServerError, codeInternal, msgInternalStoreFail))
}
