package restore_test

import (
	"context"
	"fmt"
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
// downloaded from the embedded cloud on loopback and restored into the throwaway cluster
// as it arrives, the saved file checked, every row verified), against, side by side in the
// same run, (a) the download alone (PlanDownload and DownloadBackup of the same backup,
// database only) and (b) `createdb` + `pg_restore --no-owner --no-acl -d` of the saved
// file. The backup is the bench dump (core/archive/benchfiles).
//
// Metrics: ratio = ours / max(a, b), best of each (goal at most 1.1: one pass costs about
// the longer of the two), peak-MiB (goal under 64), ours-s, download-s, pgrestore-s; and
// seq-ratio, the download then the engine's local restore of the saved file (pg_restore
// with the plan's parallel jobs), over the same max: how streaming on pg_restore's standard
// input (no jobs) compares with downloading first and restoring with jobs.
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
	n := 0
	fresh := func(prefix string) string {
		n++
		return fmt.Sprintf("%s%d", prefix, n)
	}
	drop := func(db string) { c.Exec(b, "postgres", "DROP DATABASE IF EXISTS "+db) }
	check := func(what string, res *restore.LocalResult, err error) {
		if err != nil || !res.Complete() || res.Check.DBRows != rows {
			b.Fatalf("%s: %v; %+v", what, err, res)
		}
	}
	ours := func() (time.Duration, float64) {
		db, dir := fresh("ours"), b.TempDir()
		defer drop(db)
		defer os.RemoveAll(dir)
		mem := startPeak()
		start := time.Now()
		p, err := bd.e.PlanLocal(ctx, restore.LocalRequest{Target: localTarget(c, db), Create: true, PgRestore: pgRestore,
			Cloud: &restore.DownloadRequest{Target: tg, SnapshotID: rec.SnapshotID, Output: dir}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		res, err := bd.e.RunLocal(ctx, p, nil)
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
		if out, err := c.Command("createdb", db).CombinedOutput(); err != nil {
			b.Fatalf("createdb: %v\n%s", err, out)
		}
		if out, err := c.Command("pg_restore", "--no-owner", "--no-acl", "-d", db, file).CombinedOutput(); err != nil {
			b.Fatalf("pg_restore: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	sequential := func() time.Duration {
		db, dir := fresh("seq"), b.TempDir()
		defer drop(db)
		defer os.RemoveAll(dir)
		start := time.Now()
		_, file := downloadOnly(dir)
		p, err := bd.e.PlanLocal(ctx, restore.LocalRequest{File: file, Target: localTarget(c, db), Create: true, PgRestore: pgRestore}, nil)
		if err != nil {
			b.Fatal(err)
		}
		res, err := bd.e.RunLocal(ctx, p, nil)
		d := time.Since(start)
		check("download, then restore-local of the file", res, err)
		return d
	}
	best := func(cur *time.Duration, d time.Duration) {
		if *cur == 0 || d < *cur {
			*cur = d
		}
	}
	var bestOurs, bestDL, bestPlain, bestSeq time.Duration
	var peak float64
	load := loadAverage()
	b.ResetTimer()
	for range b.N {
		for range 3 {
			d, p := ours()
			best(&bestOurs, d)
			peak = max(peak, p)
			dir := b.TempDir()
			dl, file := downloadOnly(dir)
			best(&bestDL, dl)
			best(&bestPlain, plain(file))
			os.RemoveAll(dir)
			best(&bestSeq, sequential())
		}
	}
	b.StopTimer()
	longer := max(bestDL, bestPlain).Seconds()
	ratio := bestOurs.Seconds() / longer
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(peak, "peak-MiB")
	b.ReportMetric(bestOurs.Seconds(), "ours-s")
	b.ReportMetric(bestDL.Seconds(), "download-s")
	b.ReportMetric(bestPlain.Seconds(), "pgrestore-s")
	b.ReportMetric(bestSeq.Seconds()/longer, "seq-ratio")
	st, _ := os.Stat(dump)
	b.Logf("%s (%d bytes, %d rows), %d CPUs, load average %s → %s: restore-local of the cloud backup (one pass, every row verified) %.2fs; download alone %.2fs; createdb + pg_restore -d of the saved file %.2fs; ratio %.3f (goal <= 1.1); peak %.1f MiB (goal < 64); download then restore-local of the file %.2fs (ratio %.3f)",
		filepath.Base(dump), st.Size(), rows, runtime.NumCPU(), load, loadAverage(), bestOurs.Seconds(), bestDL.Seconds(), bestPlain.Seconds(), ratio, peak, bestSeq.Seconds(), bestSeq.Seconds()/longer)
}

