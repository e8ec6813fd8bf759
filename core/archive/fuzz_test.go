package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzSeeds are the first bytes of every fixture plus small generated files of each kind,
// so the fuzzer starts from real layouts.
func fuzzSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{nil, []byte("PGDMP"), []byte(plainSQLDump), []byte(s3Error)}
	for _, name := range []string{"customerportal.backup", "files_and_database-1a2b3c4d-202611250130.tar.gz", "no-db-snapshot.tar.gz", "truncated-snapshot.tar.gz"} {
		b := fixture(f, name)
		seeds = append(seeds, b[:min(len(b), 4096)])
	}
	small := buildDump(dumpSpec{tables: 1, rows: 2, blobs: 1, offsetsSet: true})
	seeds = append(seeds,
		small,
		buildDump(dumpSpec{minor: 16, algorithm: 3, tables: 1, rows: 2}),
		buildDump(dumpSpec{minor: 12, tables: 1, rows: 1}),
		buildDump(dumpSpec{format: DumpFormatTar, noTOC: true}),
		gz(f, small),
		snapshot(f, small),
		buildTar(f, snapshotEntries(small, true)...),
		tarFormatDump(f),
		zipOf(f, "db.backup", small),
	)
	return seeds
}

func FuzzParseDumpHeader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseDumpHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if h == nil || h.Major != 1 || h.IntSize < 1 || h.IntSize > maxIntSize || h.OffSize < 1 || h.OffSize > maxIntSize {
			t.Fatalf("accepted header %+v", h)
		}
		if len(h.DatabaseName) > maxHeaderString || len(h.ServerVersion) > maxHeaderString || len(h.PgDumpVersion) > maxHeaderString {
			t.Fatalf("string beyond the limit accepted")
		}
		// A header in the shape pg_dump writes today survives a round trip through the
		// test encoder, which writes what pg_dump writes.
		if h.IntSize != 4 || h.OffSize != 8 || h.Minor < 10 || h.Minor > 16 || h.Revision != 0 || h.Created.IsZero() ||
			h.Format == DumpFormatUnknown { // the encoder writes custom format for an unset one
			return
		}
		spec := dumpSpec{minor: h.Minor, format: h.Format, level: h.CompressionLevel, dbName: h.DatabaseName,
			server: h.ServerVersion, pgDump: h.PgDumpVersion, created: h.Created, noTOC: true}
		if h.Minor >= 15 {
			spec.algorithm = data[11]
		}
		if spec.dbName == "" || spec.server == "" || spec.pgDump == "" {
			return // the encoder fills empty names with defaults
		}
		again, err := ParseDumpHeader(bytes.NewReader(buildDump(spec)))
		if err != nil || *again != *h {
			t.Fatalf("round trip: %+v (%v), want %+v", again, err, h)
		}
	})
}

// FuzzInspect writes arbitrary bytes to a file and inspects it: a readable regular file
// always gets a consistent report, never an error, a panic or a hang.
func FuzzInspect(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "backup.tar.gz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		rep, err := Inspect(ctx, path, nil)
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		sum := sha256.Sum256(data)
		switch {
		case rep.SHA256 != hex.EncodeToString(sum[:]):
			t.Fatalf("SHA-256 %s of %d bytes is wrong", rep.SHA256, len(data))
		case rep.CompressedSize != int64(len(data)):
			t.Fatalf("size %d, want %d", rep.CompressedSize, len(data))
		case len(rep.Problems) != len(rep.ProblemCodes):
			t.Fatalf("%d problems, %d codes", len(rep.Problems), len(rep.ProblemCodes))
		case rep.Restorable != (len(rep.Problems) == 0):
			t.Fatalf("restorable %v with problems %q", rep.Restorable, rep.Problems)
		case rep.Restorable && rep.Kind != KindFullSnapshot && rep.Kind != KindDatabaseOnly:
			t.Fatalf("kind %q judged restorable", rep.Kind)
		}
		switch rep.Kind {
		case KindFullSnapshot, KindDatabaseOnly, KindFilesOnly, KindUnknown:
		default:
			t.Fatalf("kind %q", rep.Kind)
		}
		if err := rep.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
		// Counting rows inflates the table data too: it may find damage Inspect cannot
		// see, and nothing else may differ.
		rows, err := InspectRows(ctx, path, nil)
		if err != nil {
			t.Fatalf("InspectRows: %v", err)
		}
		switch {
		case rows.Restorable && !rep.Restorable:
			t.Fatalf("InspectRows accepts what Inspect refuses: %q", rep.Problems)
		case !rows.Restorable && rep.Restorable && !rows.Has(ProblemDumpDamaged):
			t.Fatalf("InspectRows refuses with %q", rows.Problems)
		case rows.RowsCounted && rows.TotalRows() < 0:
			t.Fatalf("negative rows")
		}
	})
}

// FuzzParseMetadata: any .metadata text is read without panicking; what is not a JSON
// object gives no Metadata and an error saying why, and every size kept is a size.
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{sampleMetadata, `{"dumpSize": 9.24e6}`, `[1]`, `null`, `"x"`, `{"modelVersion": {}}`, `{"filesSize": "-1"}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMetadata(data)
		if m == nil && err == nil {
			t.Fatal("no metadata and no error")
		}
		if m != nil && (m.DumpSize < 0 || m.DatabaseSize < 0 || m.FilesSize < 0) {
			t.Fatalf("negative size kept: %+v", m)
		}
	})
}
