package localdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/localdb/pgtest"
)

// benchRows makes a dump of about 120 MB (pg_dump -Fc, default compression): rows of
// hex digests, which compress about twofold, generated in the server by generate_series.
const benchRows = 700_000

// makeBenchDump fills a database on the cluster and dumps it with the cluster's pg_dump.
func makeBenchDump(b *testing.B, c *pgtest.Cluster) string {
	b.Helper()
	c.CreateDatabase(b, "benchsrc")
	c.Exec(b, "benchsrc", fmt.Sprintf(`SET ROLE `+pgtest.User+`;
CREATE TABLE "myfirstmodule$customer" (id bigint PRIMARY KEY, name text, email text, note text);
INSERT INTO "myfirstmodule$customer"
  SELECT i, md5(i::text), md5((i * 31)::text) || '@example.com', md5((i * 7)::text) || md5((i * 13)::text) || md5((i * 17)::text)
  FROM generate_series(1, %d) AS i;
CREATE TABLE "myfirstmodule$order" (id bigint PRIMARY KEY, customer bigint, total numeric(12,2), lines text);
INSERT INTO "myfirstmodule$order"
  SELECT i, i %% %d, (i * 37 %% 100000) / 100.0, md5((i * 3)::text) || md5((i * 5)::text) || md5((i * 11)::text) || md5((i * 19)::text)
  FROM generate_series(1, %d) AS i;
CREATE INDEX ON "myfirstmodule$order" (customer);`, benchRows, benchRows, benchRows))
	path := filepath.Join(c.Dir, "bench.backup")
	cmd := c.Command("pg_dump", "-Fc", "-f", path, "benchsrc")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("pg_dump: %v\n%s", err, out)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	if st.Size() < 100<<20 {
		b.Fatalf("the dump is %d bytes, want at least 100 MiB", st.Size())
	}
	return path
}

// BenchmarkRestoreLocalVsPgRestore restores one ≥100 MB dump with Restore (the file given
// to pg_restore as its input, verbose output parsed, bytes read followed) and with plain pg_restore -d
// reading the file itself, alternately, each into a fresh empty database; the best of
// three runs each. The goal: Restore ≤ 1.10× pg_restore. The row check (count in the
// database) and the plan's inspection with rows counted are timed on their own.
func BenchmarkRestoreLocalVsPgRestore(b *testing.B) {
	c := pgtest.Start(b)
	dump := makeBenchDump(b, c)
	st, _ := os.Stat(dump)
	ctx := context.Background()
	tool, err := Locator{}.Find(ctx, filepath.Join(c.BinDir, "pg_restore"))
	if err != nil {
		b.Fatal(err)
	}
	inspectStart := time.Now()
	rep, err := archive.InspectRows(ctx, dump, nil)
	if err != nil || !rep.RowsCounted {
		b.Fatalf("inspect: %v", err)
	}
	inspectT := time.Since(inspectStart)

	var ours, plain, check time.Duration
	best := func(cur, d time.Duration) time.Duration {
		if cur == 0 || d < cur {
			return d
		}
		return cur
	}
	n := 0
	runOurs := func() {
		n++
		db := fmt.Sprintf("ours%d", n)
		c.CreateDatabase(b, db)
		p, err := MakePlan(ctx, Options{Source: dump, PgRestore: tool.Path, Report: rep, Target: target(c, db)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := p.Restore(ctx, nil)
		d := time.Since(start)
		if err != nil || len(res.Errors) > 0 {
			b.Fatalf("restore: %v %q", err, res.Errors)
		}
		ours = best(ours, d)
		start = time.Now()
		cmp, err := p.CheckRows(ctx)
		if err != nil || !cmp.Complete {
			b.Fatalf("row check: %v %+v", err, cmp)
		}
		check = best(check, time.Since(start))
	}
	runPlain := func() {
		n++
		db := fmt.Sprintf("plain%d", n)
		c.CreateDatabase(b, db)
		cmd := c.Command("pg_restore", "--no-owner", "--no-acl", "-d", db, dump)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("pg_restore: %v\n%s", err, out)
		}
		plain = best(plain, time.Since(start))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runOurs()
		runPlain()
		runPlain()
		runOurs()
		runOurs()
		runPlain()
	}
	b.StopTimer()
	ratio := ours.Seconds() / plain.Seconds()
	b.ReportMetric(ours.Seconds(), "restore_s")
	b.ReportMetric(plain.Seconds(), "pg_restore_s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(check.Seconds(), "rowcheck_s")
	b.ReportMetric(inspectT.Seconds(), "inspect_rows_s")
	b.Logf("dump %s (%d bytes, %s rows in %d tables): restore-local (without the row check) %.2fs, plain pg_restore -d %.2fs: ratio %.3f (goal <= 1.10); row check (count(*) per table) %.2fs; plan's inspection with rows counted %.2fs",
		bytesText(st.Size()), st.Size(), commas(rep.TotalRows()), len(rep.Tables), ours.Seconds(), plain.Seconds(), ratio, check.Seconds(), inspectT.Seconds())
}
