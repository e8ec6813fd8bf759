// Package benchfiles makes the files that the benchmarks of whole commands measure: the
// bench dump, a custom-format dump made by the real pg_dump of a Mendix app with 400,000
// customers and 1.5 million invoices (about 26 MB at pg_dump's default compression), and
// the bench snapshot, a Mendix Cloud snapshot (.tar.gz: .metadata, db/db.backup, tree/…)
// holding that dump and 1,500 file documents (about 112 MB). Each is made once and kept in
// a cache folder, so every benchmark, in every package and every run, measures the same
// file; the rows and the documents come from fixed seeds.
package benchfiles

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/localfs"
)

// version names the cache folder: change it when what is generated changes, so that no
// run measures a file made by an older generator.
const version = "v1"

// CacheEnv, when set, is the folder the files are kept in instead of the user's cache.
const CacheEnv = "RESTOREDESK_BENCH_CACHE"

// The bench snapshot's contents.
const (
	Customers = 400_000
	Invoices  = 1_500_000
	Documents = 1_500
	// docScale shrinks the realistic document mix (see AppendDoc) to a mean of about
	// 57 kB, so that the 1,500 documents and the dump make a snapshot of about 112 MB.
	docScale = 0.25
)

// Dir is the cache folder, made if missing.
func Dir() (string, error) {
	dir := os.Getenv(CacheEnv)
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "restoredesk-bench")
	}
	dir = filepath.Join(dir, version)
	return dir, os.MkdirAll(dir, 0o755)
}

// Dump returns the path of the bench dump, making it first (on a throwaway PostgreSQL
// cluster, which takes about a minute) when the cache does not hold it. It skips tb when
// the PostgreSQL server programs are not installed.
func Dump(tb testing.TB) string {
	tb.Helper()
	return cached(tb, "bench.backup", func(path string) error {
		c := pgtest.Start(tb)
		c.CreateDatabase(tb, "shop")
		c.Exec(tb, "shop", dumpSQL(Customers, Invoices))
		out := filepath.Join(c.Dir, "bench.backup")
		if msg, err := c.Command("pg_dump", "-Fc", "-f", out, "shop").CombinedOutput(); err != nil {
			return fmt.Errorf("pg_dump: %v\n%s", err, msg)
		}
		return copyFile(out, path)
	})
}

// dumpSQL fills the database: two Mendix entity tables with the columns Mendix gives
// every entity (id, createddate, changeddate, owner) and values as regular as real names,
// numbers and states, which pg_dump's compression shrinks about tenfold.
func dumpSQL(customers, invoices int) string {
	return fmt.Sprintf(`SET ROLE %s;
CREATE TABLE "crm$customer" (id bigint PRIMARY KEY, createddate timestamp, changeddate timestamp, system$owner bigint,
  name varchar(200), email varchar(200), city varchar(100), segment varchar(20));
INSERT INTO "crm$customer"
  SELECT 281474976710656 + i, timestamp '2020-01-01' + (i / 2) * interval '311 second', timestamp '2024-01-01' + (i / 8) * interval '1 hour', 1 + i %% 40,
         (array['Jansen','de Vries','Bakker','Visser','Smit','Meijer','de Boer','Mulder','Bos','Peters'])[i %% 10 + 1] || ' ' || (array['Holding','B.V.','Group','Services','Trading','& Zonen'])[i %% 6 + 1],
         'contact' || i || '@example.com',
         (array['Amsterdam','Rotterdam','Utrecht','Eindhoven','Groningen','Delft','Leiden','Breda'])[i %% 8 + 1],
         (array['retail','wholesale','public','partner'])[i %% 4 + 1]
  FROM generate_series(1::bigint, %d) AS i;
CREATE TABLE "sales$invoice" (id bigint PRIMARY KEY, createddate timestamp, changeddate timestamp, system$owner bigint,
  number varchar(20), customer bigint, amount numeric(12,2), status varchar(20), note varchar(200));
INSERT INTO "sales$invoice"
  SELECT 562949953421312 + i, timestamp '2021-01-01' + (i / 8) * interval '157 second', timestamp '2024-06-01' + (i / 16) * interval '1 hour', 1 + i %% 40,
         'INV-' || lpad(i::text, 8, '0'), 281474976710656 + (i / 4) %% %d + 1, ((i * 7717) %% 20000) / 100.0,
         (array['open','paid','overdue','cancelled'])[i %% 4 + 1],
         CASE WHEN i %% 5 = 0 THEN 'reminder sent' WHEN i %% 7 = 0 THEN 'paid in part' ELSE NULL END
  FROM generate_series(1::bigint, %d) AS i;
CREATE INDEX ON "sales$invoice" (customer);`, pgtest.User, customers, customers, invoices)
}

