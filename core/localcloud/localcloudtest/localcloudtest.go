// Package localcloudtest starts the embedded cloud (core/localcloud) for tests: demo data in
// a temporary folder, fast jobs, served on a loopback port and closed when the test ends.
package localcloudtest

import (
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/localcloud"
)

// Option changes the configuration before the cloud starts.
type Option func(*localcloud.Config)

// WithoutDemo starts an empty cloud (no accounts, no apps): seed it through Server.Cloud().
func WithoutDemo() Option { return func(c *localcloud.Config) { c.Demo = false } }

// WithLatency adds d to every request.
func WithLatency(d time.Duration) Option { return func(c *localcloud.Config) { c.Latency = d } }

// WithJobDelay sets the base duration of jobs (default 1 ms; negative: as fast as possible).
func WithJobDelay(d time.Duration) Option { return func(c *localcloud.Config) { c.JobDelay = d } }

// WithFaults injects faults from the start.
func WithFaults(f localcloud.Faults) Option { return func(c *localcloud.Config) { c.Faults = f } }

// WithStrictDownloads refuses archive downloads that carry Mendix headers (see
// localcloud.DownloadOptions.RejectMendixHeaders).
func WithStrictDownloads() Option {
	return func(c *localcloud.Config) { c.Downloads.RejectMendixHeaders = true }
}

// WithBodyWindow sets how long a request body may take to bring 64 KiB
// (localcloud.Config.BodyWindow).
func WithBodyWindow(d time.Duration) Option { return func(c *localcloud.Config) { c.BodyWindow = d } }

// Start serves a cloud with the demo data (localcloud.DemoUsername / DemoAPIKey) on
// 127.0.0.1, with jobs taking about a millisecond and without fsync (Config.NoSync). It is
// closed by t.Cleanup.
func Start(t testing.TB, opts ...Option) *localcloud.Server {
	t.Helper()
	// A folder the cloud creates, as a first start does: it is the owner's only.
	cfg := localcloud.Config{DataDir: filepath.Join(t.TempDir(), "cloud"), Demo: true, JobDelay: time.Millisecond, NoSync: true}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := localcloud.Start(cfg, "")
	if err != nil {
		t.Fatalf("start local cloud: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close local cloud: %v", err)
		}
	})
	return s
}

// LikeMendix makes the cloud behave as the real Mendix Cloud is documented to: Free App
// environment reads, starts, stops and restores are refused with a 4xx, and there is no
// upload route.
func LikeMendix() Option { return func(c *localcloud.Config) { c.LikeMendix = true } }

// WithMaxUploadSize bounds one upload (negative: no limit).
func WithMaxUploadSize(n int64) Option { return func(c *localcloud.Config) { c.MaxUploadSize = n } }
