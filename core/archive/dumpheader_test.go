package archive

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestParseDumpHeaderFixture(t *testing.T) {
	h, err := ParseDumpHeader(bytes.NewReader(fixture(t, "customerportal.backup")))
	if err != nil {
		t.Fatal(err)
	}
	want := DumpHeader{
		Major: 1, Minor: 14, IntSize: 4, OffSize: 8, Format: DumpFormatCustom,
		CompressionLevel: -1, CompressionAlgorithm: "gzip",
		Created:       time.Date(2026, 11, 26, 4, 34, 9, 0, time.UTC),
		DatabaseName:  "customerportal",
		ServerVersion: "15.20 (Debian 15.20-0+deb12u1)",
		PgDumpVersion: "15.20 (Debian 15.20-0+deb12u1)",
	}
	if *h != want {
		t.Fatalf("header\n got %+v\nwant %+v", *h, want)
	}
	equal(t, "version", h.Version(), "1.14")
	equal(t, "compression", h.Compression(), "gzip (default level)")
}

// Archive versions 1.12 to 1.16: 1.15 replaced the compression level by an algorithm byte,
// which moves every later field one place.
func TestParseDumpHeaderVersions(t *testing.T) {
	created := time.Date(2025, 2, 3, 23, 59, 58, 0, time.UTC)
	for _, tc := range []struct {
		spec        dumpSpec
		compression string
	}{
		{dumpSpec{minor: 12, level: 0}, "none"},
		{dumpSpec{minor: 13, level: 6}, "gzip (level 6)"},
		{dumpSpec{minor: 14, level: -1}, "gzip (default level)"},
		{dumpSpec{minor: 15, algorithm: 2}, "lz4"},
		{dumpSpec{minor: 16, algorithm: 1}, "gzip"},
		{dumpSpec{minor: 16, algorithm: 3}, "zstd"},
		{dumpSpec{minor: 16, algorithm: 0}, "none"},
	} {
		spec := tc.spec
		spec.dbName, spec.server, spec.pgDump, spec.created = "shop", "17.2", "17.2 (Ubuntu)", created
		spec.noTOC = true
		h, err := ParseDumpHeader(bytes.NewReader(buildDump(spec)))
		if err != nil {
			t.Fatalf("1.%d: %v", spec.minor, err)
		}
		if h.Minor != spec.minor || h.Compression() != tc.compression || h.DatabaseName != "shop" ||
			h.ServerVersion != "17.2" || h.PgDumpVersion != "17.2 (Ubuntu)" || !h.Created.Equal(created) {
			t.Errorf("1.%d: got %+v (compression %q), want compression %q", spec.minor, *h, h.Compression(), tc.compression)
		}
	}
}

func TestParseDumpHeaderStopsAfterHeader(t *testing.T) {
	dump := buildDump(dumpSpec{tables: 2, rows: 1})
	br := bufio.NewReader(bytes.NewReader(dump))
	if _, err := ParseDumpHeader(br); err != nil {
		t.Fatal(err)
	}
	// Next comes the TOC entry count: sign byte 0, then 6 entries (encoding, schema,
	// two tables, two table data) as a 4-byte little-endian int.
	next := make([]byte, 5)
	if _, err := br.Read(next); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(next, []byte{0, 6, 0, 0, 0}) {
		t.Fatalf("after the header come %v, want the TOC count", next)
	}
}

func TestParseDumpHeaderBadInput(t *testing.T) {
	good := buildDump(dumpSpec{noTOC: true})
	withByte := func(i int, b byte) []byte {
		out := bytes.Clone(good)
		out[i] = b
		return out
	}
	hugeName := bytes.Clone(good[:51]) // up to the database name
	hugeName = append(hugeName, 0, 0, 0, 0, 0x40)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotDump},
		{"short", []byte("PGD"), ErrNotDump},
		{"other magic", []byte("PGDMX\x01\x0e\x00"), ErrNotDump},
		{"zero int size", withByte(8, 0), ErrDumpDamaged},
		{"int size over 32", withByte(8, 33), ErrDumpDamaged},
		{"zero offset size", withByte(9, 0), ErrDumpDamaged},
		{"major version 2", withByte(5, 2), ErrDumpVersion},
		{"negative name length", append(bytes.Clone(good[:51]), 1, 2, 0, 0, 0), ErrDumpDamaged},
		{"name of 1 GiB", hugeName, ErrDumpDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseDumpHeader(bytes.NewReader(tc.data))
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.want == ErrDumpVersion && (h == nil || h.Major != 2 || h.Minor != 14) {
				t.Errorf("header %+v, want the version it has", h)
			}
		})
	}
	// Every cut after the signature is a truncated header, with what was read so far.
	for n := 5; n < len(good); n++ {
		h, err := ParseDumpHeader(bytes.NewReader(good[:n]))
		if !errors.Is(err, ErrDumpTruncated) {
			t.Fatalf("cut at %d: error %v, want ErrDumpTruncated", n, err)
		}
		if n > 7 && (h == nil || h.Version() != "1.14") {
			t.Fatalf("cut at %d: header %+v, want the version", n, h)
		}
	}
}

func TestWalkDumpVersions(t *testing.T) {
	for minor := 12; minor <= 16; minor++ {
		for _, offsets := range []bool{false, true} {
			spec := dumpSpec{minor: minor, tables: 4, rows: 30, blobs: 2, offsetsSet: offsets}
			if minor < 15 {
				spec.level = -1
			} else {
				spec.algorithm = 1
			}
			dump := buildDump(spec)
			st, err := walkDump(&dumpReader{r: bufio.NewReader(bytes.NewReader(dump))})
			if err != nil {
				t.Fatalf("1.%d offsets %v: %v", minor, offsets, err)
			}
			if !st.walked || st.tables != 4 || st.blocks != 5 || st.want != 5 || st.size != int64(len(dump)) {
				t.Errorf("1.%d offsets %v: %+v", minor, offsets, *st)
			}
		}
	}
}

func TestPgMajor(t *testing.T) {
	for in, want := range map[string]string{
		"17.2 (Ubuntu 17.2-1.pgdg24.04+1)": "17",
		"15.20":                            "15",
		"9.6.24":                           "9.6",
		"10.23":                            "10",
		"18devel":                          "",
		"":                                 "",
	} {
		if got := pgMajor(in); got != want {
			t.Errorf("pgMajor(%q) = %q, want %q", in, got, want)
		}
	}
}
