package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dustin/go-humanize"

	"restoredesk/core/backupdata"
	"restoredesk/core/explain"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name:    "entities",
		args:    "SOURCE [--json]   (SOURCE: FILE, or APP ENV SNAPSHOT_ID|latest)",
		summary: "list the entities in a backup (a .backup or .tar.gz file, or a cloud backup) with their row counts",
		run:     runEntities,
	})
	register(&command{
		name:    "rows",
		args:    "SOURCE ENTITY [--search TEXT] [--offset N] [--limit N] [--csv] [--json]",
		summary: "show an entity's rows in a backup, or write them as CSV; --search finds a text in any column",
		run:     runRows,
	})
	register(&command{
		name:    "compare",
		args:    "OLDER NEWER [--entity ENTITY] [--deleted-csv DIR] [--json]",
		summary: "say per entity which rows were deleted, added and changed between two backups of one app (files, or APP ENV SNAPSHOT_ID|latest)",
		run:     runCompare,
	})
}

// reading follows a long read of backup files on stderr, counting bytes read.
func (c *cli) reading(title string) (*progress.Counter, func(error)) {
	u := c.follow(title, nil)
	counted := progress.NewCounter(0, 0)
	u.Count(string(restore.StepInspect), counted)
	return counted, func(err error) { u.Done(progress.RunCompleted, "", err) }
}

func runEntities(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("entities"), args, 1, 3)
	if err != nil {
		return err
	}
	srcs, err := c.sources(ctx, pos, 1)
	if err != nil {
		return err
	}
	src := srcs[0]
	read, done := c.reading("look inside")
	l, err := backupdata.ListEntities(ctx, src, read)
	done(err)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(struct {
			File     string              `json:"file"`
			Time     time.Time           `json:"time"`
			Named    bool                `json:"named_by_mendix"`
			Entities []backupdata.Entity `json:"entities"`
		}{src.Path, src.When(), l.Named, l.Entities})
	}
	fmt.Fprintf(c.stdout, "%s, made %s\n\n", src.Name(), src.When().Format("Mon 2 Jan 2006 15:04"))
	for _, system := range []bool{false, true} {
		if system {
			fmt.Fprintln(c.stdout, "\nSystem modules:")
		}
		tw := c.table("ENTITY", "TABLE", "ROWS")
		n := 0
		for _, e := range l.Entities {
			if e.System == system {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", cell(e.Name), cell(e.Table), humanize.Comma(e.Rows))
				n++
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if n == 0 && !system {
			fmt.Fprintln(c.stdout, "(no entities of the app's own modules)")
		}
	}
	if !l.Named {
		fmt.Fprintln(c.stdout, "\nThe names come from the table names: this backup has no mendixsystem$entity table.")
	}
	return nil
}

func runRows(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("rows")
	search := fs.String("search", "", "only rows that hold this text in any column (any case)")
	offset := fs.Int("offset", 0, "skip this many (matching) rows")
	limit := fs.Int("limit", 50, "show at most this many rows")
	asCSV := fs.Bool("csv", false, "write all (matching) rows as CSV to stdout")
	pos, err := parse(fs, args, 2, 4)
	if err != nil {
		return err
	}
	if *offset < 0 || *limit < 0 {
		return usagef("--offset and --limit take a number of rows, 0 or more")
	}
	srcs, err := c.sources(ctx, pos[:len(pos)-1], 1)
	if err != nil {
		return err
	}
	src := srcs[0]
	read, done := c.reading("look inside")
	rs, err := backupdata.OpenRows(ctx, src, pos[len(pos)-1], backupdata.RowsOptions{Search: *search, Read: read, KeepBinary: *asCSV})
	if err != nil {
		done(err)
		return err
	}
	defer rs.Close()
	if *asCSV {
		err := writeRowsCSV(c.stdout, rs)
		done(err)
		return err
	}
	for i := 0; i < *offset && rs.Next(); i++ {
	}
	page, err := rs.Page(*limit)
	more := err == nil && rs.Next()
	done(err)
	if err != nil {
		return err
	}
	if c.json {
		out := make([]map[string]any, len(page))
		for i, row := range page {
			out[i] = map[string]any{}
			for j, v := range row {
				out[i][rs.Columns[j].Name] = jsonValue(v)
			}
		}
		return c.printJSON(out)
	}
	header := make([]string, len(rs.Columns))
	for i, col := range rs.Columns {
		header[i] = strings.ToUpper(cell(col.Name))
	}
	tw := c.table(header...)
	for _, row := range page {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = shown(v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	what := "rows"
	if *search != "" {
		what = fmt.Sprintf("rows with %q", *search)
	}
	switch {
	case len(page) == 0:
		fmt.Fprintf(c.stdout, "\n%s: no %s%s.\n", rs.Entity.Name, what, map[bool]string{true: " after --offset", false: ""}[*offset > 0])
	case more:
		fmt.Fprintf(c.stdout, "\n%s: %s %d to %d shown; more with --offset %d.\n", rs.Entity.Name, what, *offset+1, *offset+len(page), *offset+len(page))
	default:
		fmt.Fprintf(c.stdout, "\n%s: %s %d to %d shown, the last.\n", rs.Entity.Name, what, *offset+1, *offset+len(page))
	}
	return nil
}

func writeRowsCSV(w io.Writer, rs *backupdata.Rows) error {
	cw, err := backupdata.NewCSVWriter(w, rs.Columns)
	if err != nil {
		return err
	}
	for rs.Next() {
		if err := cw.Write(rs.Row()); err != nil {
			return err
		}
	}
	if err := rs.Err(); err != nil {
		return err
	}
	return cw.Flush()
}

func jsonValue(v backupdata.Value) any {
	switch {
	case v.Null:
		return nil
	case v.Binary:
		return map[string]int64{"binary_bytes": v.Size}
	}
	return v.Text
}

// shown is a value in a table cell: one line, at most 40 characters; NULL says so.
func shown(v backupdata.Value) string {
	if v.Null {
		return "NULL"
	}
	s := cell(v.String())
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:39]) + "…"
	}
	return s
}

