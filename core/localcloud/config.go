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
	// MaxUploadSize bounds one upload in bytes; zero means DefaultMaxUploadSize, a
	// negative value no limit. An upload is also refused when the data folder's disk has
	// no room for it.
	MaxUploadSize int64
	// LikeMendix makes the cloud answer as the real Mendix Cloud is documented to
	// (cloud-api.md §2, §3): a Free App's environment read, start, stop and restore are
	// refused with a 4xx, and there is no upload route at all.
	LikeMendix bool
	// OutsideMendixCloud lists AppIDs of licensed apps deployed elsewhere (Mendix on
	// Kubernetes, private cloud): GET /apps lists them and GET /apps/{AppId} answers, but
	// every environment and backup call gets 400 NOT_SUPPORTED, as Mendix documents.
	OutsideMendixCloud []string
	// NoSync skips flushing files to disk before they count (fsync): much faster on slow
	// disks, but a power failure may lose or damage data. For tests only.
	NoSync bool
	// Logger receives request and job logs; nil discards them. Credentials are never logged.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests of retention use it.
	Now func() time.Time
	// Downloads configures the archive links (validity, refusing Mendix headers).
	Downloads DownloadOptions
	// BodyWindow bounds a slow request body: it must bring at least MinBodyBytes in every
	// window of this length, or the request ends; zero means DefaultBodyWindow.
	BodyWindow time.Duration
}

// DefaultBodyWindow and MinBodyBytes pace request bodies: 64 KiB in 30 s is a crawl no
// real upload comes near, while a client dripping a byte every few seconds is cut off.
const (
	DefaultBodyWindow = 30 * time.Second
	MinBodyBytes      = 64 << 10
)

func (cfg Config) bodyWindow() time.Duration {
	if cfg.BodyWindow <= 0 {
		return DefaultBodyWindow
	}
	return cfg.BodyWindow
}

// DefaultMaxUploadSize bounds one upload when Config.MaxUploadSize is zero: 20 GiB, above
// the backups of the apps this cloud stands in for, far below what fills a disk by mistake.
const DefaultMaxUploadSize int64 = 20 << 30

// maxUpload is the upload limit in bytes; 0 means none.
func (cfg Config) maxUpload() int64 { return setting(cfg.MaxUploadSize, DefaultMaxUploadSize) }

func (cfg Config) jobDelay() time.Duration { return setting(cfg.JobDelay, DefaultJobDelay) }

// setting reads a Config number where zero means the default and below zero means none.
func setting[T int64 | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
