package localdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Bringing back single rows: rows read from a backup (in PostgreSQL's text form) are
// inserted into a table of the target database in one transaction. A row whose id (or
// another unique value) is there already is left as it is and reported, never
// overwritten; any other failure rolls the whole transaction back, so the table holds
// all the rows or none of them.

// ErrNoTable: the target database has no such table, or it lacks a column of the rows.
var ErrNoTable = errors.New("table not found")

// RowTable is a table rows are inserted into, with the columns the rows give values for.
type RowTable struct {
	Schema, Name string
	Columns      []string
	// IDColumn is the index in Columns of the id, which conflicts are reported by.
	IDColumn int
}

func (t RowTable) ident() string { return pgx.Identifier{t.Schema, t.Name}.Sanitize() }

// CheckTable checks, changing nothing, that the server answers, that the database exists
// and that it has table tb with every column of tb.Columns.
func (t Target) CheckTable(ctx context.Context, tb RowTable) error {
	conn, err := t.connect(ctx, t.Database)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r','p') AND a.attnum > 0 AND NOT a.attisdropped`, tb.Schema, tb.Name)
	if err != nil {
		return &Error{Reason: ErrPermission, Err: err, Advice: fmt.Sprintf("Cannot look into database %q: %v.", t.Database, err)}
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return &Error{Reason: ErrPermission, Err: err, Advice: fmt.Sprintf("Cannot look into database %q: %v.", t.Database, err)}
	}
	if len(have) == 0 {
		return &Error{Reason: ErrNoTable, Advice: fmt.Sprintf(
			"Database %q has no table %s.%s. Choose the database that holds the app's data (restore a backup of the app into it first).", t.Database, tb.Schema, tb.Name)}
	}
	var missing []string
	for _, c := range tb.Columns {
		if !slices.Contains(have, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return &Error{Reason: ErrNoTable, Advice: fmt.Sprintf(
			"Table %s.%s in database %q has no column %s, which the backup's rows have: the database holds another version of the app. Restore the rows into a database of the same app version.",
			tb.Schema, tb.Name, t.Database, strings.Join(missing, ", "))}
	}
	return nil
}

// Inserted is what InsertRows did.
type Inserted struct {
	Rows int64 // rows inserted
	// Conflicts counts the rows left out because a row with their id (or another unique
	// value) was there; ConflictIDs holds the first 100 of their ids.
	Conflicts   int64
	ConflictIDs []string
}

// InsertRows inserts the rows each gives (values in PostgreSQL's text form, nil for
// NULL, in tb.Columns order) into tb in one transaction: it commits only when every row
// was inserted or left out as a conflict. Nothing is written when it fails or ctx is
// cancelled.
func (t Target) InsertRows(ctx context.Context, tb RowTable, each func(send func(values []*string) error) error) (Inserted, error) {
	var res Inserted
	conn, err := t.connect(ctx, t.Database)
	if err != nil {
		return res, err
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		return res, t.insertError(ctx, tb, err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // after Commit it does nothing
	cols := make([]string, len(tb.Columns))
	params := make([]string, len(tb.Columns))
	for i, c := range tb.Columns {
		cols[i], params[i] = pgx.Identifier{c}.Sanitize(), fmt.Sprintf("$%d", i+1)
	}
	// Untyped text parameters: the server reads each value with its column's type, as
	// COPY would; ON CONFLICT DO NOTHING leaves a row that is there already alone.
	sql := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING", tb.ident(), strings.Join(cols, ", "), strings.Join(params, ", "))
	pc := tx.Conn().PgConn()
	if _, err := pc.Prepare(ctx, "restoredesk_rows", sql, nil); err != nil {
		return res, t.insertError(ctx, tb, err)
	}
	args := make([][]byte, len(tb.Columns))
	err = each(func(values []*string) error {
		if len(values) != len(args) {
			return fmt.Errorf("a row has %d values for %d columns", len(values), len(args))
		}
		for i, v := range values {
			args[i] = nil
			if v != nil {
				args[i] = []byte(*v)
			}
		}
		tag, err := pc.ExecPrepared(ctx, "restoredesk_rows", args, nil, nil).Close()
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			res.Rows++
			return nil
		}
		res.Conflicts++
		if len(res.ConflictIDs) < 100 && tb.IDColumn >= 0 && tb.IDColumn < len(values) && values[tb.IDColumn] != nil {
			res.ConflictIDs = append(res.ConflictIDs, *values[tb.IDColumn])
		}
		return nil
	})
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		return Inserted{}, t.insertError(ctx, tb, err)
	}
	return res, nil
}

// insertError says why the rows could not be inserted; nothing was written.
func (t Target) insertError(ctx context.Context, tb RowTable, err error) error {
	var le *Error
	if errors.As(err, &le) {
		return err
	}
	if ctx.Err() != nil {
		return &Error{Reason: ErrCancelled, Err: err, Advice: fmt.Sprintf("Bringing back the rows was cancelled: table %s.%s in database %q is as it was; no row was written.", tb.Schema, tb.Name, t.Database)}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &Error{Reason: ErrRestoreFailed, Err: err, Advice: fmt.Sprintf(
			"PostgreSQL refused a row for table %s.%s in database %q (%s), so no row was written: the table is as it was.", tb.Schema, tb.Name, t.Database, pgErr.Message)}
	}
	return &Error{Reason: ErrRestoreFailed, Err: err, Advice: fmt.Sprintf(
		"The rows could not be written to table %s.%s in database %q (%v), so none was: the table is as it was.", tb.Schema, tb.Name, t.Database, err)}
}
