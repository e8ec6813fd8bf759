package archive

// Test helpers that build the backup files users really produce, good and bad, so each
// test states its input in code. Dumps are written byte for byte the way pg_dump's
// WriteHead, WriteToc and WriteDataChunks write them (pg_backup_archiver.c,
// pg_backup_custom.c).

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"restoredesk/core/archive/benchfiles"
)

// fixture reads a file from testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

// writeFile writes data to name in a fresh temp dir and returns the path.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// dumpSpec describes a custom-format (or other format) pg_dump archive.
type dumpSpec struct {
	minor       int // archive version 1.minor; 14 if zero
	format      DumpFormat
	level       int // compression level (≤1.14), -1 = zlib default
	algorithm   byte
	dbName      string
	server      string
	pgDump      string
	created     time.Time
	tables      int // each gives a TABLE and a TABLE DATA entry
	rows        int // rows per table
	blobs       int // large objects in one BLOBS entry
	offsetsSet  bool
	dropBlocks  int  // leave out this many trailing data blocks (cut at a block boundary)
	chunkSize   int  // size of data chunks, 4096 if zero
	noTOC       bool // header only (toc.dat of -Ft/-Fd gets a TOC in reality; not needed here)
	rng         *rand.Rand
	rowTemplate func(b []byte, r *rand.Rand, i int) []byte
}

// dumpEnc writes pg_dump primitives with intSize 4 and offSize 8.
type dumpEnc struct{ bytes.Buffer }

func (e *dumpEnc) byte1(b byte) { e.WriteByte(b) }

func (e *dumpEnc) int(v int64) {
	if v < 0 {
		e.WriteByte(1)
		v = -v
	} else {
		e.WriteByte(0)
	}
	for i := 0; i < 4; i++ {
		e.WriteByte(byte(v >> (8 * i)))
	}
}

func (e *dumpEnc) str(s string) {
	e.int(int64(len(s)))
	e.WriteString(s)
}

func (e *dumpEnc) null() { e.int(-1) }

func (e *dumpEnc) offset(flag byte, pos int64) {
	e.WriteByte(flag)
	for i := 0; i < 8; i++ {
		e.WriteByte(byte(pos >> (8 * i)))
	}
}

func boolInt(b bool, yes, no int64) int64 {
	if b {
		return yes
	}
	return no
}

func (s dumpSpec) withDefaults() dumpSpec {
	if s.minor == 0 {
		s.minor = 14
	}
	if s.format == 0 {
		s.format = DumpFormatCustom
	}
	if s.dbName == "" {
		s.dbName = "customerportal"
	}
	if s.server == "" {
		s.server = "15.20 (Debian 15.20-0+deb12u1)"
	}
	if s.pgDump == "" {
		s.pgDump = s.server
	}
	if s.created.IsZero() {
		s.created = time.Date(2026, 11, 26, 4, 34, 9, 0, time.UTC)
	}
	if s.chunkSize == 0 {
		s.chunkSize = 4096
	}
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(1, 2))
	}
	return s
}

func (s dumpSpec) header() []byte {
	var e dumpEnc
	e.WriteString("PGDMP")
	e.byte1(1)
	e.byte1(byte(s.minor))
	e.byte1(0)
	e.byte1(4)
	e.byte1(8)
	e.byte1(byte(s.format))
	if s.minor >= 15 {
		e.byte1(s.algorithm)
	} else {
		e.int(int64(s.level))
	}
	c := s.created
	for _, v := range []int{c.Second(), c.Minute(), c.Hour(), c.Day(), int(c.Month()) - 1, c.Year() - 1900, 0} {
		e.int(int64(v))
	}
	e.str(s.dbName)
	e.str(s.server)
	e.str(s.pgDump)
	return e.Bytes()
}

type tocEntry struct {
	id      int
	desc    string
	tag     string
	hasData bool
	deps    []int
}

