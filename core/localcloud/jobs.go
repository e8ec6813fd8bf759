package localcloud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Jobs run in goroutines under the cloud's lifetime. Each one keeps its state in SQLite; when
// the cloud closes mid-job the state stays queued or running and Open runs the job again
// from the start. Every job is idempotent for that reason: a restore re-extracts into a fresh
// staging folder, a snapshot re-packs into the same content-addressed file.

// jobDuration is how long a job over size bytes takes: JobDelay, growing with the size.
func (c *Cloud) jobDuration(size int64) time.Duration {
	base := c.cfg.jobDelay()
	if base == 0 {
		return 0
	}
	f := 1 + math.Log2(1+float64(size)/(1<<20))
	return time.Duration(float64(base) * f)
}

// exec runs a state update of a job. Jobs write with a context that outlives Close's
// cancellation: Close waits for them before it closes the database.
func (c *Cloud) exec(ctx context.Context, query string, args ...any) error {
	_, err := c.db.ExecContext(context.WithoutCancel(ctx), query, args...)
	if err != nil {
		c.log.Error("job state update", "err", err)
	}
	return err
}

// --- snapshots ---------------------------------------------------------------------------

func (c *Cloud) runSnapshot(ctx context.Context, id string) {
	s, err := snapTable.get(ctx, c.db, id)
	if err != nil || (s.State != stateQueued && s.State != stateRunning) {
		return
	}
	gen, err := c.currentGen(s.EnvID)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		c.failSnapshot(ctx, s.ID, "Creating the backup failed: the environment's data could not be read.")
		return
	}
	var size int64
	if gen != "" {
		size, _ = treeSize(gen)
	}
	d := c.jobDuration(size)
	if !sleepCtx(ctx, d/4) {
		return
	}
	now := c.nowUTC()
	if c.exec(ctx, `UPDATE snapshots SET state = ?, status_message = ?, updated_at = ? WHERE snapshot_id = ?`,
		stateRunning, msgSnapshotRunning, ms(now), s.ID) != nil {
		return
	}
	if gen == "" {
		c.failSnapshot(ctx, s.ID, "There is no data to back up: nothing has been deployed to this environment yet.")
		return
	}
	env, err := envTable.get(ctx, c.db, s.EnvID)
	if err != nil {
		return
	}
	blob, n, err := c.storeBlob(func(w io.Writer) error {
		return packGen(ctx, gen, env.ModelVersion, s.CreatedAt, w)
	}, ".tar.gz")
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		c.log.Error("pack snapshot", "snapshot", s.ID, "err", err)
		c.failSnapshot(ctx, s.ID, "Creating the backup failed: "+err.Error()+".")
		return
	}
	if !sleepCtx(ctx, d-d/4) {
		return
	}
	now = c.nowUTC()
	_ = c.exec(ctx, `UPDATE snapshots SET state = ?, status_message = ?, model_version = ?, blob = ?, size = ?,
		updated_at = ?, finished_at = ?, expires_at = ? WHERE snapshot_id = ?`,
		stateCompleted, msgSnapshotCompleted, env.ModelVersion, blob, n, ms(now), ms(now),
		ms(expiresAt(s.Kind, s.CreatedAt)), s.ID)
	c.log.Info("snapshot completed", "env", s.EnvID, "snapshot", s.ID, "bytes", n)
}

func (c *Cloud) failSnapshot(ctx context.Context, id, msg string) {
	now := c.nowUTC()
	_ = c.exec(ctx, `UPDATE snapshots SET state = ?, status_message = ?, updated_at = ?, finished_at = ? WHERE snapshot_id = ?`,
		stateFailed, msg, ms(now), ms(now), id)
	c.log.Info("snapshot failed", "snapshot", id, "reason", msg)
}

// --- archives ----------------------------------------------------------------------------

// archiveName is the download's file name, in the pattern of the portal's downloads.
func archiveName(s snapRow, dataType string) string {
	short := strings.ReplaceAll(s.ID, "-", "")
	if len(short) > 8 {
		short = short[:8]
	}
	stamp := s.CreatedAt.UTC().Format("200601021504")
	if dataType == dataDatabaseOnly {
		return "database-" + short + "-" + stamp + ".backup"
	}
	return "files_and_database-" + short + "-" + stamp + ".tar.gz"
}

