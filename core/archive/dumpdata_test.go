package archive

import (
	"bytes"
	"errors"
	"fmt"
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

// tableTexts reads every table's COPY text of dump, through Read (klauspost's zlib reader)
// or WriteTo (this package's decoder, what counting rows uses), as far as each goes, and
// the first error's kind.
func tableTexts(dump []byte, write bool) (texts [][]byte, kind string) {
	dd, err := ReadDumpData(bytes.NewReader(dump))
	for err == nil {
		var r io.Reader
		if _, r, err = dd.Next(); err != nil {
			break
		}
		var text bytes.Buffer
		if write {
			_, err = r.(io.WriterTo).WriteTo(&text)
		} else {
			_, err = text.ReadFrom(struct{ io.Reader }{r}) // without WriteTo: Read
		}
		texts = append(texts, text.Bytes())
	}
	switch {
	case err == io.EOF:
		return texts, "whole"
	case errors.Is(err, ErrDumpTruncated):
		return texts, "truncated"
	case errors.Is(err, ErrDumpDamaged):
		return texts, "damaged"
	}
	return texts, "other: " + err.Error()
}

// damagedDump is the fixture dump with the byte at off (within its data) changed by xor,
// and cut to keep of its bytes when keep is not zero.
func damagedDump(dump []byte, off uint32, xor byte, keep uint32) []byte {
	d := bytes.Clone(dump)
	const dataStart = 11000 // the table of contents ends before this
	if i := dataStart + int(off)%(len(d)-dataStart); xor != 0 {
		d[i] ^= xor
	}
	if keep != 0 {
		d = d[:dataStart+int(keep)%(len(d)-dataStart)]
	}
	return d
}

// A table's data written whole (the row count's way, with this package's decoder) is the
// text reading it gives (klauspost/compress's zlib reader), byte for byte, and where the
// data is damaged or cut, both say the same (see sameTexts).
func TestDumpDataWriteToIsRead(t *testing.T) {
	dump := fixture(t, "customerportal.backup")
	for i := range uint32(300) {
		d := damagedDump(dump, i*7919, byte(1+i%255), (i%3)*i*1231)
		if err := sameTexts(d); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
}

// sameTexts compares the two ways of reading the tables of dump: every table's text is
// the same, except that where the data breaks off (a cut dump) the decoder may stop a few
// bytes sooner, at the last symbol it had all the bits of.
func sameTexts(dump []byte) error {
	readTexts, readKind := tableTexts(dump, false)
	writeTexts, writeKind := tableTexts(dump, true)
	if readKind != writeKind || len(readTexts) != len(writeTexts) {
		return fmt.Errorf("read %d tables (%s), written %d (%s)", len(readTexts), readKind, len(writeTexts), writeKind)
	}
	for j := range readTexts {
		r, w := readTexts[j], writeTexts[j]
		last := j == len(readTexts)-1 && readKind != "whole"
		if !bytes.Equal(r, w) && !(last && bytes.HasPrefix(r, w) && len(r)-len(w) < 64) {
			return fmt.Errorf("table %d (%s): read %d bytes, written %d", j, readKind, len(r), len(w))
		}
	}
	return nil
}

// FuzzDumpDataWriteTo holds the decoder of WriteTo to klauspost's zlib reader on damaged
// and cut copies of the fixture dump, as TestDumpDataWriteToIsRead does; it never panics.
func FuzzDumpDataWriteTo(f *testing.F) {
	f.Add(uint32(0), byte(0), uint32(0))
	f.Add(uint32(5000), byte(0x40), uint32(0))
	f.Add(uint32(123456), byte(1), uint32(90000))
	dump := fixture(f, "customerportal.backup")
	f.Fuzz(func(t *testing.T, off uint32, xor byte, keep uint32) {
		if err := sameTexts(damagedDump(dump, off, xor, keep)); err != nil {
			t.Fatal(err)
		}
	})
}

// The table of contents' items of the real fixture dump name what pg_restore runs and
// what each depends on: every table's data and every index or key of a table depend on
// that table, and the keys and indexes come after the data.
func TestDumpDataItems(t *testing.T) {
	dd, err := ReadDumpData(bytes.NewReader(fixture(t, "customerportal.backup")))
	if err != nil {
		t.Fatal(err)
	}
	tables := map[int64]string{}
	for _, it := range dd.Items() {
		if it.Desc == "TABLE" {
			if it.Section != SectionPreData || it.Schema != "public" {
				t.Errorf("table %s: section %d, schema %q", it.Tag, it.Section, it.Schema)
			}
			tables[it.ID] = it.Tag
		}
	}
	if len(tables) != 3 {
		t.Fatalf("tables %v, want 3", tables)
	}
	kinds := map[string]int{}
	for _, it := range dd.Items() {
		if it.Desc != "TABLE DATA" && it.Desc != "INDEX" && it.Desc != "CONSTRAINT" {
			continue
		}
		kinds[it.Desc]++
		want := map[string]Section{"TABLE DATA": SectionData, "INDEX": SectionPostData, "CONSTRAINT": SectionPostData}[it.Desc]
		onTable := false
		for _, d := range it.Deps {
			onTable = onTable || tables[d] != ""
		}
		if it.Section != want || !onTable {
			t.Errorf("%s %s: section %d, depends on %v (tables %v)", it.Desc, it.Tag, it.Section, it.Deps, tables)
		}
	}
	if kinds["TABLE DATA"] != 3 || kinds["CONSTRAINT"] == 0 {
		t.Errorf("items %v, want 3 tables' data and their keys", kinds)
	}
}