// cell keeps a table on its lines: line breaks and tabs shown as symbols, other control
// characters escaped.
func cell(s string) string {
	s = strings.NewReplacer("\r\n", "↵", "\n", "↵", "\r", "↵", "\t", "→").Replace(s)
	return explain.Printable(s)
}

func runCompare(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("compare")
	entity := fs.String("entity", "", "compare only this entity (e.g. Sales.Order)")
	csvDir := fs.String("deleted-csv", "", "write each entity's deleted rows to DIR/ENTITY-deleted.csv")
	pos, err := parse(fs, args, 2, 6)
	if err != nil {
		return err
	}
	srcs, err := c.sources(ctx, pos, 2)
	if err != nil {
		return err
	}
	read, done := c.reading("compare")
	cmp, err := backupdata.Compare(ctx, srcs[0], srcs[1], backupdata.CompareOptions{Entity: *entity, Read: read})
	done(err) // the progress printer stops writing to stderr before anything else does
	if err == nil && *csvDir != "" {
		err = writeDeleted(ctx, cmp, *csvDir, c.stderr)
	}
	if err != nil {
		if cmp != nil {
			cmp.Close()
		}
		return err
	}
	defer cmp.Close()
	if c.json {
		type side struct {
			File string    `json:"file"`
			Time time.Time `json:"time"`
		}
		return c.printJSON(struct {
			Older    side                    `json:"older"`
			Newer    side                    `json:"newer"`
			Entities []backupdata.EntityDiff `json:"entities"`
		}{side{srcs[0].Path, srcs[0].When()}, side{srcs[1].Path, srcs[1].When()}, cmp.Entities})
	}
	same := 0
	for _, d := range cmp.Entities {
		if d.Differs() || *entity != "" || len(d.ColumnsAdded)+len(d.ColumnsRemoved) > 0 {
			fmt.Fprintln(c.stdout, cell(cmp.Summary(d)))
		} else {
			same++
		}
	}
	if same > 0 {
		fmt.Fprintf(c.stdout, "%d other entities have the same rows in both backups.\n", same)
	}
	return nil
}

// writeDeleted writes each entity's deleted rows to dir, one CSV file per entity with
// deleted rows. It never replaces a file: one already there is a mistake to report.
func writeDeleted(ctx context.Context, cmp *backupdata.Comparison, dir string, log io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range cmp.Entities {
		if d.Deleted == 0 {
			continue
		}
		path := filepath.Join(dir, backupdata.FileName(d.Entity)+"-deleted.csv")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			return explain.NewMistake(fmt.Sprintf("%s is already there.", path),
				"Choose another folder for the deleted rows, or move that file away first.", err)
		}
		if err != nil {
			return err
		}
		n, err := cmp.WriteCSV(ctx, d.Entity, backupdata.Deleted, f, nil)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path) // never leave half a file that looks complete
			return err
		}
		fmt.Fprintf(log, "%s: %s deleted rows written to %s\n", d.Entity, strconv.FormatInt(n, 10), path)
	}
	return nil
}