func (s dumpSpec) entries() []tocEntry {
	var es []tocEntry
	id := 1
	es = append(es, tocEntry{id: id, desc: "ENCODING", tag: "ENCODING"})
	id++
	es = append(es, tocEntry{id: id, desc: "SCHEMA", tag: "public"})
	for i := 0; i < s.tables; i++ {
		id++
		es = append(es, tocEntry{id: id, desc: "TABLE", tag: fmt.Sprintf("table%d", i)})
	}
	for i := 0; i < s.tables; i++ {
		id++
		es = append(es, tocEntry{id: id, desc: "TABLE DATA", tag: fmt.Sprintf("table%d", i), hasData: true, deps: []int{3 + i}})
	}
	if s.blobs > 0 {
		id++
		es = append(es, tocEntry{id: id, desc: "BLOBS", tag: "BLOBS", hasData: true})
	}
	return es
}

func (s dumpSpec) toc(es []tocEntry, pos map[int]int64) []byte {
	var e dumpEnc
	e.int(int64(len(es)))
	for _, te := range es {
		e.int(int64(te.id))
		e.int(boolInt(te.hasData, 1, 0))
		e.str("1259")
		e.str(strconv.Itoa(16384 + te.id))
		e.str(te.tag)
		e.str(te.desc)
		e.int(boolInt(te.hasData, 3, 2)) // section: data or pre-data
		switch te.desc {
		case "TABLE":
			e.str("CREATE TABLE public." + te.tag + " (id bigint NOT NULL, name character varying(200));\n")
			e.str("DROP TABLE public." + te.tag + ";\n")
		case "ENCODING":
			e.str("SET client_encoding = 'UTF8';\n")
			e.str("")
		case "SCHEMA":
			e.str("CREATE SCHEMA public;\n")
			e.str("DROP SCHEMA public;\n")
		default:
			e.str("")
			e.str("")
		}
		if te.desc == "TABLE DATA" {
			e.str("COPY public." + te.tag + " (id, name) FROM stdin;\n")
		} else {
			e.str("")
		}
		e.str("public")
		e.str("")
		if s.minor >= 14 {
			if te.desc == "TABLE" {
				e.str("heap")
			} else {
				e.null()
			}
		}
		if s.minor >= 16 {
			e.int(boolInt(te.desc == "TABLE", 'r', 0)) // relkind
		}
		e.str("postgres")
		e.str("false")
		for _, d := range te.deps {
			e.str(strconv.Itoa(d))
		}
		e.null()
		switch {
		case !te.hasData:
			e.offset(offsetNoData, 0)
		case s.offsetsSet:
			e.offset(offsetPosSet, pos[te.id])
		default:
			e.offset(offsetPosNotSet, 0)
		}
	}
	return e.Bytes()
}

// tableData is the COPY text of one table.
func (s dumpSpec) tableData(table int) []byte {
	var b []byte
	for i := 0; i < s.rows; i++ {
		if s.rowTemplate != nil {
			b = s.rowTemplate(b, s.rng, i)
			continue
		}
		b = strconv.AppendInt(b, int64(table*1_000_000+i), 10)
		b = append(b, "\tcustomer "...)
		b = strconv.AppendInt(b, int64(s.rng.IntN(100000)), 10)
		b = append(b, '\n')
	}
	return append(b, "\\.\n\n"...)
}

// chunks compresses data as the header says and frames it as length-prefixed chunks
// ended by a zero length.
func (s dumpSpec) chunks(e *dumpEnc, data []byte) {
	if s.level != 0 || s.algorithm == 1 {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.DefaultCompression)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	for len(data) > 0 {
		n := min(len(data), s.chunkSize)
		e.int(int64(n))
		e.Write(data[:n])
		data = data[n:]
	}
	e.int(0)
}

