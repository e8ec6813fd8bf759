package archive

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestDumpDataReadsEveryTable reads the real fixture dump table by table: the COPY text of
// each table has the rows InspectRows counts, and the statements name the columns.
func TestDumpDataReadsEveryTable(t *testing.T) {
	dump := fixture(t, "customerportal.backup")
	dd, err := ReadDumpData(bytes.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	if len(dd.Tables()) != 3 {
		t.Fatalf("tables %+v, want 3", dd.Tables())
	}
	want := map[string]int64{"myfirstmodule$customer": 2000, "myfirstmodule$order": 8000, "system$filedocument": 5}
	seen := 0
	for {
		td, r, err := dd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if !strings.HasPrefix(td.Copy, "COPY public.") || !strings.Contains(td.Copy, "(id") {
			t.Errorf("%s: COPY statement %q", td.Name, td.Copy)
		}
		if !strings.HasPrefix(td.Definition, "CREATE TABLE public.") {
			t.Errorf("%s: definition %q", td.Name, td.Definition)
		}
		if seen == 2 {
			continue // left unread: Next skips it
		}
		n, err := CountCopyRows(r)
		if err != nil {
			t.Fatal(err)
		}
		if n != want[td.Name] {
			t.Errorf("%s: %d rows, want %d", td.Name, n, want[td.Name])
		}
	}
	if seen != 3 {
		t.Fatalf("read %d tables, want 3", seen)
	}
	if dd.Offset() != int64(len(dump)) {
		t.Errorf("offset %d, want %d", dd.Offset(), len(dump))
	}
}

// TestDumpDataTruncated: a dump cut inside its data says so instead of ending quietly.
func TestDumpDataTruncated(t *testing.T) {
	dump := fixture(t, "customerportal.backup")
	dd, err := ReadDumpData(bytes.NewReader(dump[:len(dump)*2/3]))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, r, err := dd.Next()
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err == io.EOF {
			t.Fatal("a cut dump read to its end without an error")
		}
		if err != nil {
			if !errors.Is(err, ErrDumpTruncated) && !errors.Is(err, ErrDumpDamaged) {
				t.Fatalf("error %v, want a truncated or damaged dump", err)
			}
			return
		}
	}
}

// TestDumpDataRefusesOtherCompression: zstd data is refused with a reason, not misread.
func TestDumpDataRefusesOtherCompression(t *testing.T) {
	_, err := ReadDumpData(bytes.NewReader(buildDump(dumpSpec{minor: 16, algorithm: 3, tables: 1, rows: 2})))
	if !errors.Is(err, ErrDumpUnreadable) || !strings.Contains(err.Error(), "zstd") {
		t.Fatalf("error %v, want ErrDumpUnreadable naming zstd", err)
	}
}
