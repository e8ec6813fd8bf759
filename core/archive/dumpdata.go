package archive

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// ErrDumpUnreadable: the dump is sound but its table data cannot be read here: another
// format than custom, an archive version older than 1.10, or data compressed with lz4 or
// zstd (Mendix Cloud's dumps are gzip).
var ErrDumpUnreadable = errors.New("the table data of this dump cannot be read")

// TableData is one table that has data in a dump.
type TableData struct {
	Schema string
	Name   string
	// Copy is the statement that loads the data, e.g.
	// `COPY public."sales$order" (id, number, total) FROM stdin;`.
	Copy string
	// Definition is the table's CREATE TABLE statement, "" when the dump lacks it.
	Definition string
}

// DumpData reads the table data of a custom-format dump in the order of the file, one
// table at a time, inflating it as it is read. It is InspectRows' walk driven by its
// caller: it holds the table of contents, one decompressor and its buffers, never the
// data, so memory stays constant whatever the dump's size.
type DumpData struct {
	d      *dumpReader
	st     *dumpStats
	tables []TableData
	cur    *blockReader // the block handed out last, nil before the first
}

// ReadDumpData reads the header and table of contents of the custom-format dump r.
// Errors wrap ErrNotDump, ErrDumpTruncated, ErrDumpDamaged, ErrDumpVersion or
// ErrDumpUnreadable; read errors of r pass through.
func ReadDumpData(r io.Reader) (*DumpData, error) {
	d, st, err := readTOC(r, true)
	if err != nil {
		return nil, err
	}
	h := st.header
	if !countable(h.CompressionAlgorithm) {
		return nil, fmt.Errorf("%w: its data is compressed with %s", ErrDumpUnreadable, h.CompressionAlgorithm)
	}
	st.counting = &rowCounting{compression: h.CompressionAlgorithm}
	dd := &DumpData{d: d, st: st, tables: make([]TableData, len(st.tableRows))}
	for i, tr := range st.tableRows {
		dd.tables[i] = TableData{Schema: tr.Schema, Name: tr.Name, Copy: st.copyStmts[i],
			Definition: st.definitions[tr.Schema+"."+tr.Name]}
	}
	return dd, nil
}

// Header is the dump's header.
func (dd *DumpData) Header() *DumpHeader { return dd.st.header }

// Tables lists the tables that have data, in the order of the table of contents.
func (dd *DumpData) Tables() []TableData { return dd.tables }

// Section is the part of a restore a TOC item belongs to, as pg_dump numbers them.
type Section int

// Sections of a dump's items (archive version 1.11 and later; 0 before).
const (
	SectionNone     Section = 1
	SectionPreData  Section = 2
	SectionData     Section = 3
	SectionPostData Section = 4
)

// TOCItem is one entry of a dump's table of contents: pg_restore names it by ID in its
// --verbose output ("finished item 3204 INDEX …").
type TOCItem struct {
	ID      int64
	Desc    string // TABLE, TABLE DATA, INDEX, CONSTRAINT, FK CONSTRAINT, …
	Schema  string
	Tag     string // the object's name
	Section Section
	Deps    []int64 // the IDs of the items it depends on
}

// Items lists the table of contents' entries, in its order.
func (dd *DumpData) Items() []TOCItem { return dd.st.items }

// LastDataOffset is where the last data block starts, as the table of contents gives it
// (a dump written to a file gives every block's position; 0 when none is given): a dump
// not longer than that is cut short.
func (dd *DumpData) LastDataOffset() int64 { return dd.st.lastData }

// Offset is how many bytes of the dump have been read.
func (dd *DumpData) Offset() int64 { return dd.d.off }

