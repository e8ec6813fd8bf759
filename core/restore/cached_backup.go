package restore

import (
	"context"
	"fmt"
	"os"
	"time"

	"restoredesk/core/backupdata"
)

// Looking inside a cloud backup reads its database dump from a file: the first look
// downloads it (database only) through the engine, planned and journaled like any
// download, into the look-inside cache (backupdata.CacheFolder: one folder per
// environment and backup); every later look, from either front end, uses that copy.

// CachedBackup is a cloud backup's file in the look-inside cache, or the download that
// puts it there.
type CachedBackup struct {
	SnapshotID string
	// TakenAt is when the cloud took the backup (for backupdata.Source.TakenAt).
	TakenAt time.Time
	// Dir is the backup's folder in the cache.
	Dir string
	// Path is the file kept from an earlier look; "" until Download has run.
	Path string
	// Download is the download to run (FetchCached) when the cache has no copy; nil when
	// Path is set.
	Download *DownloadPlan
}

// PlanCached finds the copy of a cloud backup (snapshotID, or download.Latest) in the
// cache folder root, or plans its download there. It changes nothing but making root and
// the backup's folder.
func (e *Engine) PlanCached(ctx context.Context, profile string, t Target, snapshotID, root string) (*CachedBackup, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, planErr(fmt.Sprintf("The folder %s for the copies of backups cannot be made.", root),
			"Check that the disk is not full and that Restore Desk may write there.", err)
	}
	// A plan resolves "latest" to the backup's id, which names its cache folder.
	p, err := e.PlanDownload(ctx, LocalDownload(profile, t, snapshotID, root))
	if err != nil {
		return nil, err
	}
	c := &CachedBackup{SnapshotID: p.Snapshot.SnapshotID, TakenAt: snapshotTime(&p.Snapshot)}
	c.Dir = backupdata.CacheFolder(root, t.Env.EnvironmentID, c.SnapshotID)
	if c.Path = backupdata.CachedFile(c.Dir); c.Path != "" {
		return c, nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, planErr(fmt.Sprintf("The folder %s for the copy of the backup cannot be made.", c.Dir),
			"Check that the disk is not full and that Restore Desk may write there.", err)
	}
	if c.Download, err = e.PlanDownload(ctx, LocalDownload(profile, t, c.SnapshotID, c.Dir)); err != nil {
		return nil, err
	}
	return c, nil
}

// FetchCached returns the cached file, running the planned download first when there
// is one (onEvent, may be nil, gets its events, as DownloadBackup's). The download's
// Result is returned when it ran, for the front end to finish its progress with.
func (e *Engine) FetchCached(ctx context.Context, c *CachedBackup, onEvent func(Event)) (string, *Result, error) {
	if c.Path != "" || c.Download == nil {
		return c.Path, nil, nil
	}
	res, err := e.DownloadBackup(ctx, c.Download, onEvent)
	var base *Result
	if res != nil {
		base = &res.Result
	}
	path, _, err := LocalSource(res, err)
	if err == nil {
		c.Path, c.Download = path, nil
	}
	return path, base, err
}
