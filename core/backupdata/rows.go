package backupdata

import (
	"context"
	"fmt"
	"io"
	"strings"

	"restoredesk/core/archive"
	"restoredesk/core/progress"
)

// RowsOptions narrows and follows a read of an entity's rows.
type RowsOptions struct {
	// Search keeps only rows that hold this text in any column, ignoring case; "" keeps all.
	Search string
	// Read, if not nil, counts the file's bytes read (its total is set to the file size).
	Read *progress.Counter
	// KeepBinary keeps the text of bytea values (see Value.Text), for an export.
	KeepBinary bool
}

// Rows reads one entity's rows straight from the backup, one at a time, in constant
// memory: a window pages by calling Page as the user scrolls, and cancels with the
// context given to OpenRows.
type Rows struct {
	Entity  Entity
	Columns []Column

	ctx     context.Context
	src     *Source
	f       io.Closer
	lr      *lineReader
	binary  []bool
	search  string
	keep    bool
	fields  [][]byte
	row     []Value
	scanned int64
	err     error
	done    bool
}

// OpenRows finds entity (its name, "Sales.Order", or its table name) in the backup and
// reads up to the start of its rows.
func OpenRows(ctx context.Context, src *Source, entity string, opt RowsOptions) (*Rows, error) {
	if opt.Read != nil {
		opt.Read.SetTotal(src.Size)
	}
	dd, f, err := src.dump(ctx, opt.Read)
	if err != nil {
		return nil, err
	}
	e, err := resolveEntity(ctx, src, dd, entity)
	if err != nil {
		f.Close()
		return nil, err
	}
	if e.named {
		// The names were read from further on in the dump: start again from the top.
		f.Close()
		if dd, f, err = src.dump(ctx, opt.Read); err != nil {
			return nil, err
		}
	}
	rs := &Rows{Entity: e.Entity, ctx: ctx, src: src, f: f, search: strings.ToLower(opt.Search), keep: opt.KeepBinary}
	for {
		td, r, err := dd.Next()
		if err == io.EOF {
			rs.done = true // the table has no data block: no rows
			break
		}
		if err != nil {
			f.Close()
			return nil, src.readError(ctx, err)
		}
		if td.Schema != e.Schema || td.Name != e.Table {
			continue
		}
		if rs.Columns, err = tableColumns(td.Copy, td.Definition); err != nil {
			f.Close()
			return nil, src.readError(ctx, err)
		}
		rs.lr = newLineReader(r)
		break
	}
	rs.binary = make([]bool, len(rs.Columns))
	for i, c := range rs.Columns {
		rs.binary[i] = c.binary()
	}
	return rs, nil
}

// resolved is an entity found for a name; named says its name needed the dump's
// mendixsystem$entity table, which was read to find it.
type resolved struct {
	Entity
	named bool
}

// resolveEntity finds the table of an entity name. The table's own name usually says it
// ("Sales.Order" is sales$order); only otherwise is mendixsystem$entity read, which the
// dump holds further on, so dd is used up then.
func resolveEntity(ctx context.Context, src *Source, dd *archive.DumpData, name string) (resolved, error) {
	var plain []Entity
	hasNames := false
	for _, td := range dd.Tables() {
		plain = append(plain, namer{}.entity(td.Schema, td.Name))
		hasNames = hasNames || td.Name == entityTable
	}
	e, err := findEntity(plain, name)
	if err == nil || !hasNames {
		return resolved{Entity: e}, err
	}
	names := namer{}
	for {
		td, r, nerr := dd.Next()
		if nerr == io.EOF {
			break
		}
		if nerr != nil {
			return resolved{}, src.readError(ctx, nerr)
		}
		if td.Name == entityTable {
			if _, err := names.read(td, r); err != nil {
				return resolved{}, src.readError(ctx, err)
			}
			break
		}
	}
	named := make([]Entity, len(plain))
	for i, p := range plain {
		named[i] = names.entity(p.Schema, p.Table)
	}
	e, err = findEntity(named, name)
	return resolved{Entity: e, named: true}, err
}

// Next moves to the next row (that matches the search); false at the end or on an error.
func (rs *Rows) Next() bool {
	if rs.done || rs.err != nil {
		return false
	}
	for {
		if rs.scanned%4096 == 0 {
			if err := rs.ctx.Err(); err != nil {
				rs.err = fmt.Errorf("read the rows of %s: %w", rs.Entity.Name, err)
				return false
			}
		}
		line, err := rs.lr.next()
		if err == io.EOF {
			rs.done = true
			return false
		}
		if err != nil {
			rs.err = rs.src.readError(rs.ctx, err)
			return false
		}
		rs.scanned++
		rs.fields = rs.fields[:0]
		if len(rs.Columns) > 0 || len(line) > 0 { // a table without columns has empty rows
			rs.fields = splitFields(rs.fields, line)
		}
		if len(rs.fields) != len(rs.Columns) {
			rs.err = rs.src.readError(rs.ctx, fmt.Errorf("%w: row %d of %s has %d values for %d columns",
				ErrDamaged, rs.scanned, rs.Entity.Table, len(rs.fields), len(rs.Columns)))
			return false
		}
		rs.row = rs.row[:0]
		for i, raw := range rs.fields {
			rs.row = append(rs.row, decodeValue(raw, rs.binary[i], rs.keep))
		}
		if rs.matches() {
			return true
		}
	}
}

func (rs *Rows) matches() bool {
	if rs.search == "" {
		return true
	}
	for _, v := range rs.row {
		if !v.Null && !v.Binary && strings.Contains(strings.ToLower(v.Text), rs.search) {
			return true
		}
	}
	return false
}

// Row is the current row, valid until the next call of Next.
func (rs *Rows) Row() []Value { return rs.row }

// Scanned is how many rows were read so far, matching or not.
func (rs *Rows) Scanned() int64 { return rs.scanned }

// Err is what stopped Next early, nil at the end of the rows.
func (rs *Rows) Err() error { return rs.err }

// Page reads up to n more rows (fewer at the end), each its own copy.
func (rs *Rows) Page(n int) ([][]Value, error) {
	var page [][]Value
	for len(page) < n && rs.Next() {
		page = append(page, append([]Value(nil), rs.row...))
	}
	return page, rs.err
}

// Close releases the file.
func (rs *Rows) Close() error { return rs.f.Close() }
