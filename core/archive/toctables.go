package archive

import (
	"bufio"
	"fmt"
	"io"
)

// DumpTables is what the start of a dump says about the data it holds: its header and the
// tables its table of contents lists. Reading it needs only the bytes before the first
// data block (a custom-format dump keeps its table of contents at its start), so the first
// part of a download is enough.
type DumpTables struct {
	Header *DumpHeader
	// Tables are the tables that have data in the dump, "schema.name" (Mendix keeps its
	// entities in public: "public.sales$order"), in the order of the table of contents.
	Tables []string
	// Read is how many bytes of the dump itself were read (its header and table of
	// contents); the layers around it (gzip, tar) may have cost more.
	Read int64
}

// ReadDumpTables reads the header and table of contents of the custom-format dump r holds
// (r itself, gzip-wrapped, or db/db.backup of a full snapshot, as FindDump finds it) and
// stops there: nothing after the table of contents is read. Errors wrap ErrNoDump,
// ErrNotDump, ErrDumpTruncated (r ended inside the table of contents: a prefix too
// short), ErrDumpDamaged, ErrDumpVersion or ErrDumpUnreadable (another format, or a
// version older than 1.10); read errors of r pass through.
func ReadDumpTables(r io.Reader) (*DumpTables, error) {
	dump, err := FindDump(r)
	if err != nil {
		return nil, err
	}
	d, st, err := readTOC(dump, false)
	if err != nil {
		return nil, err
	}
	h := st.header
	out := &DumpTables{Header: h, Tables: make([]string, 0, len(st.tableRows)), Read: d.off}
	for _, t := range st.tableRows {
		out.Tables = append(out.Tables, t.Schema+"."+t.Name)
	}
	return out, nil
}

// readTOC reads the header and table of contents of the custom-format dump r (1.10 or
// later, whose layout the walk knows), leaving the reader at the first data block.
// keepStatements keeps each table's statements, which reading the data needs.
func readTOC(r io.Reader, keepStatements bool) (*dumpReader, *dumpStats, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, entryBufSize)
	}
	d := &dumpReader{r: br, keepStatements: keepStatements}
	h, err := d.header()
	if err != nil {
		return nil, nil, err
	}
	if h.Format != DumpFormatCustom || h.archVersion() < archVersion(1, 10, 0) {
		return nil, nil, fmt.Errorf("%w: it is a %s-format dump of archive version %s (a custom-format dump of version 1.10 or later is needed)",
			ErrDumpUnreadable, h.Format, h.Version())
	}
	st := &dumpStats{header: h}
	if err := st.walkTOC(d); err != nil {
		return nil, nil, err
	}
	return d, st, nil
}
