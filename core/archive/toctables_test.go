package archive

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/iotest"
)

// The table of contents of a Mendix database names its entities' tables; a dump, a
// gzip-wrapped dump and a full snapshot give the same list, read from their first bytes.
func TestReadDumpTablesOfEveryLayout(t *testing.T) {
	want := []string{"public.myfirstmodule$customer", "public.myfirstmodule$order", "public.system$filedocument"}
	dump := fixture(t, "customerportal.backup")
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"raw dump", dump},
		{"gzip-wrapped dump", gz(t, dump)},
		{"full snapshot", fixture(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")},
	} {
		t.Run(c.name, func(t *testing.T) {
			// One byte per read, so the count is what the reader asked for, not a buffer's fill.
			r := &countingReader{r: iotest.OneByteReader(bytes.NewReader(c.data))}
			dt, err := ReadDumpTables(r)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dt.Tables, want) {
				t.Errorf("tables %q, want %q", dt.Tables, want)
			}
			if dt.Header == nil || dt.Header.DatabaseName == "" {
				t.Errorf("header %+v, want the database name", dt.Header)
			}
			if c.name == "raw dump" && r.n >= int64(len(c.data)) {
				t.Errorf("read %d of %d bytes: the data after the table of contents was read too", r.n, len(c.data))
			}
		})
	}
}

// The bytes up to the end of the table of contents are enough, and one byte less says the
// prefix was too short (not that the dump is damaged), so a caller can ask for more.
func TestReadDumpTablesFromAPrefix(t *testing.T) {
	dump := fixture(t, "customerportal.backup")
	dt, err := ReadDumpTables(bytes.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tables listed by byte %d of %d", len(dt.Tables), dt.Read, len(dump))
	if _, err := ReadDumpTables(bytes.NewReader(dump[:dt.Read])); err != nil {
		t.Errorf("the %d bytes up to the end of the table of contents: %v", dt.Read, err)
	}
	if _, err := ReadDumpTables(bytes.NewReader(dump[:dt.Read-1])); !errors.Is(err, ErrDumpTruncated) {
		t.Errorf("one byte short: %v, want ErrDumpTruncated", err)
	}
}

// Not a backup, a files-only snapshot and a plain SQL dump give no table list, and say why.
func TestReadDumpTablesRefusesWhatHoldsNoCustomDump(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"text", []byte(s3Error), ErrNoDump},
		{"files only", fixture(t, "no-db-snapshot.tar.gz"), ErrNoDump},
		{"tar-format toc", tarFormatDump(t), ErrNoDump},
		{"empty", nil, ErrNoDump},
	} {
		if _, err := ReadDumpTables(bytes.NewReader(c.data)); !errors.Is(err, c.want) && !errors.Is(err, ErrDumpUnreadable) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func FuzzReadDumpTables(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dt, err := ReadDumpTables(bytes.NewReader(data))
		if err != nil {
			return
		}
		if dt.Header == nil || dt.Header.Format != DumpFormatCustom || len(dt.Tables) > len(data) {
			t.Fatalf("accepted %+v", dt)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
