package localdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"restoredesk/core/wording"
)

// TableCheck is one table's rows in the dump and in the database.
type TableCheck struct {
	Schema   string `json:"schema"`
	Name     string `json:"name"`
	DumpRows int64  `json:"dump_rows"`
	DBRows   int64  `json:"db_rows"`
	Missing  bool   `json:"missing,omitempty"` // the table is not in the database
}

// Differs reports whether the table did not arrive whole.
func (t TableCheck) Differs() bool { return t.Missing || t.DBRows != t.DumpRows }

// Completeness compares every table's rows in the database with the dump.
type Completeness struct {
	Tables   []TableCheck  `json:"tables"`
	DumpRows int64         `json:"dump_rows"`
	DBRows   int64         `json:"db_rows"`
	Complete bool          `json:"complete"` // every row arrived
	Counted  bool          `json:"counted"`  // the dump's rows were known
	Duration time.Duration `json:"duration"`
}

// Differing lists the tables that did not arrive whole.
func (c *Completeness) Differing() []TableCheck {
	var out []TableCheck
	for _, t := range c.Tables {
		if t.Differs() {
			out = append(out, t)
		}
	}
	return out
}

// Summary is the completeness in one sentence, e.g. "14 tables, 1,234,567 rows: every row
// arrived", or the tables that differ.
func (c *Completeness) Summary() string {
	if !c.Counted {
		return fmt.Sprintf("%s rows in the database; the dump's rows could not be counted (its data is compressed with a method Restore Desk does not read), so completeness is not proven.", commas(c.DBRows))
	}
	if c.Complete {
		return fmt.Sprintf("%s %s, %s %s: every row arrived.", commas(int64(len(c.Tables))), wording.Plural(len(c.Tables), "table", "tables"),
			commas(c.DumpRows), wording.Plural(int(min(c.DumpRows, 2)), "row", "rows"))
	}
	diff := c.Differing()
	var parts []string
	for _, t := range diff {
		if t.Missing {
			parts = append(parts, fmt.Sprintf("%s is missing (%s rows in the dump)", qualified(t.Schema, t.Name), commas(t.DumpRows)))
		} else {
			parts = append(parts, fmt.Sprintf("%s has %s of %s rows", qualified(t.Schema, t.Name), commas(t.DBRows), commas(t.DumpRows)))
		}
	}
	return fmt.Sprintf("%d of %d tables differ from the dump: %s.", len(diff), len(c.Tables), strings.Join(parts, "; "))
}

// CheckRows counts each of the dump's tables in the restored database and compares with
// the rows the restore counted in the dump (res).
func (p *Plan) CheckRows(ctx context.Context, res *Result) (*Completeness, error) {
	start := time.Now()
	conn, err := p.Target.connect(ctx, p.Target.Database)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	tables, counted := p.Report.Tables, p.Report.RowsCounted
	if res != nil && res.RowsCounted {
		tables, counted = res.Rows, true
	}
	c := &Completeness{Counted: counted, Complete: counted}
	for _, t := range tables {
		tc := TableCheck{Schema: t.Schema, Name: t.Name, DumpRows: t.Rows}
		sql := "SELECT count(*) FROM " + pgx.Identifier{t.Schema, t.Name}.Sanitize()
		err := conn.QueryRow(ctx, sql).Scan(&tc.DBRows)
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "3F000"):
			tc.Missing = true
		case err != nil:
			return nil, fmt.Errorf("count rows of %s: %w", qualified(t.Schema, t.Name), err)
		}
		c.DumpRows += tc.DumpRows
		c.DBRows += tc.DBRows
		if tc.Differs() {
			c.Complete = false
		}
		c.Tables = append(c.Tables, tc)
	}
	c.Duration = time.Since(start)
	return c, nil
}

func qualified(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

func commas(n int64) string { return humanize.Comma(n) }

func bytesText(n int64) string { return humanize.Bytes(uint64(max(n, 0))) }
