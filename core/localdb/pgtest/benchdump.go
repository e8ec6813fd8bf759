package pgtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Bench dump size: the size of a real Mendix app's database that issue 22 measured
// (pg_dump 15, default compression, about 26 MB).
const (
	BenchCustomers = 400_000
	BenchInvoices  = 1_500_000
	// benchVersion keys the cached files: change it whenever what they hold changes.
	benchVersion = "v2"
	// benchFiles are the file documents of the snapshot (tree/), as in a real one.
	benchFiles = 1500
)

// BenchFiles are a generated dump (.backup) and a full snapshot (.tar.gz) holding it as
// db/db.backup, for benchmarks of local restores.
type BenchFiles struct {
	Backup   string
	Snapshot string
	Rows     int64 // rows in the dump's tables
}

// BenchDump returns the bench dump and snapshot, made once on cluster c and kept in the
// user's cache folder (keyed by benchVersion and the server's major version), so that
// later runs skip the minutes of generating them.
func BenchDump(tb testing.TB, c *Cluster) BenchFiles {
	tb.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "restoredesk-bench", fmt.Sprintf("localdb-%s-pg%d", benchVersion, versionOf(c.BinDir)))
	f := BenchFiles{Backup: filepath.Join(dir, "bench.backup"), Snapshot: filepath.Join(dir, "bench-snapshot.tar.gz"), Rows: BenchCustomers + BenchInvoices}
	if _, err := os.Stat(f.Snapshot); err == nil {
		return f
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	c.CreateDatabase(tb, "benchsrc")
	c.Exec(tb, "benchsrc", fmt.Sprintf(`SET ROLE `+User+`;
CREATE TABLE "crm$customer" (id bigint PRIMARY KEY, name varchar(200), email varchar(200), city varchar(100),
  createddate timestamp, vip boolean);
INSERT INTO "crm$customer"
  SELECT i, 'Customer ' || i, 'customer' || i || '@example.com', (ARRAY['Rotterdam','Utrecht','Boston','Berlin','Lyon'])[1 + i %% 5],
    timestamp '2020-01-01' + (i * 97 %% 100000) * interval '17 minutes', i %% 11 = 0
  FROM generate_series(1::bigint, %d) AS i;
CREATE TABLE "crm$invoice" (id bigint PRIMARY KEY, customer bigint, number varchar(40), amount numeric(12,2),
  issued date, paid boolean, note varchar(400));
INSERT INTO "crm$invoice"
  SELECT i, 1 + i * 7919 %% %d, 'INV-' || to_char(i, 'FM00000000'), (i * 37 %% 1000000) / 100.0,
    date '2021-01-01' + (i %% 1500)::int, i %% 4 <> 0, CASE WHEN i %% 3 = 0 THEN 'paid by transfer ' || (i * 31 %% 99991) END
  FROM generate_series(1::bigint, %d) AS i;
CREATE INDEX ON "crm$invoice" (customer);
CREATE INDEX ON "crm$customer" (email);`, BenchCustomers, BenchCustomers, BenchInvoices))
	tmp := f.Backup + ".tmp"
	if out, err := c.Command("pg_dump", "-Fc", "-f", tmp, "benchsrc").CombinedOutput(); err != nil {
		tb.Fatalf("pg_dump: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, f.Backup); err != nil {
		tb.Fatal(err)
	}
	if err := writeBenchSnapshot(f.Backup, f.Snapshot); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("bench dump made in %s: %s", time.Since(start).Round(time.Second), dir)
	return f
}

// writeBenchSnapshot writes a full snapshot as Mendix Cloud makes one: .metadata,
// db/db.backup, then the file documents under tree/ (generated, compressible text).
func writeBenchSnapshot(dump, path string) error {
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	zw := gzip.NewWriter(out)
	tw := tar.NewWriter(zw)
	mod := time.Date(2026, 11, 25, 1, 30, 0, 0, time.UTC)
	add := func(name string, size int64, r io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: mod, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := io.CopyN(tw, r, size)
		return err
	}
	meta := []byte(`{"database_type":"PostgreSQL","database_version":"15","schema_version":"1"}` + "\n")
	if err := add(".metadata", int64(len(meta)), bytes.NewReader(meta)); err != nil {
		return err
	}
	df, err := os.Open(dump)
	if err != nil {
		return err
	}
	st, err := df.Stat()
	if err == nil {
		err = add("db/db.backup", st.Size(), df)
	}
	df.Close()
	if err != nil {
		return err
	}
	for i := range benchFiles {
		sum := sha256.Sum256(fmt.Appendf(nil, "file %d", i))
		id := hex.EncodeToString(sum[:16])
		var doc []byte
		for len(doc) < 8<<10+i*13%(40<<10) {
			sum = sha256.Sum256(sum[:])
			doc = append(doc, hex.EncodeToString(sum[:])...) // half compressible, like documents
			doc = append(doc, '\n')
		}
		if err := add(fmt.Sprintf("tree/%s/%s/%s", id[:2], id[2:4], id), int64(len(doc)), bytes.NewReader(doc)); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
