package localdb

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"restoredesk/core/archive"
)

// readHead reads what a plan needs of a backup before any change, without reading the
// dump's data: the dump inside it, its header (archive version, compression) and its
// table of contents (the tables with data). The data is read once, during the restore,
// where pg_restore and the row count share the read. A dump whose data cannot be counted
// here (lz4 or zstd) is inspected whole instead, for its table list.
func readHead(ctx context.Context, path string) (rep *archive.Report, l layout, countable bool, items []archive.TOCItem, err error) {
	s, err := openDump(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, 0, false, nil, &Error{Reason: ErrDumpRefused, Err: err, Advice: fmt.Sprintf("The backup %s cannot be read (%v); check that the file is there and readable.", path, err)}
		}
		return nil, 0, false, nil, &Error{Reason: ErrDumpRefused, Err: err, Advice: "This file holds no database dump in custom format, so there is nothing to restore into PostgreSQL; choose a full snapshot (.tar.gz) or a database backup (.backup)."}
	}
	defer s.Close()
	dd, err := archive.ReadDumpData(s)
	if errors.Is(err, archive.ErrDumpUnreadable) {
		rep, err := inspectWhole(ctx, path)
		return rep, s.layout, false, nil, err
	}
	if err == nil {
		err = cutShort(dd, s.size)
	}
	if err != nil {
		return nil, 0, false, nil, unsound(err)
	}
	return headReport(dd, path, s.layout, s.size, s.fileSize), s.layout, true, dd.Items(), nil
}

// cutShort refuses a dump of size bytes (when known) shorter than its table of contents
// says.
func cutShort(dd *archive.DumpData, size int64) error {
	if last := dd.LastDataOffset(); size > 0 && last >= size {
		return &Error{Reason: ErrDumpRefused, Err: archive.ErrDumpTruncated, Advice: fmt.Sprintf(
			"This backup cannot be restored, nothing was changed: its database dump is cut short (its table of contents puts data at byte %s, but the dump has %s bytes). Download or copy the backup again.",
			commas(last), commas(size))}
	}
	return nil
}

// unsound refuses a dump whose header or table of contents did not read (err).
func unsound(err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	return &Error{Reason: ErrDumpRefused, Err: err, Advice: fmt.Sprintf("This backup cannot be restored, nothing was changed: its database dump is not sound (%v).", err)}
}

// headReport is what a plan knows of a dump from its header and table of contents.
func headReport(dd *archive.DumpData, path string, l layout, size, fileSize int64) *archive.Report {
	h := dd.Header()
	rep := &archive.Report{
		Path: path, Kind: archive.KindDatabaseOnly, Restorable: true, Format: "custom",
		ArchiveVersion: h.Version(), IntSize: h.IntSize, OffSize: h.OffSize, Compression: h.Compression(),
		DatabaseName: h.DatabaseName, DumpedAt: h.Created, ServerVersion: h.ServerVersion, PgDumpVersion: h.PgDumpVersion,
		DumpSize: max(size, 0),
	}
	if l == snapshot {
		rep.Kind = archive.KindFullSnapshot
	}
	rep.CompressedSize = fileSize
	for _, t := range dd.Tables() {
		rep.Tables = append(rep.Tables, archive.TableRows{Schema: t.Schema, Name: t.Name})
	}
	return rep
}

// ErrNotStreamable: a dump that arrives cannot be restored as it arrives: it is no raw
// custom-format dump (a gzip-wrapped dump or a snapshot), its data cannot be counted here
// (lz4 or zstd), or its table of contents is too large to hold. Restore the saved file.
var ErrNotStreamable = errors.New("this dump cannot be restored while it arrives")

// maxStreamHead bounds the bytes of a dump that arrives held while its header and table
// of contents are read (they take a few percent of a Mendix dump).
const maxStreamHead = 32 << 20

// headRecorder keeps every byte read through it, up to limit.
type headRecorder struct {
	r     io.Reader
	buf   []byte
	limit int
}

var errHeadTooLarge = errors.New("the table of contents is larger than what may be held")

func (h *headRecorder) Read(p []byte) (int, error) {
	room := h.limit - len(h.buf)
	if room <= 0 {
		return 0, errHeadTooLarge
	}
	n, err := h.r.Read(p[:min(len(p), room)])
	h.buf = append(h.buf, p[:n]...)
	return n, err
}

// readStreamHead reads the header and table of contents of a dump that arrives as r,
// holding the bytes read; rest is the whole dump again (those bytes, then the rest of
// r). size tells the dump's size once its first bytes arrived (-1: not known).
func readStreamHead(r io.Reader, name string, size func() int64) (rep *archive.Report, rest io.Reader, items []archive.TOCItem, err error) {
	rec := &headRecorder{r: r, limit: maxStreamHead}
	br := bufio.NewReaderSize(rec, 64<<10)
	// A stream that fails here is the download's failure (its caller tells it) or a dump
	// shorter than its head: the saved file, if any, is judged instead.
	head, err := br.Peek(5)
	if err != nil && len(head) < 5 {
		return nil, nil, nil, fmt.Errorf("%w: its start could not be read (%w)", ErrNotStreamable, err)
	}
	if !bytes.Equal(head, []byte("PGDMP")) {
		return nil, nil, nil, fmt.Errorf("%w: it is not a raw custom-format dump", ErrNotStreamable)
	}
	dd, err := archive.ReadDumpData(br)
	switch {
	case errors.Is(err, errHeadTooLarge):
		return nil, nil, nil, fmt.Errorf("%w: its table of contents is larger than %d MiB", ErrNotStreamable, maxStreamHead>>20)
	case errors.Is(err, archive.ErrDumpUnreadable):
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrNotStreamable, err)
	case errors.Is(err, archive.ErrNotDump), errors.Is(err, archive.ErrDumpTruncated), errors.Is(err, archive.ErrDumpDamaged), errors.Is(err, archive.ErrDumpVersion):
		return nil, nil, nil, unsound(err)
	case err != nil:
		return nil, nil, nil, fmt.Errorf("%w: its table of contents could not be read (%w)", ErrNotStreamable, err)
	}
	n := size()
	if err := cutShort(dd, n); err != nil {
		return nil, nil, nil, err
	}
	return headReport(dd, name, rawDump, n, n), io.MultiReader(bytes.NewReader(rec.buf), r), dd.Items(), nil
}

// inspectWhole inspects a dump whose data is not read here: its tables are listed, their
// rows not counted, so completeness cannot be proven.
func inspectWhole(ctx context.Context, path string) (*archive.Report, error) {
	rep, err := archive.InspectWith(ctx, path, archive.Options{Use: archive.ForLocalRestore, CountRows: true}, nil)
	if err != nil {
		return nil, err
	}
	if err := checkReport(rep); err != nil {
		return nil, err
	}
	return rep, nil
}
