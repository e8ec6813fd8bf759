package restore_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"restoredesk/core/archive/benchfiles"
	"restoredesk/core/localcloud"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/restore"
)

// BenchmarkRestoreLocalCloud times `restore-local APP ENV latest`: the engine's plan and
// run of a local restore of a cloud backup (the archive asked for, the database dump
// downloaded from the embedded cloud on loopback and restored into the throwaway cluster,
// as it arrives or once saved as the engine judges, the saved file checked, every row
// verified), against, side by side in the
// same run, (a) the download alone (PlanDownload and DownloadBackup of the same backup,
// database only) and (b) `createdb` + `pg_restore --no-owner --no-acl -d` of the saved
// file. The backup is the bench dump (core/archive/benchfiles).
//
// Metrics: ratio = ours / max(a, b), the median of benchPairs rounds run side by side
// (goal at most 1.1: one pass costs about the longer of the two), best-ratio (the best of
// each instead), peak-MiB (goal under 64), ours-s, download-s, pgrestore-s; and
// stream-ratio, ours with every download streamed into one pg_restore (WithStreamFrom(0)),
// over the same max: on loopback the download ends within a second, so ours restores the
// saved file with parallel jobs instead, and stream-ratio shows what streaming would cost.
func BenchmarkRestoreLocalCloud(b *testing.B) {
	if pgtest.BinDir() == "" {
		b.Skip("PostgreSQL server programs (initdb, pg_ctl, pg_restore) are not installed: run `make deps`")
	}
	dump := benchfiles.Dump(b)
	rows := int64(benchfiles.Customers + benchfiles.Invoices)
	c := pgtest.Start(b)
	bd := newBed(b)
	tg := bd.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	rec, err := bd.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: dump, DatabaseOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	pgRestore := filepath.Join(c.BinDir, "pg_restore")
	dbs := &benchDBs{b: b, c: c}
	fresh, drop := dbs.fresh, dbs.drop
	check := func(what string, res *restore.LocalResult, err error) {
		if err != nil || !res.Complete() || res.Check.DBRows != rows {
			b.Fatalf("%s: %v; %+v", what, err, res)
		}
	}
	streaming := restore.New(bd.client, bd.j, append(fastEngineOpts(), restore.WithStreamFrom(0))...)
	ours := func(e *restore.Engine) (time.Duration, float64) {
		db, dir := fresh("ours"), b.TempDir()
		defer drop(db)
		defer os.RemoveAll(dir)
		mem := startPeak()
		start := time.Now()
		p, err := e.PlanLocal(ctx, restore.LocalRequest{Target: localTarget(c, db), Create: true, PgRestore: pgRestore,
			Cloud: &restore.DownloadRequest{Target: tg, SnapshotID: rec.SnapshotID, Output: dir}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		res, err := e.RunLocal(ctx, p, nil)
		d := time.Since(start)
		peak := mem.stop()
		check("restore-local of the cloud backup", res, err)
		return d, peak
	}
	downloadOnly := func(dir string) (time.Duration, string) {
		start := time.Now()
		p, err := bd.e.PlanDownload(ctx, restore.LocalDownload("", tg, rec.SnapshotID, filepath.Join(dir, "db.backup")))
		if err != nil {
			b.Fatal(err)
		}
		res, err := bd.e.DownloadBackup(ctx, p, nil)
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), res.Path
	}
	plain := func(file string) time.Duration {
		db := fresh("plain")
		defer drop(db)
		start := time.Now()
		dbs.byHand(db, file)
		return time.Since(start)
	}
	best := keepBest
	var bestOurs, bestDL, bestPlain, bestStream time.Duration
	var oursRuns, streamRuns, longerRuns []time.Duration
	var peak float64
	load := loadAverage()
	b.ResetTimer()
	for range b.N {
		for range benchPairs {
			d, p := ours(bd.e)
			best(&bestOurs, d)
			peak = max(peak, p)
			dir := b.TempDir()
			dl, file := downloadOnly(dir)
			best(&bestDL, dl)
			pd := plain(file)
			best(&bestPlain, pd)
			os.RemoveAll(dir)
			sd, p := ours(streaming)
			best(&bestStream, sd)
			peak = max(peak, p)
			oursRuns, streamRuns, longerRuns = append(oursRuns, d), append(streamRuns, sd), append(longerRuns, max(dl, pd))
		}
	}
	b.StopTimer()
	longer := max(bestDL, bestPlain).Seconds()
	ratio := pairedRatio(oursRuns, longerRuns)
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(peak, "peak-MiB")
	b.ReportMetric(bestOurs.Seconds(), "ours-s")
	b.ReportMetric(bestDL.Seconds(), "download-s")
	b.ReportMetric(bestPlain.Seconds(), "pgrestore-s")
	b.ReportMetric(bestOurs.Seconds()/longer, "best-ratio")
	b.ReportMetric(pairedRatio(streamRuns, longerRuns), "stream-ratio")
	st, _ := os.Stat(dump)
	b.Logf("%s (%d bytes, %d rows), %d CPUs, load average %s → %s: restore-local of the cloud backup (every row verified) against the longer of the download alone and createdb + pg_restore -d of the saved file, %s; ratio %.3f, the median of the pairs (goal <= 1.1); best of each: ours %.2fs, download %.2fs, pg_restore %.2fs (%.3f); peak %.1f MiB (goal < 64); every download streamed into one pg_restore: ratio %.3f (median), best %.2fs",
		filepath.Base(dump), st.Size(), rows, runtime.NumCPU(), load, loadAverage(), pairsText(oursRuns, longerRuns), ratio,
		bestOurs.Seconds(), bestDL.Seconds(), bestPlain.Seconds(), bestOurs.Seconds()/longer, peak, pairedRatio(streamRuns, longerRuns), bestStream.Seconds())
}
