package localdb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
// the rows the restore counted in the dump (res). Once pg_restore has ended the server's
// processors are free, so the tables are counted on as many connections at once as
// pg_restore had jobs (those connections were there for it), the largest tables first.
func (p *Plan) CheckRows(ctx context.Context, res *Result) (*Completeness, error) {
	start := time.Now()
	tables, counted := p.Report.Tables, p.Report.RowsCounted
	if res != nil && res.RowsCounted {
		tables, counted = res.Rows, true
	}
	checks := make([]TableCheck, len(tables))
	var left []*TableCheck // not counted while pg_restore ran
	for i, t := range tables {
		checks[i] = TableCheck{Schema: t.Schema, Name: t.Name, DumpRows: t.Rows}
		n, early := int64(0), false
		if res != nil {
			n, early = res.early[t.Schema+"."+t.Name]
		}
		if early {
			checks[i].DBRows = n
			continue
		}
		left = append(left, &checks[i])
	}
	if err := p.countTables(ctx, left); err != nil {
		return nil, err
	}
	c := &Completeness{Counted: counted, Complete: counted, Tables: checks}
	for _, tc := range checks {
		c.DumpRows += tc.DumpRows
		c.DBRows += tc.DBRows
		if tc.Differs() {
			c.Complete = false
		}
	}
	if len(c.Tables) == 0 {
		c.Tables = nil
	}
	c.Duration = time.Since(start)
	return c, nil
}

// countTables fills in each table's rows in the database, on up to p.Jobs connections.
// The first error is returned: a failed connection, or a count that failed (cancelled, or
// a table that cannot be read).
func (p *Plan) countTables(ctx context.Context, checks []*TableCheck) error {
	order := make([]int, len(checks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(checks[b].DumpRows, checks[a].DumpRows) })
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     int
		firstErr error
		wg       sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next == len(order) || firstErr != nil {
			return 0, false
		}
		next++
		return order[next-1], true
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel() // the other counts are not needed any more
		}
	}
	for range max(1, min(p.Jobs, len(checks))) {
		wg.Go(func() {
			i, ok := take()
			if !ok {
				return
			}
			conn, err := p.Target.connect(ctx, p.Target.Database)
			if err != nil {
				fail(err)
				return
			}
			defer conn.Close(context.Background())
			for ; ok; i, ok = take() {
				tc := checks[i]
				if tc.DBRows, tc.Missing, err = countTable(ctx, conn, tc.Schema, tc.Name); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// countTable counts the rows of one table in the database: its own rows (ONLY), which
// are what its data in the dump holds, not those of tables that inherit from it. missing
// says the table (or its schema) is not there.
func countTable(ctx context.Context, conn *pgx.Conn, schema, name string) (n int64, missing bool, err error) {
	err = conn.QueryRow(ctx, "SELECT count(*) FROM ONLY "+pgx.Identifier{schema, name}.Sanitize()).Scan(&n)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "3F000"):
		return 0, true, nil
	case err != nil:
		return 0, false, fmt.Errorf("count rows of %s: %w", qualified(schema, name), err)
	}
	return n, false, nil
}

func qualified(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

func commas(n int64) string { return humanize.Comma(n) }

func bytesText(n int64) string { return humanize.Bytes(uint64(max(n, 0))) }
