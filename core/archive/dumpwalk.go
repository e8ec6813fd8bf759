package archive

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Data block types and TOC offset flags of the custom format (pg_backup_archiver.h).
const (
	blkData  = 1
	blkBlobs = 3

	offsetPosNotSet = 1 // has data, position unknown (dump written to a pipe)
	offsetPosSet    = 2 // has data at a known position
	offsetNoData    = 3
)

// The Str fields of a TOC entry between section and relkind; 1.14 added tableam.
var (
	tocStrings   = []string{"definition", "drop statement", "copy statement", "namespace", "tablespace"}
	tocStrings14 = append(tocStrings[:len(tocStrings):len(tocStrings)], "table access method")
)

// dumpStats is what a walk through a custom-format dump found.
type dumpStats struct {
	header *DumpHeader
	size   int64 // bytes walked
	tables int   // TOC entries of kind TABLE
	blocks int   // data blocks present
	want   int   // data blocks the TOC announces
	// lastData is the position of the last data block the TOC gives (dumps written to a
	// file give them): a dump shorter than that is cut.
	lastData int64
	walked   bool // TOC and data blocks were checked (custom format, version 1.10 or later)

	// tableRows holds one entry per TABLE DATA entry of the TOC, in TOC order, its Rows
	// filled in as the data blocks are walked; dataOf maps a TOC id to its index there.
	tableRows []TableRows
	dataOf    map[int64]int
	// counting is set when the blocks' compression can be inflated here (none or gzip);
	// otherwise rows are not counted and counted stays false.
	counting *rowCounting
	counted  bool // every TABLE DATA entry's block was found and counted

	// copyStmts holds the COPY statement of each TABLE DATA entry (index as tableRows) and
	// definitions the CREATE TABLE statement of each table by "schema.name", kept only
	// when the dump's data is read (dumpReader.keepStatements).
	copyStmts   []string
	definitions map[string]string
	// items are the TOC's entries, kept with the statements.
	items []TOCItem
}

// walkDump reads a whole custom-format dump: header, table of contents and every data
// block, skipping block contents. It proves the dump is complete, which neither gzip nor
// tar can do for a raw .backup file. Content errors wrap ErrDumpTruncated or
// ErrDumpDamaged; read errors of the layers below pass through unchanged.
func walkDump(d *dumpReader) (*dumpStats, error) {
	h, err := d.header()
	st := &dumpStats{header: h}
	if err != nil {
		st.size = d.off
		return st, err
	}
	// Only the custom format keeps its data here. The walk follows the TOC layout of
	// 1.10 and later; of older dumps (a decade and more old) only the header is read.
	if h.Format != DumpFormatCustom || h.archVersion() < archVersion(1, 10, 0) {
		st.size = d.off
		return st, nil
	}
	if d.countRows && countable(h.CompressionAlgorithm) {
		st.counting = &rowCounting{compression: h.CompressionAlgorithm}
	}
	err = st.walkTOC(d)
	if err == nil {
		err = st.walkBlocks(d)
	}
	st.size = d.off
	if err != nil {
		return st, err
	}
	st.walked = true
	if st.blocks < st.want {
		return st, fmt.Errorf("%w: %d of %d data blocks present", ErrDumpTruncated, st.blocks, st.want)
	}
	st.counted = st.counting != nil && len(st.dataOf) == 0 // each counted block leaves the map
	return st, nil
}