// buildDump writes the whole archive.
func buildDump(s dumpSpec) []byte {
	s = s.withDefaults()
	head := s.header()
	if s.noTOC {
		return head
	}
	es := s.entries()
	tocLen := len(s.toc(es, nil))
	var data dumpEnc
	pos := map[int]int64{}
	var withData []tocEntry
	for _, te := range es {
		if te.hasData {
			withData = append(withData, te)
		}
	}
	withData = withData[:len(withData)-min(s.dropBlocks, len(withData))]
	for _, te := range withData {
		pos[te.id] = int64(len(head) + tocLen + data.Len())
		if te.desc == "BLOBS" {
			data.byte1(blkBlobs)
			data.int(int64(te.id))
			for i := 0; i < s.blobs; i++ {
				data.int(int64(40000 + i))
				s.chunks(&data, bytes.Repeat([]byte{byte(i)}, 1000+i))
			}
			data.int(0)
			continue
		}
		data.byte1(blkData)
		data.int(int64(te.id))
		s.chunks(&data, s.tableData(te.id))
	}
	out := append([]byte{}, head...)
	out = append(out, s.toc(es, pos)...)
	return append(out, data.Bytes()...)
}

// tarEntry is one entry of a generated tar.
type tarEntry struct {
	name     string
	data     []byte
	typeflag byte
	linkname string
}

