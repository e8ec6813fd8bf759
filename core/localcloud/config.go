package localcloud

import (
	"log/slog"
	"time"
)

// Job timing. Durations grow with the size of the archive a job handles (see jobDuration).
const (
	// DefaultJobDelay is used when Config.JobDelay is zero: short, so tests stay fast.
	DefaultJobDelay = 20 * time.Millisecond
	// DemoJobDelay makes progress visible in a demo (restorectl serve --demo).
	DemoJobDelay = 2 * time.Second
)

// Config configures a Cloud.
type Config struct {
	// DataDir holds the SQLite database and every file (created if missing). Required.
	DataDir string
	// Demo seeds the demo account, apps and backup history when DataDir is new.
	Demo bool
	// Latency is added to every request, to behave like a real network.
	Latency time.Duration
	// JobDelay is the base duration of a job (snapshot, archive, restore, start, stop,
	// upload check); bigger archives take longer. Zero means DefaultJobDelay; a negative
	// value runs jobs as fast as the machine allows.
	JobDelay time.Duration
	// Faults injects failures, deterministically by Faults.Seed. The zero value injects none.
	Faults Faults
	// MaxUploadSize bounds one upload in bytes; zero means no limit.
	MaxUploadSize int64
	// NoSync skips flushing files to disk before they count (fsync): much faster on slow
	// disks, but a power failure may lose or damage data. For tests only.
	NoSync bool
	// Logger receives request and job logs; nil discards them. Credentials are never logged.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests of retention use it.
	Now func() time.Time
	// Downloads configures the archive links (validity, refusing Mendix headers).
	Downloads DownloadOptions
}

func (cfg Config) jobDelay() time.Duration {
	switch {
	case cfg.JobDelay == 0:
		return DefaultJobDelay
	case cfg.JobDelay < 0:
		return 0
	}
	return cfg.JobDelay
}