// Next skips what is left of the table being read and moves to the next table's data,
// returning the table and its COPY text (rows ended by newlines, maybe a `\.` line), which
// is valid until the next call. After the last table it returns io.EOF, or an error
// wrapping ErrDumpTruncated when blocks the table of contents announces are missing.
func (dd *DumpData) Next() (TableData, io.Reader, error) {
	if dd.cur != nil {
		dd.cur.done = true
		if err := dd.cur.cr.drain(); err != nil {
			return TableData{}, nil, err
		}
		dd.cur = nil
	}
	i, err := dd.st.nextTableBlock(dd.d)
	if err == io.EOF {
		if dd.st.blocks < dd.st.want {
			return TableData{}, nil, fmt.Errorf("%w: %d of %d data blocks present", ErrDumpTruncated, dd.st.blocks, dd.st.want)
		}
		return TableData{}, nil, io.EOF
	}
	if err != nil {
		return TableData{}, nil, err
	}
	t := dd.tables[i]
	dd.cur = &blockReader{dd: dd, cr: &chunkReader{d: dd.d}, table: t.Schema + "." + t.Name}
	return t, dd.cur, nil
}

// blockReader is one table's COPY text, read (Read) or written whole (WriteTo); inflate
// failures become ErrDumpDamaged.
type blockReader struct {
	dd    *DumpData
	src   io.Reader // the inflated text being read, nil before the first Read
	cr    *chunkReader
	table string
	done  bool // Next has moved on
}

var errBlockDone = errors.New("the table's data was read past: DumpData.Next moved on")

func (b *blockReader) Read(p []byte) (int, error) {
	if b.done {
		return 0, errBlockDone
	}
	rc := b.dd.st.counting
	if b.src == nil {
		src, err := rc.reader(b.cr)
		if err != nil {
			return 0, rc.inflateError(b.dd.d, b.cr, b.table, err)
		}
		b.src = src
	}
	n, err := b.src.Read(p)
	if err != nil && err != io.EOF && b.src != io.Reader(b.cr) {
		err = rc.inflateError(b.dd.d, b.cr, b.table, err)
	}
	return n, err
}

// WriteTo writes the table's COPY text to w (what is left of it, after a Read). Written
// whole, compressed data is inflated by this package's own decoder straight into w,
// which takes less time than reading it: counting a dump's rows beside a restore runs on
// processors the restore keeps busy.
func (b *blockReader) WriteTo(w io.Writer) (int64, error) {
	if b.done {
		return 0, errBlockDone
	}
	if b.src != nil {
		return io.Copy(w, struct{ io.Reader }{b})
	}
	rc := b.dd.st.counting
	n, err := rc.writeTo(b.cr, w)
	if err != nil {
		return n, rc.inflateError(b.dd.d, b.cr, b.table, err)
	}
	b.src = eofReader{}
	return n, nil
}

// eofReader is a table's text after WriteTo wrote it all.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// ErrNoDump: the file holds no custom-format database dump to read (files only, or not a
// backup at all).
var ErrNoDump = errors.New("no database dump in it")

// FindDump returns the custom-format dump that r holds: r itself (a .backup file), the
// dump inside gzip, or the db/db.backup entry of a full snapshot (tar, gzip-compressed or
// not). It reads no further than the dump's first byte. The layers are judged by their
// bytes, as Inspect does; errors wrap ErrNoDump, or are read errors of r.
func FindDump(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, entryBufSize)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	switch c, _ := sniff(head); c {
	case contentDump:
		return br, nil
	case contentGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: the gzip data does not start properly (%v)", ErrNoDump, err)
		}
		return FindDump(zr)
	case contentTar:
		tr := tar.NewReader(br)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				return nil, fmt.Errorf("%w: the archive has no db/db.backup", ErrNoDump)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: the archive is damaged (%v)", ErrNoDump, err)
			}
			name := cleanName(hdr.Name)
			if hdr.Typeflag == tar.TypeReg && (name == "db/db.backup" || strings.HasSuffix(name, "/db/db.backup")) {
				return tr, nil
			}
		}
	default:
		return nil, fmt.Errorf("%w: it is not a backup file", ErrNoDump)
	}
}
