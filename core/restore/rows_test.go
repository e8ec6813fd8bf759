package restore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/backupdata"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localdb"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/restore"
)

// rowsApp is a small Mendix-style app; the rows deleted later hold the values COPY text
// escapes (NULL, tab, newline, backslash, unicode) and a bytea.
const rowsApp = `SET ROLE ` + pgtest.User + `;
CREATE TABLE "shop$order" (id bigint PRIMARY KEY, note text, total numeric(12,2), picture bytea, placed timestamp);
INSERT INTO "shop$order" SELECT i, 'order ' || i, i * 1.5, NULL, timestamp '2026-12-01 08:00' + i * interval '1 hour' FROM generate_series(1, 50) AS i;
UPDATE "shop$order" SET note = NULL WHERE id = 7;
UPDATE "shop$order" SET note = E'tab\there, line\nbreak, back\\slash, Zoë 😀', picture = '\x89504e470d0a1a0a'::bytea WHERE id = 8;
CREATE TABLE "shop$customer" (id bigint PRIMARY KEY, name text);
INSERT INTO "shop$customer" VALUES (1, 'Ann'), (2, 'Bob');
CREATE TABLE "shop$log" (message text);
INSERT INTO "shop$log" VALUES ('a'), ('b');`

// rowsBed is a live database and a comparison of two of its backups: between them orders
// 7, 8 and 9 and log line 'b' were deleted and order 10 edited; after the newer backup the
// app went on: order 9's id was used again and order 51 added.
type rowsBed struct {
	c   *pgtest.Cluster
	e   *restore.Engine
	j   *journal.Journal
	cmp *backupdata.Comparison
}

func newRowsBed(t *testing.T) *rowsBed {
	t.Helper()
	c := pgtest.Start(t)
	c.CreateDatabase(t, "live")
	c.Exec(t, "live", rowsApp)
	dir := t.TempDir()
	dump := func(name string) *backupdata.Source {
		path := filepath.Join(dir, name)
		if out, err := c.Command("pg_dump", "-Fc", "-f", path, "live").CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, out)
		}
		src, err := backupdata.OpenSource(path)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	older := dump("older.backup")
	c.Exec(t, "live", `DELETE FROM "shop$order" WHERE id IN (7, 8, 9); UPDATE "shop$order" SET note = 'edited' WHERE id = 10;
DELETE FROM "shop$log" WHERE message = 'b';`)
	newer := dump("newer.backup")
	c.Exec(t, "live", `INSERT INTO "shop$order" (id, note) VALUES (9, 'a new order 9'), (51, 'order 51');`)
	cmp, err := backupdata.Compare(context.Background(), older, newer, backupdata.CompareOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmp.Close() })
	e, j := localEngine(t)
	return &rowsBed{c: c, e: e, j: j, cmp: cmp}
}