// Snapshot returns the path of the bench snapshot, making it first (and the bench dump,
// see Dump) when the cache does not hold it.
func Snapshot(tb testing.TB) string {
	tb.Helper()
	dump := Dump(tb)
	return cached(tb, "files_and_database-1a2b3c4d-202611250130.tar.gz", func(path string) error {
		return writeSnapshot(path, dump)
	})
}

// writeSnapshot writes a tar of .metadata, db/db.backup and the documents, compressed by
// the gzip program at its default level, as tar czf (and so Mendix Cloud) does: how fast
// a file inflates depends on the compressor that made it, so the benchmark's file is made
// by the same one as the files users have.
func writeSnapshot(path, dump string) error {
	d, err := os.Open(dump)
	if err != nil {
		return err
	}
	defer d.Close()
	di, err := d.Stat()
	if err != nil {
		return err
	}
	gzipBin, err := exec.LookPath("gzip")
	if err != nil {
		return fmt.Errorf("the gzip program is needed to make the bench snapshot: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := exec.Command(gzipBin, "-6", "-n", "-c")
	gz.Stdout = f
	zw, err := gz.StdinPipe()
	if err != nil {
		return err
	}
	if err := gz.Start(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(zw, 1<<20)
	tw := NewTarWriter(bw)
	rng := rand.New(rand.NewPCG(42, 7))
	docs := make([][]byte, Documents)
	var treeBytes int64
	for i := range docs {
		docs[i] = AppendDoc(nil, rng, docScale)
		treeBytes += int64(len(docs[i]))
	}
	err = tw.Head(d, di.Size(), treeBytes)
	for i := 0; err == nil && i < len(docs); i++ {
		err = tw.Doc(rng, docs[i])
	}
	for _, closer := range []func() error{tw.Close, bw.Flush, zw.Close, gz.Wait, f.Close} {
		if cerr := closer(); err == nil {
			err = cerr
		}
	}
	return err
}

// cached returns the cache's file name, calling make to write it (into a temporary file
// renamed when complete) when it is missing. A lock file keeps two test binaries (go test
// runs packages side by side) from making the same file at once.
func cached(tb testing.TB, name string, make func(path string) error) string {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Fatalf("bench files: %v", err)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	lock, err := os.OpenFile(filepath.Join(dir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		tb.Fatalf("bench files: %v", err)
	}
	defer lock.Close()
	for {
		err := localfs.Lock(lock)
		if err == nil {
			break
		}
		if !errors.Is(err, localfs.ErrLocked) {
			tb.Fatalf("bench files: lock %s: %v", lock.Name(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := os.Stat(path); err == nil {
		return path // made by another process while this one waited
	}
	tb.Logf("bench files: making %s (once; kept in %s)", name, dir)
	start := time.Now()
	tmp := path + ".part"
	if err := make(tmp); err != nil {
		os.Remove(tmp)
		tb.Fatalf("bench files: make %s: %v", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatalf("bench files: %v", err)
	}
	tb.Logf("bench files: made %s in %v", name, time.Since(start).Round(time.Millisecond))
	return path
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