// walkTOC implements ReadToc plus the custom format's ReadExtraToc, for 1.10 and later.
func (st *dumpStats) walkTOC(d *dumpReader) error {
	v := st.header.archVersion()
	count, err := d.readInt("TOC entry count")
	if err != nil {
		return err
	}
	if count < 0 {
		return d.damaged("negative TOC entry count")
	}
	var posSet, posNotSet int
	for i := int64(0); i < count; i++ {
		id, err := d.readInt("TOC entry id")
		if err != nil {
			return err
		}
		if id <= 0 {
			return d.damaged("TOC entry id %d", id)
		}
		if _, err := d.readInt("TOC entry"); err != nil { // hadDumper
			return err
		}
		for _, what := range []string{"table OID", "OID"} {
			if _, err := d.skipStr(what); err != nil {
				return err
			}
		}
		tag, err := d.readName("tag", maxTagLen)
		if err != nil {
			return err
		}
		desc, _, err := d.readStr("description", 64)
		if errors.Is(err, ErrDumpDamaged) {
			return d.damaged("TOC entry description is too long")
		}
		if err != nil {
			return err
		}
		if desc == "TABLE" {
			st.tables++
		}
		var section int64
		if v >= archVersion(1, 11, 0) {
			if section, err = d.readInt("section"); err != nil {
				return err
			}
		}
		strs := tocStrings
		if v >= archVersion(1, 14, 0) {
			strs = tocStrings14
		}
		var namespace, definition, copyStmt string
		for i, what := range strs {
			var err error
			switch {
			case i == 3 && (desc == "TABLE DATA" || d.keepStatements):
				namespace, err = d.readName(what, maxTagLen)
			case i == 0 && desc == "TABLE" && d.keepStatements:
				definition, err = d.readName(what, maxStatementLen)
			case i == 2 && desc == "TABLE DATA" && d.keepStatements:
				copyStmt, err = d.readName(what, maxStatementLen)
			default:
				_, err = d.skipStr(what)
			}
			if err != nil {
				return err
			}
		}
		if desc == "TABLE" && d.keepStatements {
			if st.definitions == nil {
				st.definitions = map[string]string{}
			}
			st.definitions[namespace+"."+tag] = definition
		}
		if desc == "TABLE DATA" {
			if st.dataOf == nil {
				st.dataOf = map[int64]int{}
			}
			if _, dup := st.dataOf[id]; dup {
				return d.damaged("TOC entry id %d appears twice", id)
			}
			st.dataOf[id] = len(st.tableRows)
			st.tableRows = append(st.tableRows, TableRows{Schema: namespace, Name: tag})
			if d.keepStatements {
				st.copyStmts = append(st.copyStmts, copyStmt)
			}
		}
		if v >= archVersion(1, 16, 0) {
			if _, err := d.readInt("relkind"); err != nil {
				return err
			}
		}
		for _, what := range []string{"owner", "with OIDs"} {
			if _, err := d.skipStr(what); err != nil {
				return err
			}
		}
		var deps []int64
		for { // dependencies (item IDs as text), ended by a NULL string
			var dep string
			var null bool
			var err error
			if d.keepStatements {
				dep, null, err = d.readStr("dependency", 20)
			} else {
				null, err = d.skipStr("dependency")
			}
			if err != nil {
				return err
			}
			if null {
				break
			}
			if !d.keepStatements {
				continue
			}
			if n, err := strconv.ParseInt(dep, 10, 64); err == nil {
				deps = append(deps, n)
			}
		}
		if d.keepStatements {
			st.items = append(st.items, TOCItem{ID: id, Desc: desc, Schema: namespace, Tag: tag, Section: Section(section), Deps: deps})
		}
		flag, err := d.readByte("data offset")
		if err != nil {
			return err
		}
		switch flag {
		case offsetPosSet:
			posSet++
		case offsetPosNotSet:
			posNotSet++
		case offsetNoData:
		default:
			return d.damaged("data offset flag %d", flag)
		}
		var off uint64
		for j := 0; j < d.offSize; j++ {
			b, err := d.readByte("data offset")
			if err != nil {
				return err
			}
			if j >= 8 && b != 0 {
				return d.damaged("data offset is too large")
			}
			if j < 8 {
				off |= uint64(b) << (8 * j)
			}
		}
		if flag == offsetPosSet && off < 1<<62 {
			st.lastData = max(st.lastData, int64(off))
		}
	}
	// A dump written to a seekable file has every written block's position set; one
	// written to a pipe has none set, and then every entry with data has a block.
	st.want = posSet
	if posSet == 0 {
		st.want = posNotSet
	}
	return nil
}

// walkBlocks skips the data blocks up to the end of the dump, checking their framing, and
// counts the rows of each table's data when asked.
func (st *dumpStats) walkBlocks(d *dumpReader) error {
	for {
		i, err := st.nextTableBlock(d)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if st.counting == nil {
			if err := skipChunks(d); err != nil {
				return err
			}
			continue
		}
		tr := &st.tableRows[i]
		rows, err := st.counting.countBlock(d, tr.Schema+"."+tr.Name)
		if err != nil {
			return err
		}
		tr.Rows = rows
	}
}

// nextTableBlock reads on to the next data block of a TABLE DATA entry and returns that
// entry's index in tableRows, leaving d at the block's first chunk. Other blocks (large
// objects, a second block of an entry already read) are skipped, their framing checked.
// io.EOF means the dump ended between blocks.
func (st *dumpStats) nextTableBlock(d *dumpReader) (int, error) {
	for {
		t, err := d.r.ReadByte()
		if err != nil {
			return 0, err // io.EOF: the end of the dump
		}
		d.off++
		id, err := d.readInt("data block id")
		if err != nil {
			return 0, err
		}
		st.blocks++
		switch t {
		case blkData:
			i, isTable := st.dataOf[id]
			if !isTable {
				if err := skipChunks(d); err != nil {
					return 0, err
				}
				continue
			}
			delete(st.dataOf, id) // a second block for the same entry is not read twice
			if len(st.dataOf) == 0 {
				st.dataOf = nil
			}
			return i, nil
		case blkBlobs:
			for {
				oid, err := d.readInt("large object OID")
				if err != nil {
					return 0, err
				}
				if oid == 0 {
					break
				}
				if err := skipChunks(d); err != nil {
					return 0, err
				}
			}
		default:
			st.blocks--
			return 0, d.damaged("unknown data block type %d", t)
		}
	}
}

// skipChunks skips the length-prefixed chunks of one data block, ended by length 0.
func skipChunks(d *dumpReader) error {
	for {
		n, err := d.readInt("data chunk length")
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n < 0 {
			return d.damaged("negative data chunk length")
		}
		if err := d.discard(n, "data chunk"); err != nil {
			return err
		}
	}
}

// readName reads a Str kept up to limit bytes (longer ones are skipped and read as ""),
// for the names of tables and the statements the data reader needs; NULL reads as "".
func (d *dumpReader) readName(what string, limit int64) (string, error) {
	n, err := d.readInt(what)
	if err != nil {
		return "", err
	}
	switch {
	case n == -1:
		return "", nil
	case n < -1:
		return "", d.damaged("%s has a negative length", what)
	case n > limit:
		return "", d.discard(n, what)
	}
	var buf []byte
	if n <= int64(len(d.scratch)) {
		buf = d.scratch[:n]
	} else {
		buf = make([]byte, n)
	}
	if err := d.readFull(buf, what); err != nil {
		return "", err
	}
	return string(buf), nil
}