func (c *Cloud) runArchive(ctx context.Context, id string) {
	a, err := archiveTable.get(ctx, c.db, id)
	if err != nil || (a.State != stateQueued && a.State != stateRunning) {
		return
	}
	s, err := snapTable.get(ctx, c.db, a.SnapshotID)
	if ctx.Err() != nil {
		return // closing: the job runs again at the next Open
	}
	if err != nil || s.Blob == "" {
		c.failArchive(ctx, a.ID, "The snapshot of this archive no longer exists.")
		return
	}
	d := c.jobDuration(s.Size)
	if !sleepCtx(ctx, d/4) {
		return
	}
	if c.exec(ctx, `UPDATE archives SET state = ?, status_message = ?, updated_at = ? WHERE archive_id = ?`,
		stateRunning, msgArchiveRunning, ms(c.nowUTC()), a.ID) != nil {
		return
	}
	file, err := c.prepareArchive(ctx, a, s)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		c.log.Error("prepare archive", "archive", a.ID, "err", err)
		c.failArchive(ctx, a.ID, "Preparing the download failed: "+err.Error()+".")
		return
	}
	if !sleepCtx(ctx, d-d/4) {
		return
	}
	now := c.nowUTC()
	_ = c.exec(ctx, `UPDATE archives SET state = ?, status_message = ?, file = ?, filename = ?, updated_at = ?,
		finished_at = ? WHERE archive_id = ?`, stateCompleted, msgArchiveCompleted, file, archiveName(s, a.DataType),
		ms(now), ms(now), a.ID)
}

// prepareArchive returns the file (relative to the data directory) the archive downloads.
func (c *Cloud) prepareArchive(ctx context.Context, a archiveRow, s snapRow) (string, error) {
	src := c.blobPath(s.Blob)
	switch {
	case a.DataType == dataFilesAndDatabase && s.Content == contentFull,
		a.DataType == dataDatabaseOnly && s.Content == contentDatabase:
		return "blobs/" + s.Blob, nil // the snapshot's own file
	case a.DataType == dataDatabaseOnly:
		rel := "archives/" + a.ID + ".backup"
		return rel, c.writeArchiveFile(rel, func(w io.Writer) error { return c.disk.copyDBFromSnapshot(ctx, src, w) })
	default: // files_and_database of a database-only snapshot: a full layout without tree/
		rel := "archives/" + a.ID + ".tar.gz"
		return rel, c.writeArchiveFile(rel, func(w io.Writer) error {
			staging, err := os.MkdirTemp(filepath.Join(c.dir, "archives"), "pack-*")
			if err != nil {
				return err
			}
			defer os.RemoveAll(staging)
			if err := c.disk.copyFileTo(src, filepath.Join(staging, filepath.FromSlash(dbEntry))); err != nil {
				return err
			}
			return packGen(ctx, staging, s.ModelVersion, s.CreatedAt, w)
		})
	}
}

