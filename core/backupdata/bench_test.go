package backupdata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/localdb/pgtest"
)

// The benchmark's backups: 1.9 million rows (the size of core/archive's benchmark dump)
// in two Mendix entity tables, dumped by pg_dump -Fc (default compression) before and
// after deleting 1,000 orders, adding 1,000 and editing 1,000 order lines.
const (
	benchOrders = 1_000_000
	benchLines  = 900_000
	benchEdits  = 1_000
)

func makeBenchDumps(b *testing.B) (older, newer string) {
	b.Helper()
	c := pgtest.Start(b)
	c.CreateDatabase(b, "shop")
	c.Exec(b, "shop", fmt.Sprintf(`SET ROLE `+pgtest.User+`;
CREATE TABLE "sales$order" (id bigint PRIMARY KEY, createddate timestamp, status text, owner text, total numeric(12,2), note text);
INSERT INTO "sales$order"
  SELECT i, timestamp '2026-01-01' + i * interval '17 second', (array['open','shipped','returned','pending'])[i %% 4 + 1],
         'user' || (i * 7919 %% 5000) || '@example.com', (i * 37 %% 10000000) / 100.0,
         'please contact ' || md5(i::text) || ' about the delivery'
  FROM generate_series(1::bigint, %d) AS i;
CREATE TABLE "sales$orderline" (id bigint PRIMARY KEY, "order" bigint, product text, quantity integer, price numeric(12,2));
INSERT INTO "sales$orderline"
  SELECT i, i %% %d + 1, 'product ' || md5((i * 3)::text), i %% 17 + 1, (i * 13 %% 100000) / 100.0
  FROM generate_series(1::bigint, %d) AS i;`, benchOrders, benchOrders, benchLines))
	dump := func(name string) string {
		path := filepath.Join(c.Dir, name)
		if out, err := c.Command("pg_dump", "-Fc", "-f", path, "shop").CombinedOutput(); err != nil {
			b.Fatalf("pg_dump: %v\n%s", err, out)
		}
		return path
	}
	older = dump("older.backup")
	c.Exec(b, "shop", fmt.Sprintf(`
DELETE FROM "sales$order" WHERE id %% 1000 = 0;
INSERT INTO "sales$order" (id, status, note) SELECT %d + i, 'open', 'new' FROM generate_series(1::bigint, %d) AS i;
UPDATE "sales$orderline" SET quantity = quantity + 1 WHERE id %% 900 = 1;`, benchOrders, benchEdits))
	newer = dump("newer.backup")
	return older, newer
}

