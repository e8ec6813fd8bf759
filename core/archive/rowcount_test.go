package archive

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fixtures were made by pg_dump from a database whose tables held these rows.
var fixtureRows = []TableRows{
	{Schema: "public", Name: "myfirstmodule$customer", Rows: 2000},
	{Schema: "public", Name: "myfirstmodule$order", Rows: 8000},
	{Schema: "public", Name: "system$filedocument", Rows: 5},
}

func TestInspectCountsRowsOfFixtures(t *testing.T) {
	for _, name := range []string{"customerportal.backup", "files_and_database-1a2b3c4d-202611250130.tar.gz"} {
		t.Run(name, func(t *testing.T) {
			rep, err := InspectRows(context.Background(), filepath.Join("testdata", name), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.RowsCounted || !slices.Equal(rep.Tables, fixtureRows) {
				t.Fatalf("rows counted %v, tables %+v; want %+v", rep.RowsCounted, rep.Tables, fixtureRows)
			}
			if rep.TotalRows() != 10005 {
				t.Fatalf("total rows %d, want 10005", rep.TotalRows())
			}
			var text strings.Builder
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "10,005 in 3 tables with data") {
				t.Fatalf("report text does not give the rows:\n%s", text.String())
			}
		})
	}
}

// Dumps written every way pg_dump writes them (compressed or not, small and large chunks,
// positions set or not, inside a snapshot or gzip-wrapped) give the rows they hold.
func TestInspectCountsRowsOfGeneratedDumps(t *testing.T) {
	for _, spec := range []dumpSpec{
		{tables: 3, rows: 1000, level: -1},
		{tables: 3, rows: 1000, level: -1, chunkSize: 7, offsetsSet: true},
		{tables: 2, rows: 500},                          // -Z0: chunks hold COPY text
		{tables: 2, rows: 500, chunkSize: 1},            // one byte per chunk
		{tables: 2, rows: 250, minor: 16, algorithm: 1}, // PostgreSQL 17, gzip
		{tables: 1, rows: 0, level: 6},                  // empty table
		{tables: 2, rows: 3, level: -1, blobs: 2},       // large objects are not rows
		{tables: 4, rows: 99, minor: 15, algorithm: 0},  // PostgreSQL 16, none
	} {
		dump := buildDump(spec)
		want := make([]TableRows, spec.tables)
		for i := range want {
			want[i] = TableRows{Schema: "public", Name: fmt.Sprintf("table%d", i), Rows: int64(spec.rows)}
		}
		for _, form := range []struct {
			name string
			data []byte
		}{{"db.backup", dump}, {"db.backup.gz", gz(t, dump)}, {"snapshot.tar.gz", snapshot(t, dump)}} {
			t.Run(fmt.Sprintf("%+v/%s", spec, form.name), func(t *testing.T) {
				rep, err := InspectRows(context.Background(), writeFile(t, form.name, form.data), nil)
				if err != nil {
					t.Fatal(err)
				}
				// Archive versions after 1.14 are not restorable on Mendix Cloud; their rows count all the same.
				if (!rep.Restorable && spec.minor <= 14) || !rep.RowsCounted || !slices.Equal(rep.Tables, want) {
					t.Fatalf("restorable %v %q, counted %v, tables %+v; want %+v", rep.Restorable, rep.Problems, rep.RowsCounted, rep.Tables, want)
				}
			})
		}
	}
}