func (c *Cloud) writeArchiveFile(rel string, write func(io.Writer) error) error {
	p := filepath.Join(c.dir, filepath.FromSlash(rel))
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		_ = os.Remove(p)
		return err
	}
	if err := c.disk.syncFile(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// copyDBFromSnapshot writes the db/db.backup of a full snapshot to w.
func (d disk) copyDBFromSnapshot(ctx context.Context, blob string, w io.Writer) error {
	dir, err := os.MkdirTemp(filepath.Dir(blob), "db-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f, err := os.Open(blob)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := d.extractFull(ctx, f, dir, extractOptions{dbOnly: true}); err != nil {
		return err
	}
	db, err := os.Open(filepath.Join(dir, filepath.FromSlash(dbEntry)))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = io.Copy(w, db)
	return err
}

func (d disk) copyFileTo(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	return d.copyFile(src, dst)
}

func (c *Cloud) failArchive(ctx context.Context, id, msg string) {
	now := c.nowUTC()
	_ = c.exec(ctx, `UPDATE archives SET state = ?, status_message = ?, updated_at = ?, finished_at = ? WHERE archive_id = ?`,
		stateFailed, msg, ms(now), ms(now), id)
}

// --- restores ----------------------------------------------------------------------------

func (c *Cloud) runRestore(ctx context.Context, id string) {
	rr, err := restoreTable.get(ctx, c.db, id)
	if err != nil || (rr.State != stateQueued && rr.State != stateRunning) {
		return
	}
	s, err := snapTable.get(ctx, c.db, rr.SourceSnapshotID)
	if ctx.Err() != nil {
		return
	}
	if err != nil || s.Blob == "" {
		c.failRestore(ctx, rr.ID, "Restore failed: the source snapshot no longer exists. The environment's data were left as they were.")
		return
	}
	d := c.jobDuration(s.Size)
	if !sleepCtx(ctx, d/4) {
		return
	}
	setMsg := func(msg string) {
		_ = c.exec(ctx, `UPDATE restores SET state = ?, status_message = ?, updated_at = ? WHERE restore_id = ?`,
			stateRunning, msg, ms(c.nowUTC()), rr.ID)
	}
	setMsg("Preparing restore")
	if c.faults.restoreNoRoom() {
		c.failRestore(ctx, rr.ID, msgRestoreNoRoom)
		return
	}
	inject := c.faults.nextRestoreFails()
	staging, err := c.newStaging(rr.TargetEnvID)
	if err != nil {
		c.failRestore(ctx, rr.ID, "Restore failed: "+err.Error()+". The environment's data were left as they were.")
		return
	}
	err = c.buildRestoredData(ctx, rr, s, staging, inject, setMsg)
	if err == nil && (!sleepCtx(ctx, d-d/4) || !c.waitHold(ctx)) {
		err = ctx.Err()
	}
	if err == nil {
		err = c.commitGen(rr.TargetEnvID, staging)
	}
	if err != nil {
		_ = os.RemoveAll(staging)
		if ctx.Err() != nil {
			return // closed: the restore runs again at the next Open
		}
		c.log.Warn("restore failed", "restore", rr.ID, "env", rr.TargetEnvID, "err", err)
		c.failRestore(ctx, rr.ID, restoreFailure(err))
		return
	}
	now := c.nowUTC()
	_ = c.exec(ctx, `UPDATE restores SET state = ?, status_message = ?, updated_at = ?, finished_at = ? WHERE restore_id = ?`,
		stateCompleted, msgRestoreCompleted, ms(now), ms(now), rr.ID)
	c.log.Info("restore completed", "restore", rr.ID, "env", rr.TargetEnvID, "dbOnly", rr.DBOnly)
}

// buildRestoredData fills staging with the environment's data after the restore.
func (c *Cloud) buildRestoredData(ctx context.Context, rr restoreRow, s snapRow, staging string, inject bool, setMsg func(string)) error {
	current, err := c.currentGen(rr.TargetEnvID)
	if err != nil {
		return err
	}
	dbOnly := rr.DBOnly || s.Content == contentDatabase
	model := s.ModelVersion
	if s.Content == contentDatabase {
		setMsg("Restoring database")
		if err := c.disk.copyFileTo(c.blobPath(s.Blob), filepath.Join(staging, filepath.FromSlash(dbEntry))); err != nil {
			return err
		}
		if inject {
			return errInjectedFailure
		}
	} else {
		f, err := os.Open(c.blobPath(s.Blob))
		if err != nil {
			return err
		}
		res, err := c.disk.extractFull(ctx, f, staging, extractOptions{dbOnly: dbOnly, failAfter: inject, progress: setMsg})
		_ = f.Close()
		if err != nil {
			return err
		}
		if res.modelVersion != "" {
			model = res.modelVersion
		}
		if !dbOnly && res.hasMetadata {
			return nil // the archive's own .metadata came along
		}
	}
	if dbOnly && current != "" {
		setMsg("Keeping the environment's files")
		if err := c.disk.linkTree(current, staging); err != nil {
			return err
		}
	}
	var dbSize string
	if m, err := readMetadata(staging); err == nil {
		dbSize = m.DatabaseSize
	}
	return c.disk.writeMetadata(staging, model, 3*time.Second, dbSize)
}

// restoreFailure is the status message of a failed restore: what went wrong, and that the
// environment was not changed.
func restoreFailure(err error) string {
	const unchanged = " The environment's data were left as they were."
	if errors.Is(err, errUnsafeEntry) {
		return "Restore failed: the backup contains an entry that is a link or would be written outside the environment's folder (" +
			strings.TrimPrefix(err.Error(), errUnsafeEntry.Error()+": ") + ")." + unchanged
	}
	return "Restore failed: " + err.Error() + "." + unchanged
}

func (c *Cloud) failRestore(ctx context.Context, id, msg string) {
	now := c.nowUTC()
	_ = c.exec(ctx, `UPDATE restores SET state = ?, status_message = ?, updated_at = ?, finished_at = ? WHERE restore_id = ?`,
		stateFailed, msg, ms(now), ms(now), id)
}

// --- start and stop ----------------------------------------------------------------------

func (c *Cloud) runStart(ctx context.Context, jobID string) {
	job, err := startJobTable.get(ctx, c.db, jobID)
	if err != nil || job.Status != startStarting {
		return
	}
	if !sleepCtx(ctx, 2*c.jobDuration(0)) {
		return
	}
	env, err := envTable.get(ctx, c.db, job.EnvID)
	if err != nil {
		return
	}
	var dataModel string
	if gen, err := c.currentGen(env.EnvID); err == nil && gen != "" {
		if m, err := readMetadata(gen); err == nil {
			dataModel = m.ModelVersion
		}
	}
	now := c.nowUTC()
	if !job.AutoSyncDB && dataModel != "" && env.ModelVersion != "" && dataModel != env.ModelVersion {
		msg := fmt.Sprintf("The database was made by model version %s, but model version %s is deployed: start again with AutoSyncDb true to let the runtime update the database structure.",
			dataModel, env.ModelVersion)
		_ = c.exec(ctx, `UPDATE start_jobs SET status = ?, error_code = ?, error_message = ?, finished_at = ? WHERE job_id = ?`,
			startFailed, codeInvalidDBStructure, msg, ms(now), job.ID)
		c.log.Info("start failed", "env", env.EnvID, "code", codeInvalidDBStructure)
		return
	}
	err = c.inTx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE environments SET status = ?, stop_due = NULL WHERE env_id = ?`, statusRunning, env.EnvID); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE start_jobs SET status = ?, finished_at = ? WHERE job_id = ?`, startStarted, ms(now), job.ID)
		return err
	})
	if err != nil {
		c.log.Error("complete start", "job", job.ID, "err", err)
		return
	}
	c.log.Info("environment started", "env", env.EnvID)
}