func buildTar(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typeflag
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{
			Name: e.name, Typeflag: typ, Linkname: e.linkname, Mode: 0o644,
			ModTime: time.Date(2025, 11, 25, 19, 46, 0, 0, time.UTC),
		}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.data))
		}
		if typ == tar.TypeChar || typ == tar.TypeBlock {
			hdr.Devmajor, hdr.Devminor = 8, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("tar header %s: %v", e.name, err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, 6)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const sampleMetadata = `{"duration": "3", "dumpSize": "86306", "modelVersion": "1.4.0.211", "databaseSize": "9240576", "filesSize": "7500"}`

var treeIDs = []string{
	"6513270e-269e-0d37-f2a7-4de452e6b438",
	"d23f0824-128b-2f33-0c5c-7fd0a6a3a450",
	"9531985d-5d9d-c9f8-1818-e811892f902b",
}

// snapshotEntries is a full snapshot's layout around the given dump; flat picks the
// tree/<uuid> layout instead of tree/ab/cd/<uuid>.
func snapshotEntries(dump []byte, flat bool) []tarEntry {
	es := []tarEntry{{name: ".metadata", data: []byte(sampleMetadata)}}
	if dump != nil {
		es = append(es, tarEntry{name: "db/db.backup", data: dump})
	}
	for i, id := range treeIDs {
		name := "tree/" + id[0:2] + "/" + id[2:4] + "/" + id
		if flat {
			name = "tree/" + id
		}
		es = append(es, tarEntry{name: name, data: bytes.Repeat([]byte{'a' + byte(i)}, 1500)})
	}
	return es
}

// snapshot builds a .tar.gz full snapshot around dump with extra entries appended.
func snapshot(t testing.TB, dump []byte, extra ...tarEntry) []byte {
	t.Helper()
	return gz(t, buildTar(t, append(snapshotEntries(dump, false), extra...)...))
}

// zipOf builds a ZIP archive holding one file.
func zipOf(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// plainSQLDump is the top of what pg_dump -Fp writes.
const plainSQLDump = `--
-- PostgreSQL database dump
--

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';

CREATE TABLE public."myfirstmodule$customer" (
    id bigint NOT NULL,
    name character varying(200)
);

COPY public."myfirstmodule$customer" (id, name) FROM stdin;
1	Alice
2	Bob
\.

--
-- PostgreSQL database dump complete
--
`

// s3Error is what a browser saves when a signed download link has expired.
const s3Error = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>2026-11-25T09:30:00Z</Expires></Error>`

// withDeflateBlockType sets the first deflate block of a gzip member (header without
// optional fields) to the reserved type 3, which every inflater rejects.
func withBrokenDeflate(gzData []byte) []byte {
	out := append([]byte{}, gzData...)
	out[10] = 0x07 // BFINAL=1, BTYPE=11
	return out
}

// withBadCRC flips a bit of the CRC-32 in the gzip trailer.
func withBadCRC(gzData []byte) []byte {
	out := append([]byte{}, gzData...)
	out[len(out)-8] ^= 0x01
	return out
}

// gzipHeaderFields are the optional fields of a gzip member header (RFC 1952, 2.3.1).
type gzipHeaderFields struct {
	extra         []byte // FEXTRA: subfields, written as they are
	name, comment string // FNAME, FCOMMENT
	hcrc          bool   // FHCRC: the low 16 bits of the header's CRC-32
	badHCRC       bool   // a header checksum that does not match
}

// withGzipHeader rewrites the header of a single-member gzip without optional fields
// (what gz writes) to carry the given fields.
func withGzipHeader(gzData []byte, f gzipHeaderFields) []byte {
	h := append([]byte{}, gzData[:10]...)
	h[3] = 0
	if f.extra != nil {
		h[3] |= 1 << 2
		h = binary.LittleEndian.AppendUint16(h, uint16(len(f.extra)))
		h = append(h, f.extra...)
	}
	if f.name != "" {
		h[3] |= 1 << 3
		h = append(append(h, f.name...), 0)
	}
	if f.comment != "" {
		h[3] |= 1 << 4
		h = append(append(h, f.comment...), 0)
	}
	if f.hcrc {
		h[3] |= 1 << 1
		sum := uint16(crc32.ChecksumIEEE(h))
		if f.badHCRC {
			sum ^= 0x0100
		}
		h = binary.LittleEndian.AppendUint16(h, sum)
	}
	return append(h, gzData[10:]...)
}

// gzipBomb builds a small gzip that expands to size bytes: a member with a tar header
// for one huge tree file, then members of 64 MiB of zeros (about 64 kB each).
func gzipBomb(t testing.TB, size int64) []byte {
	t.Helper()
	const member = 64 << 20
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: "tree/aa/bb/aabbccdd", Typeflag: tar.TypeReg, Size: size, Mode: 0o644, Format: tar.FormatPAX})
	var out bytes.Buffer
	out.Write(gz(t, hdr.Bytes()))
	zeros := zeroMember(t)
	for n := int64(0); n < size; n += member {
		out.Write(zeros)
	}
	return out.Bytes()
}

var zeroMemberOnce = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // same ratio as level 9 on zeros, far faster
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	return buf.Bytes()
})

// zeroMember is one gzip member of 64 MiB of zeros, made once per test run.
func zeroMember(testing.TB) []byte { return zeroMemberOnce() }

// randomBytes is incompressible data, like photos and PDFs among file documents.
func randomBytes(seed uint64, n int) []byte { return benchfiles.RandomBytes(seed, n) }

// jsonObject is v marshalled and read back as a generic object, as a JSON consumer sees it.
func jsonObject(t testing.TB, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// gnuSparseEntry is an old-GNU sparse entry (type 'S') of one data byte in a file that
// claims realSize bytes, which archive/tar cannot write. Header layout: GNU tar's
// "oldgnu" header, sparse map at offset 386, real size at 483.
func gnuSparseEntry(name string, realSize int64) []byte {
	h := make([]byte, 512)
	copy(h, name)
	copy(h[100:], "0000644\x00")
	copy(h[108:], "0000000\x00")
	copy(h[116:], "0000000\x00")
	copy(h[124:], fmt.Sprintf("%011o\x00", 1)) // stored bytes
	copy(h[136:], fmt.Sprintf("%011o\x00", 1764100000))
	h[156] = 'S'
	copy(h[257:], "ustar  \x00")
	copy(h[386:], fmt.Sprintf("%011o\x00", realSize-1)) // the one stored byte is at the end
	copy(h[398:], fmt.Sprintf("%011o\x00", 1))
	copy(h[483:], fmt.Sprintf("%011o\x00", realSize))
	copy(h[148:], "        ")
	var sum int
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:], fmt.Sprintf("%06o\x00 ", sum))
	data := make([]byte, 512)
	data[0] = 'x'
	return append(h, data...)
}

// withEntryBeforeEnd inserts raw tar entry bytes before the end-of-archive marker.
func withEntryBeforeEnd(tarData, entry []byte) []byte {
	end := len(tarData) - 1024
	out := append([]byte{}, tarData[:end]...)
	out = append(out, entry...)
	return append(out, tarData[end:]...)
}