// Rows whose values hold escaped newlines, tabs and backslashes are one row each; the end
// marker and the empty lines after it are not rows.
func TestInspectCountsRowsWithEscapes(t *testing.T) {
	rows := []string{
		"1\tline one\\nline two\\r\\n\n",
		"2\t\\\\.\n", // a value `\.`: its backslash is escaped, so the line is not the marker
		"3\t\\N\n",
		"\\.x\n", // not the marker either
		"\\\n",
	}
	spec := dumpSpec{tables: 1, rows: len(rows), level: -1, chunkSize: 3,
		rowTemplate: func(b []byte, _ *rand.Rand, i int) []byte { return append(b, rows[i]...) }}
	rep, err := InspectRows(context.Background(), writeFile(t, "db.backup", buildDump(spec)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.RowsCounted || len(rep.Tables) != 1 || rep.Tables[0].Rows != int64(len(rows)) {
		t.Fatalf("counted %v, tables %+v; want one table of %d rows", rep.RowsCounted, rep.Tables, len(rows))
	}
}

// Table data that does not inflate is a damaged dump: pg_restore would fail on it.
func TestInspectRefusesDataThatDoesNotInflate(t *testing.T) {
	dump := buildDump(dumpSpec{tables: 1, rows: 2000, level: -1, offsetsSet: true, chunkSize: 1 << 20})
	// The data block is last, in one chunk; spoil bytes in its middle, past the zlib header.
	bad := slices.Clone(dump)
	for i := len(bad) - 2000; i < len(bad)-1900; i++ {
		bad[i] ^= 0x5a
	}
	rep, err := InspectRows(context.Background(), writeFile(t, "db.backup", bad), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Restorable || !rep.Has(ProblemDumpDamaged) || rep.RowsCounted {
		t.Fatalf("restorable %v, problems %q, counted %v; want a damaged dump", rep.Restorable, rep.Problems, rep.RowsCounted)
	}
	if !strings.Contains(strings.Join(rep.Problems, " "), "table0") {
		t.Fatalf("the problem does not name the table: %q", rep.Problems)
	}
}

// Inspect without rows does not inflate table data and reports no counts.
func TestInspectWithoutRows(t *testing.T) {
	rep, err := Inspect(context.Background(), filepath.Join("testdata", "customerportal.backup"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsCounted || rep.Tables != nil || !rep.Restorable {
		t.Fatalf("counted %v, tables %+v, restorable %v", rep.RowsCounted, rep.Tables, rep.Restorable)
	}
}

// lz4 and zstd data is not inflated here: the report says rows were not counted rather
// than giving a wrong number.
func TestInspectDoesNotGuessRowsOfLZ4(t *testing.T) {
	dump := buildDump(dumpSpec{tables: 1, rows: 5, minor: 16, algorithm: 2})
	rep, err := InspectRows(context.Background(), writeFile(t, "db.backup", dump), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsCounted || rep.Tables != nil {
		t.Fatalf("counted %v, tables %+v; want nothing counted", rep.RowsCounted, rep.Tables)
	}
}

// refRows counts COPY rows the obvious way, on the whole text.
func refRows(data []byte) int64 {
	var n int64
	for len(data) > 0 {
		line, rest, found := bytes.Cut(data, []byte{'\n'})
		if string(line) == `\.` {
			return n
		}
		n++
		if !found {
			break
		}
		data = rest
	}
	return n
}

func TestRowCounterAnySplit(t *testing.T) {
	text := []byte("1\ta\\nb\n\\\n\\.x\n2\t\\\\.\n\n\\.\n\n3\tafter the end\n")
	want := refRows(text)
	if want != 5 {
		t.Fatalf("reference counts %d, want 5", want)
	}
	for i := 0; i <= len(text); i++ {
		for j := i; j <= len(text); j++ {
			var c rowCounter
			c.write(text[:i])
			c.write(text[i:j])
			c.write(text[j:])
			if c.total() != want {
				t.Fatalf("split at %d and %d: %d rows, want %d", i, j, c.total(), want)
			}
		}
	}
}

// FuzzCountCopyRows checks the streaming counter against the obvious one, with the input
// split at an arbitrary point.
func FuzzCountCopyRows(f *testing.F) {
	f.Add([]byte("1\ta\n2\tb\n\\.\n\n"), 3)
	f.Add([]byte("\\"), 0)
	f.Add([]byte("\\.\n"), 1)
	f.Add([]byte("x\\.\n\\.y\n\\."), 5)
	f.Add([]byte("\n\n\n"), 2)
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		split = min(max(split, 0), len(data))
		var c rowCounter
		c.write(data[:split])
		c.write(data[split:])
		if got, want := c.total(), refRows(data); got != want {
			t.Fatalf("%q split at %d: %d rows, want %d", data, split, got, want)
		}
		n, err := CountCopyRows(bytes.NewReader(data))
		if err != nil || n != refRows(data) {
			t.Fatalf("CountCopyRows %q: %d, %v", data, n, err)
		}
	})
}

// BenchmarkInspectRowsDump measures counting the rows of a raw compressed dump (8 tables,
// 56 MB of COPY text). Run with -cpu 1,2: compressed blocks are inflated by up to
// GOMAXPROCS workers (at most 4) while the walk reads on.
func BenchmarkInspectRowsDump(b *testing.B) {
	dump := buildDump(dumpSpec{tables: 8, rows: 250_000, level: -1, offsetsSet: true})
	path := writeFile(b, "bench.backup", dump)
	b.SetBytes(int64(len(dump)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := InspectRows(context.Background(), path, nil)
		if err != nil || !rep.RowsCounted || rep.TotalRows() != 2_000_000 {
			b.Fatalf("%v %v %d", err, rep.RowsCounted, rep.TotalRows())
		}
	}
}