func (c *Cloud) runStop(ctx context.Context, envID string) {
	env, err := envTable.get(ctx, c.db, envID)
	if err != nil || env.StopDue.IsZero() {
		return
	}
	if !sleepCtx(ctx, env.StopDue.Sub(c.now())) {
		return
	}
	if c.exec(ctx, `UPDATE environments SET status = ?, stop_due = NULL WHERE env_id = ? AND stop_due IS NOT NULL`,
		statusStopped, envID) == nil {
		c.log.Info("environment stopped", "env", envID)
	}
}

// --- resume ------------------------------------------------------------------------------

// resumeJobs starts again every job the last run left queued or running.
func (c *Cloud) resumeJobs() error {
	kinds := []struct {
		name  string
		run   func(ctx context.Context, id string)
		query string
		args  []any
	}{
		{"snapshot", c.runSnapshot, `SELECT snapshot_id FROM snapshots WHERE state IN (?, ?) AND kind != ?`,
			[]any{stateQueued, stateRunning, kindUploaded}},
		{"archive", c.runArchive, `SELECT archive_id FROM archives WHERE state IN (?, ?)`,
			[]any{stateQueued, stateRunning}},
		{"restore", c.runRestore, `SELECT restore_id FROM restores WHERE state IN (?, ?) ORDER BY seq`,
			[]any{stateQueued, stateRunning}},
		{"start", c.runStart, `SELECT job_id FROM start_jobs WHERE status = ?`, []any{startStarting}},
		{"stop", c.runStop, `SELECT env_id FROM environments WHERE stop_due IS NOT NULL`, nil},
	}
	resumed := 0
	for _, k := range kinds {
		ids, err := queryAll(c.ctx, c.db, scanString, k.query, k.args...)
		if err != nil {
			return fmt.Errorf("find unfinished %s jobs: %w", k.name, err)
		}
		for _, id := range ids {
			c.spawn(k.name+" "+id, func(ctx context.Context) { k.run(ctx, id) })
		}
		resumed += len(ids)
	}
	if resumed > 0 {
		c.log.Info("resumed unfinished jobs", "count", resumed)
	}
	return c.uploads.resume()
}