// BenchmarkCompareBackups compares two 1.9-million-row backups and, in the same run on
// the same files, times inspecting both with rows counted (archive.InspectRows, what the
// entity list costs) and without (archive.Inspect). The goal: compare at most 2x
// inspecting both with rows counted. It compares again with a 4 MiB memory budget, so
// that fingerprints spill to files, and measures the peak memory of each in a fresh child
// process. ns/op is one compare with the default budget.
func BenchmarkCompareBackups(b *testing.B) {
	older, newer := makeBenchDumps(b)
	var size int64
	for _, p := range []string{older, newer} {
		data, err := os.ReadFile(p) // warm the page cache
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(data))
	}
	timeIt := func(fn func() error) time.Duration {
		best := time.Duration(0)
		for range 2 {
			start := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			if d := time.Since(start); best == 0 || d < best {
				best = d
			}
		}
		return best
	}
	inspectBoth := func(rows bool) func() error {
		return func() error {
			for _, p := range []string{older, newer} {
				inspect := archive.Inspect
				if rows {
					inspect = archive.InspectRows
				}
				rep, err := inspect(context.Background(), p, nil)
				if err != nil {
					return err
				}
				if rows && rep.TotalRows() < benchOrders+benchLines-benchEdits {
					return fmt.Errorf("%s: %d rows counted", p, rep.TotalRows())
				}
			}
			return nil
		}
	}
	rowsT := timeIt(inspectBoth(true))
	plainT := timeIt(inspectBoth(false))

	var compareT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := benchCompare(older, newer, 0); err != nil {
			b.Fatal(err)
		}
		compareT = time.Since(start)
	}
	b.StopTimer()
	spillDir := b.TempDir()
	start := time.Now()
	if err := benchCompareIn(older, newer, 4<<20, spillDir); err != nil {
		b.Fatal(err)
	}
	spillT := time.Since(start)
	peak := childPeak(b, older, newer, 0)
	spillPeak := childPeak(b, older, newer, 4<<20)

	ratio := compareT.Seconds() / rowsT.Seconds()
	b.ReportMetric(compareT.Seconds(), "compare_s")
	b.ReportMetric(rowsT.Seconds(), "inspect_rows_both_s")
	b.ReportMetric(plainT.Seconds(), "inspect_both_s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak_MiB")
	b.ReportMetric(spillT.Seconds(), "compare_4MiB_s")
	b.ReportMetric(float64(spillPeak)/(1<<20), "peak_4MiB_MiB")
	b.Logf("two dumps of %d rows, %.1f MB together: compare %.2fs (peak %.1f MiB); inspect both with rows counted %.2fs, without %.2fs; compare/inspect-rows = %.2f (goal <= 2); with a 4 MiB budget (fingerprints spilled) compare %.2fs, peak %.1f MiB",
		benchOrders+benchLines, float64(size)/1e6, compareT.Seconds(), float64(peak)/(1<<20), rowsT.Seconds(), plainT.Seconds(), ratio,
		spillT.Seconds(), float64(spillPeak)/(1<<20))
}

func benchCompare(older, newer string, budget int64) error {
	return benchCompareIn(older, newer, budget, "")
}

// benchCompareIn compares and checks that exactly the benchmark's changes were found.
func benchCompareIn(older, newer string, budget int64, dir string) error {
	o, err := OpenSource(older)
	if err != nil {
		return err
	}
	n, err := OpenSource(newer)
	if err != nil {
		return err
	}
	c, err := Compare(context.Background(), o, n, CompareOptions{MemoryBudget: budget, TempDir: dir})
	if err != nil {
		return err
	}
	defer c.Close()
	got := map[string][3]int64{}
	for _, e := range c.Entities {
		got[e.Table] = [3]int64{e.Deleted, e.Added, e.Changed}
	}
	want := map[string][3]int64{"sales$order": {benchEdits, benchEdits, 0}, "sales$orderline": {0, 0, benchEdits}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("compare found %v, want %v", got, want)
	}
	return nil
}

// compareChildEnv makes the test binary compare two files and exit (see TestMain), so
// that the peak memory of Compare alone is measured in a fresh process.
const compareChildEnv = "RESTOREDESK_BACKUPDATA_COMPARE_CHILD"

func childPeak(b *testing.B, older, newer string, budget int64) int64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), compareChildEnv+"="+strings.Join([]string{older, newer, strconv.FormatInt(budget, 10)}, "\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child compare: %v\n%s", err, stderr.Bytes())
	}
	var peak int64
	if err := json.Unmarshal(out, &peak); err != nil {
		b.Fatalf("child compare: %v\n%s", err, out)
	}
	return peak
}

func compareChild(arg string) int {
	parts := strings.Split(arg, "\n")
	budget, _ := strconv.ParseInt(parts[2], 10, 64)
	if err := benchCompare(parts[0], parts[1], budget); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// VmHWM, read in the child itself: a child started by a large process inherits the
	// parent's peak in its rusage.
	var peak int64
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(status)) {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				peak = kb * 1024
			}
		}
	}
	json.NewEncoder(os.Stdout).Encode(peak)
	return 0
}

func TestMain(m *testing.M) {
	if arg := os.Getenv(compareChildEnv); arg != "" {
		os.Exit(compareChild(arg))
	}
	os.Exit(m.Run())
}
