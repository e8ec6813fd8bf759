package backupdata

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"restoredesk/core/explain"
	"restoredesk/core/progress"
)

// CSVWriter writes rows as CSV that a spreadsheet opens cleanly:
//   - UTF-8 with a byte order mark: Excel reads a CSV file without one in the computer's
//     legacy code page and garbles every ë and 😀; LibreOffice, Numbers and Google Sheets
//     read the mark as UTF-8 too, and so does Go's and Python's csv reading with utf-8-sig.
//   - RFC 4180: comma separated, CRLF line ends, fields with a comma, quote or line break
//     quoted, quotes doubled.
//   - a header row with the column names; NULL is an empty cell; bytea is its hex text
//     (`\x…`, as PostgreSQL prints it) so nothing is lost.
//   - formula injection guarded: a cell that starts with = + - @ (or a tab or carriage
//     return) and is not a plain number gets a leading apostrophe, so a spreadsheet shows
//     the text instead of running it; numbers such as -12.50 stay numbers.
type CSVWriter struct {
	w   *csv.Writer
	rec []string
}

// NewCSVWriter writes the byte order mark and the header row.
func NewCSVWriter(w io.Writer, cols []Column) (*CSVWriter, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := &CSVWriter{w: csv.NewWriter(w)}
	cw.w.UseCRLF = true
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = safeCell(c.Name)
	}
	if err := cw.w.Write(header); err != nil {
		return nil, err
	}
	return cw, nil
}

// Write writes one row.
func (cw *CSVWriter) Write(row []Value) error {
	cw.rec = cw.rec[:0]
	for _, v := range row {
		if v.Null {
			cw.rec = append(cw.rec, "")
			continue
		}
		cw.rec = append(cw.rec, safeCell(v.Text))
	}
	return cw.w.Write(cw.rec)
}

// Flush writes what is buffered and reports any error of the writes so far.
func (cw *CSVWriter) Flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// FileName makes an entity name ("Sales.Order") safe as a file name on every system.
func FileName(entity string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, entity)
}

// safeCell guards a cell against formula injection (see CSVWriter).
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] != '=' && s[0] != '@' {
			return s
		}
		return "'" + s
	}
	return s
}

// WriteCSV writes one entity's rows that changed so as CSV (see CSVWriter): deleted rows
// and changed rows as the older backup holds them (what they were), added rows as the
// newer one does. It reads that backup again (see EachRow). It returns the number of rows
// written.
func (c *Comparison) WriteCSV(ctx context.Context, entity string, ch Change, w io.Writer, read *progress.Counter) (int64, error) {
	cols, err := c.Columns(entity, ch)
	if err != nil {
		return 0, err
	}
	cw, err := NewCSVWriter(w, cols)
	if err != nil {
		return 0, fmt.Errorf("write the %s rows of %s: %w", ch, entity, err)
	}
	n, err := c.EachRow(ctx, entity, ch, read, cw.Write)
	if err != nil {
		return n, err
	}
	if err := cw.Flush(); err != nil {
		return n, fmt.Errorf("write the %s rows of %s: %w", ch, entity, err)
	}
	return n, nil
}

// Columns are the columns of the rows EachRow gives for ch: the older backup's for
// deleted and changed rows, the newer one's for added rows.
func (c *Comparison) Columns(entity string, ch Change) ([]Column, error) {
	d, err := c.Find(entity)
	if err != nil {
		return nil, err
	}
	return d.plan.cols[sideOf(ch)], nil
}

func sideOf(ch Change) int {
	if ch == Added {
		return newer
	}
	return older
}

// ErrRowTooLong: a row to give whole is longer than one row may be here (16 MiB).
var ErrRowTooLong = errors.New("row too long")

// ErrStop, returned by an EachRow callback, ends the walk early without an error.
var ErrStop = errors.New("stop")

// EachRow calls fn with each of one entity's rows that changed so (see Columns), values as
// text (bytea as its hex text), in the order the backup holds them; the row is valid
// only during the call. It reads the backup again, holding at most the comparison's
// memory budget of row keys at a time (one more read per budget's worth of rows). fn
// returning ErrStop ends it early; any other error of fn is returned. It returns the
// number of rows fn was called with.
func (c *Comparison) EachRow(ctx context.Context, entity string, ch Change, read *progress.Counter, fn func(row []Value) error) (int64, error) {
	d, err := c.Find(entity)
	if err != nil {
		return 0, err
	}
	side := sideOf(ch)
	src := [2]*Source{c.Older, c.Newer}[side]
	var done int64
	if d.keys[ch] == "" {
		return 0, nil
	}
	kf, err := os.Open(d.keys[ch])
	if err != nil {
		return 0, fmt.Errorf("read the %s rows of %s: %w", ch, d.Entity, err)
	}
	defer kf.Close()
	kr := bufio.NewReaderSize(kf, 32<<10)
	chunk := int(max(c.budget/32, 1024)) // a map entry costs about 32 bytes
	for {
		want, n, err := readKeys(kr, chunk)
		if err != nil {
			return done, fmt.Errorf("read the %s rows of %s: %w", ch, d.Entity, err)
		}
		if n == 0 {
			return done, nil
		}
		got, err := eachMatching(ctx, src, d, side, want, n, fn, read)
		done += got
		if errors.Is(err, ErrStop) {
			return done, nil
		}
		if err != nil {
			return done, err
		}
	}
}

// readKeys reads up to limit keys, counting repeats; n is how many were read.
func readKeys(r *bufio.Reader, limit int) (map[uint64]int64, int, error) {
	want := map[uint64]int64{}
	var b [8]byte
	n := 0
	for ; n < limit; n++ {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			if err == io.EOF {
				break
			}
			return nil, n, err
		}
		want[binary.LittleEndian.Uint64(b[:])]++
	}
	return want, n, nil
}

// eachMatching reads the entity's rows in src and calls fn with those whose key is wanted
// (as many times as wanted), stopping once all n were given.
func eachMatching(ctx context.Context, src *Source, d EntityDiff, side int, want map[uint64]int64, n int, fn func([]Value) error, read *progress.Counter) (int64, error) {
	dd, f, err := src.dump(ctx, read)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	p := d.plan
	binaryCol := make([]bool, len(p.cols[side]))
	for i, c := range p.cols[side] {
		binaryCol[i] = c.binary()
	}
	var given int64
	var fields [][]byte
	var row []Value
	for {
		td, r, err := dd.Next()
		if err == io.EOF {
			return given, nil
		}
		if err != nil {
			return given, src.readError(ctx, err)
		}
		if td.Schema != p.schema || td.Name != p.table {
			continue
		}
		lr := newLineReader(r)
		for int(given) < n {
			line, err := lr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return given, src.readError(ctx, err)
			}
			fpr, err := p.fingerprint(side, lr, line, &fields)
			if err != nil {
				return given, src.readError(ctx, err)
			}
			if want[fpr.key] == 0 {
				continue
			}
			want[fpr.key]--
			if lr.cut { // its values would be given cut short
				return given, explain.NewMistake(fmt.Sprintf("A row of %s in %s is longer than %s, more than Restore Desk reads of one row.", d.Entity, src.Name(), progress.Size(maxLine)),
					"Restore the whole backup into a local database to get at that row.", ErrRowTooLong)
			}
			fields = splitFields(fields[:0], line)
			row = row[:0]
			for i, raw := range fields {
				row = append(row, decodeValue(raw, i < len(binaryCol) && binaryCol[i], true))
			}
			given++
			if err := fn(row); err != nil {
				return given, err
			}
		}
		return given, nil
	}
}