// digest is the live database's content apart from orders 7 and 8: what bringing them
// back must leave as it is.
func (b *rowsBed) digest(t *testing.T) string {
	t.Helper()
	conn := b.c.Admin(t, "live")
	defer conn.Close(context.Background())
	var s string
	err := conn.QueryRow(context.Background(), `SELECT
  (SELECT md5(string_agg(o::text, '|' ORDER BY id)) FROM "shop$order" o WHERE id NOT IN (7, 8)) ||
  (SELECT md5(string_agg(c::text, '|' ORDER BY id)) FROM "shop$customer" c) ||
  (SELECT md5(string_agg(l::text, '|' ORDER BY message)) FROM "shop$log" l)`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// orders78 is orders 7 and 8 as the live database holds them now, as text.
func (b *rowsBed) orders78(t *testing.T) []string {
	t.Helper()
	conn := b.c.Admin(t, "live")
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT o::text FROM "shop$order" o WHERE id IN (7, 8) ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (b *rowsBed) plan(t *testing.T, entity string) *restore.RowsPlan {
	t.Helper()
	p, err := b.e.PlanRows(context.Background(), restore.RowsRequest{Profile: "dev", Comparison: b.cmp, Entity: entity, Target: localTarget(b.c, "live")})
	if err != nil {
		t.Fatalf("PlanRows: %v", err)
	}
	return p
}

// The deleted orders come back exactly as the older backup held them (NULL, escapes,
// unicode and bytea included); order 9, whose id the app used again, is reported and
// left as it is; nothing else in the database changes; the journal holds the run.
func TestDeletedRowsAreBroughtBackAndNothingElseChanges(t *testing.T) {
	b := newRowsBed(t)
	before := b.digest(t)
	p := b.plan(t, "shop.order")
	if len(p.Steps) != 1 || p.Steps[0].Kind != restore.StepInsertRows || p.Confirm.Kind != restore.ConfirmYes || p.Undoable {
		t.Fatalf("plan %+v", p.Outline)
	}
	if !strings.Contains(p.Notes[0], "3 rows of shop.order") {
		t.Errorf("first note %q", p.Notes[0])
	}
	res, err := b.e.RunRows(context.Background(), p, nil)
	if err != nil {
		t.Fatalf("RunRows: %v", err)
	}
	if res.Inserted.Rows != 2 || res.Inserted.Conflicts != 1 || strings.Join(res.Inserted.ConflictIDs, ",") != "9" {
		t.Errorf("inserted %+v, want orders 7 and 8, and 9 reported", res.Inserted)
	}
	if !strings.Contains(res.Message, "2 rows of shop.order are back") || !strings.Contains(res.Message, "(id 9)") {
		t.Errorf("message %q", res.Message)
	}
	got := b.orders78(t)
	want := []string{`(7,,10.50,,"2026-12-01 15:00:00")`, `(8,"tab	here, line` + "\n" + `break, back\\slash, Zoë 😀",12.00,"\\x89504e470d0a1a0a","2026-12-01 16:00:00")`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("orders 7 and 8 are\n%q\nwant\n%q", got, want)
	}
	if after := b.digest(t); after != before {
		t.Error("bringing back orders 7 and 8 changed other rows")
	}
	run, err := b.j.Get(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Kind != restore.KindRowsRestore || run.Status != journal.StatusCompleted || len(run.Steps) != 1 ||
		run.Steps[0].Status != journal.StepDone || run.Mode != "live" {
		t.Errorf("journal: %+v", run)
	}
}

// The journal cannot record the insert: nothing is written to the database.
func TestRowsNotRecordedAreNeverWritten(t *testing.T) {
	b := newRowsBed(t)
	before := b.digest(t)
	p := b.plan(t, "shop.order")
	refuseStepStart(t, b.j.Path(), restore.StepInsertRows)
	res, err := b.e.RunRows(context.Background(), p, nil)
	if !errors.Is(err, restore.ErrJournalWrite) {
		t.Fatalf("RunRows = %v, want ErrJournalWrite", err)
	}
	if s := explain.Explain(err).Summary; !strings.Contains(s, "did not write the rows") || !strings.Contains(s, `The database "live" was not touched.`) {
		t.Errorf("summary %q", s)
	}
	if got := b.orders78(t); len(got) != 0 || b.digest(t) != before {
		t.Errorf("the database changed although the insert was not recorded: %q", got)
	}
	if run, err := b.j.Get(context.Background(), res.RunID); err != nil || run.Status != journal.StatusFailed {
		t.Errorf("journal: %+v, %v", run, err)
	}
}

// One row the table refuses: none is written (one transaction), and the error says so.
func TestOneRefusedRowWritesNone(t *testing.T) {
	b := newRowsBed(t)
	b.c.Exec(t, "live", `ALTER TABLE "shop$order" ADD CONSTRAINT no_null_notes CHECK (note IS NOT NULL) NOT VALID`)
	before := b.digest(t)
	p := b.plan(t, "shop.order")
	_, err := b.e.RunRows(context.Background(), p, nil)
	if err == nil || !strings.Contains(explain.Explain(err).Summary, "so no row was written") {
		t.Fatalf("RunRows = %v, want a refusal saying no row was written", err)
	}
	if got := b.orders78(t); len(got) != 0 || b.digest(t) != before {
		t.Errorf("part of the rows was written: %q", got)
	}
}

// What cannot be brought back row by row is refused at the plan, plainly.
func TestRowsPlanRefusals(t *testing.T) {
	b := newRowsBed(t)
	ctx := context.Background()
	req := func(entity, db string) restore.RowsRequest {
		return restore.RowsRequest{Comparison: b.cmp, Entity: entity, Target: localTarget(b.c, db)}
	}
	if _, err := b.e.PlanRows(ctx, req("shop.log", "live")); !errors.Is(err, restore.ErrNothingToBringBack) ||
		!strings.Contains(explain.Explain(err).Summary, "has no id") {
		t.Errorf("a table without id: %v", err)
	}
	if _, err := b.e.PlanRows(ctx, req("shop.customer", "live")); !errors.Is(err, restore.ErrNothingToBringBack) {
		t.Errorf("no deleted rows: %v", err)
	}
	b.c.CreateDatabase(t, "other")
	if _, err := b.e.PlanRows(ctx, req("shop.order", "other")); !errors.Is(err, localdb.ErrNoTable) ||
		!strings.Contains(explain.Explain(err).Summary, `Database "other" has no table public.shop$order`) {
		t.Errorf("a database without the table: %v", err)
	}
}
