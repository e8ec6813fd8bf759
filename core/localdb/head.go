package localdb

import (
	"context"
	"errors"
	"fmt"
	"os"

	"restoredesk/core/archive"
)

// readHead reads what a plan needs of a backup before any change, without reading the
// dump's data: the dump inside it, its header (archive version, compression) and its
// table of contents (the tables with data). The data is read once, during the restore,
// where pg_restore and the row count share the read. A dump whose data cannot be counted
// here (lz4 or zstd) is inspected whole instead, for its table list.
func readHead(ctx context.Context, path string) (rep *archive.Report, l layout, countable bool, err error) {
	s, err := openDump(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, 0, false, &Error{Reason: ErrDumpRefused, Err: err, Advice: fmt.Sprintf("The backup %s cannot be read (%v); check that the file is there and readable.", path, err)}
		}
		return nil, 0, false, &Error{Reason: ErrDumpRefused, Err: err, Advice: "This file holds no database dump in custom format, so there is nothing to restore into PostgreSQL; choose a full snapshot (.tar.gz) or a database backup (.backup)."}
	}
	defer s.Close()
	dd, err := archive.ReadDumpData(s)
	if errors.Is(err, archive.ErrDumpUnreadable) {
		rep, err := inspectWhole(ctx, path)
		return rep, s.layout, false, err
	}
	if err != nil {
		return nil, 0, false, &Error{Reason: ErrDumpRefused, Err: err, Advice: fmt.Sprintf("This backup cannot be restored, nothing was changed: its database dump is not sound (%v).", err)}
	}
	if last := dd.LastDataOffset(); s.size > 0 && last >= s.size {
		return nil, 0, false, &Error{Reason: ErrDumpRefused, Err: archive.ErrDumpTruncated, Advice: fmt.Sprintf(
			"This backup cannot be restored, nothing was changed: its database dump is cut short (its table of contents puts data at byte %s, but the dump has %s bytes). Download or copy the backup again.",
			commas(last), commas(s.size))}
	}
	h := dd.Header()
	rep = &archive.Report{
		Path: path, Kind: archive.KindDatabaseOnly, Restorable: true, Format: "custom",
		ArchiveVersion: h.Version(), IntSize: h.IntSize, OffSize: h.OffSize, Compression: h.Compression(),
		DatabaseName: h.DatabaseName, DumpedAt: h.Created, ServerVersion: h.ServerVersion, PgDumpVersion: h.PgDumpVersion,
		DumpSize: max(s.size, 0),
	}
	if s.layout == snapshot {
		rep.Kind = archive.KindFullSnapshot
	}
	rep.CompressedSize = s.fileSize
	for _, t := range dd.Tables() {
		rep.Tables = append(rep.Tables, archive.TableRows{Schema: t.Schema, Name: t.Name})
	}
	return rep, s.layout, true, nil
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
