package backupdata

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"restoredesk/core/localdb/pgtest"
)

// appSchema is a small Mendix app: entity tables named module$entity with an id bigint
// primary key, the runtime's mendixsystem$entity, a System table, and a log table
// without an id. Sales.Invoice's table name does not follow from its entity name (Mendix
// shortens long names), so only mendixsystem$entity can name it.
const appSchema = `SET ROLE ` + pgtest.User + `;
CREATE TABLE "mendixsystem$entity" (id uuid PRIMARY KEY, entity_name varchar(255), table_name varchar(63), superentity_id uuid, remote boolean);
INSERT INTO "mendixsystem$entity" VALUES
  (md5('1')::uuid, 'Sales.Order', 'sales$order', NULL, false),
  (md5('2')::uuid, 'Sales.Customer', 'sales$customer', NULL, false),
  (md5('3')::uuid, 'Sales.InvoiceWithAVeryLongName', 'sales$inv', NULL, false),
  (md5('4')::uuid, 'Audit.LogLine', 'audit$logline', NULL, false),
  (md5('5')::uuid, 'System.User', 'system$user', NULL, false);
CREATE TABLE "sales$order" (id bigint PRIMARY KEY, number integer, customer bigint, note text, total numeric(12,2), attachment bytea, createddate timestamp);
INSERT INTO "sales$order"
  SELECT i, 1000 + i, i % 40 + 1, 'order ' || i, (i * 37 % 10000) / 100.0, NULL, timestamp '2026-12-01 08:00' + i * interval '1 minute'
  FROM generate_series(1, 600) AS i;
UPDATE "sales$order" SET note = NULL WHERE id = 1;
UPDATE "sales$order" SET note = E'tab\there' WHERE id = 2;
UPDATE "sales$order" SET note = E'line one\nline two\r\nend' WHERE id = 3;
UPDATE "sales$order" SET note = E'back\\slash \\N not null' WHERE id = 4;
UPDATE "sales$order" SET note = 'Zoë ordered 😀 ünïcode' WHERE id = 5;
UPDATE "sales$order" SET note = '=HYPERLINK("http://evil")', attachment = '\x89504e470d0a1a0a'::bytea || decode(repeat('ab', 1000), 'hex') WHERE id = 6;
UPDATE "sales$order" SET note = E'\\N' WHERE id = 7;
CREATE TABLE "sales$customer" (id bigint PRIMARY KEY, name text, email text);
INSERT INTO "sales$customer" SELECT i, 'Customer ' || i, 'c' || i || '@example.com' FROM generate_series(1, 40) AS i;
CREATE TABLE "sales$inv" (id bigint PRIMARY KEY, amount numeric(12,2));
INSERT INTO "sales$inv" SELECT i, i * 10 FROM generate_series(1, 25) AS i;
CREATE TABLE "audit$logline" (message text, level integer);
INSERT INTO "audit$logline" VALUES ('login', 1), ('login', 1), ('login', 1), ('logout', 1), ('error', 3);
CREATE TABLE "system$user" (id bigint PRIMARY KEY, name text);
INSERT INTO "system$user" VALUES (1, 'MxAdmin'), (2, 'demo_user');`

// appChanges are the changes between the older and the newer backup, and want what
// Compare must find for them.
const appChanges = `
DELETE FROM "sales$order" WHERE id IN (10, 20, 30);
INSERT INTO "sales$order" (id, number, customer, note, total) VALUES (1001, 2001, 3, 'new one', 12.50), (1002, 2002, 4, E'new\ttwo', -3.00);
UPDATE "sales$order" SET note = note || ' (edited)' WHERE id IN (40, 41, 42, 43);
UPDATE "sales$order" SET total = total + 1 WHERE id = 5;
DELETE FROM "audit$logline" WHERE ctid = (SELECT ctid FROM "audit$logline" WHERE message = 'login' LIMIT 1);
INSERT INTO "audit$logline" VALUES ('export', 2);
UPDATE "system$user" SET name = 'Administrator' WHERE id = 1;
ALTER TABLE "sales$customer" ADD COLUMN phone text;
UPDATE "sales$customer" SET name = 'Renamed' WHERE id = 2;`

var wantDiffs = map[string][3]int64{ // deleted, added, changed
	"Sales.Order":                    {3, 2, 5},
	"Sales.Customer":                 {0, 0, 1}, // compared on the columns both have
	"Sales.InvoiceWithAVeryLongName": {0, 0, 0},
	"Audit.LogLine":                  {1, 1, 0},
	"System.User":                    {0, 0, 1},
	"mendixsystem.entity":            {0, 0, 0},
}

const otherAppSchema = `SET ROLE ` + pgtest.User + `;
CREATE TABLE "mendixsystem$entity" (id uuid PRIMARY KEY, entity_name varchar(255), table_name varchar(63), superentity_id uuid, remote boolean);
CREATE TABLE "crm$contact" (id bigint PRIMARY KEY, name text);
CREATE TABLE "crm$deal" (id bigint PRIMARY KEY, contact bigint, amount numeric);
CREATE TABLE "crm$note" (id bigint PRIMARY KEY, body text);
INSERT INTO "crm$contact" VALUES (1, 'Ann');
CREATE TABLE "system$user" (id bigint PRIMARY KEY, name text);`

// dumps are the test's backup files, made once by pg_dump on a throwaway cluster.
type dumps struct {
	older, newer, other, snapshot string
}

func makeDumps(t *testing.T) dumps {
	t.Helper()
	c := pgtest.Start(t)
	dir := t.TempDir()
	dump := func(db, name string) string {
		path := filepath.Join(dir, name)
		if out, err := c.Command("pg_dump", "-Fc", "-f", path, db).CombinedOutput(); err != nil {
			t.Fatalf("pg_dump %s: %v\n%s", db, err, out)
		}
		return path
	}
	c.CreateDatabase(t, "app")
	c.Exec(t, "app", appSchema)
	var d dumps
	d.older = dump("app", "older.backup")
	c.Exec(t, "app", appChanges)
	d.newer = dump("app", "newer.backup")
	c.CreateDatabase(t, "crm")
	c.Exec(t, "crm", otherAppSchema)
	d.other = dump("crm", "other.backup")
	d.snapshot = snapshotOf(t, d.older, filepath.Join(dir, "files_and_database-older.tar.gz"))
	return d
}

// snapshotOf wraps a dump as Mendix Cloud's full snapshot: gzip → tar with .metadata,
// db/db.backup and a file document.
func snapshotOf(t *testing.T, dump, path string) string {
	t.Helper()
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range []struct {
		name string
		body []byte
	}{
		{".metadata", []byte(`{"modelVersion":"1.0.0.1"}`)},
		{"tree/ab/cd/abcd0000", []byte("a document")},
		{"db/db.backup", data},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func source(t *testing.T, path string) *Source {
	t.Helper()
	s, err := OpenSource(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRealDumps runs every reading of real pg_dump files: one cluster serves them all.
func TestRealDumps(t *testing.T) {
	d := makeDumps(t)
	t.Run("entities of a dump and of a snapshot", func(t *testing.T) { testEntities(t, d) })
	t.Run("rows decode every kind of value", func(t *testing.T) { testRowValues(t, d) })
	t.Run("search finds text in any column", func(t *testing.T) { testSearch(t, d) })
	t.Run("compare finds exactly the changed rows", func(t *testing.T) { testCompare(t, d, 0) })
	t.Run("compare spills to files past a tiny budget and finds the same", func(t *testing.T) { testCompare(t, d, 5*fpSize*2) })
	t.Run("compare one entity", func(t *testing.T) { testCompareOne(t, d) })
	t.Run("compare refuses a backup of another app", func(t *testing.T) { testOtherApp(t, d) })
	t.Run("deleted rows as CSV", func(t *testing.T) { testDeletedCSV(t, d) })
	t.Run("cancelled", func(t *testing.T) { testCancelled(t, d) })
}

func testEntities(t *testing.T, d dumps) {
	for _, path := range []string{d.older, d.snapshot} {
		l, err := ListEntities(context.Background(), source(t, path), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !l.Named {
			t.Errorf("%s: names not taken from mendixsystem$entity", path)
		}
		var got []string
		for _, e := range l.Entities {
			got = append(got, e.Name+"="+e.Table+":"+itoa(e.Rows)+sys(e.System))
		}
		want := []string{
			"Audit.LogLine=audit$logline:5", "Sales.Customer=sales$customer:40",
			"Sales.InvoiceWithAVeryLongName=sales$inv:25", "Sales.Order=sales$order:600",
			"mendixsystem.entity=mendixsystem$entity:5 (system)", "System.User=system$user:2 (system)",
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: entities\n got %q\nwant %q", filepath.Base(path), got, want)
		}
	}
}

func sys(b bool) string {
	if b {
		return " (system)"
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// readAll pages through an entity's rows, ten at a time, as a window would.
func readAll(t *testing.T, path, entity string, opt RowsOptions) (*Rows, [][]Value) {
	t.Helper()
	rs, err := OpenRows(context.Background(), source(t, path), entity, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var all [][]Value
	for {
		page, err := rs.Page(10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return rs, all
		}
		all = append(all, page...)
	}
}

func testRowValues(t *testing.T, d dumps) {
	rs, rows := readAll(t, d.older, "Sales.Order", RowsOptions{})
	if len(rows) != 600 {
		t.Fatalf("%d rows, want 600", len(rows))
	}
	wantCols := []Column{{"id", "bigint"}, {"number", "integer"}, {"customer", "bigint"}, {"note", "text"},
		{"total", "numeric(12,2)"}, {"attachment", "bytea"}, {"createddate", "timestamp without time zone"}}
	if !slices.Equal(rs.Columns, wantCols) {
		t.Errorf("columns %+v\nwant %+v", rs.Columns, wantCols)
	}
	byID := map[string][]Value{}
	for _, r := range rows {
		byID[r[0].Text] = r
	}
	note := func(id string) Value { return byID[id][3] }
	if v := note("1"); !v.Null {
		t.Errorf("NULL note read as %+v", v)
	}
	for id, want := range map[string]string{
		"2": "tab\there", "3": "line one\nline two\r\nend", "4": `back\slash \N not null`,
		"5": "Zoë ordered 😀 ünïcode", "6": `=HYPERLINK("http://evil")`, "7": `\N`,
	} {
		if v := note(id); v.Null || v.Text != want {
			t.Errorf("note of order %s: %+v, want %q", id, v, want)
		}
	}
	att := byID["6"][5]
	if !att.Binary || att.Size != 1008 || att.String() != "(binary, 1.0 kB)" || att.Text != "" {
		t.Errorf("bytea value %+v (%q), want 1008 bytes shown by size", att, att.String())
	}
	if v := byID["600"][6]; v.Text != "2026-12-01 18:00:00" {
		t.Errorf("timestamp %q", v.Text)
	}
	// The long entity name resolves through mendixsystem$entity, read further on.
	_, inv := readAll(t, d.older, "sales.invoicewithaverylongname", RowsOptions{})
	if len(inv) != 25 {
		t.Errorf("Sales.InvoiceWithAVeryLongName: %d rows, want 25", len(inv))
	}
	_, err := OpenRows(context.Background(), source(t, d.older), "Sales.Nothing", RowsOptions{})
	if err == nil || !strings.Contains(err.Error(), `no entity or table named "Sales.Nothing"`) {
		t.Errorf("unknown entity: %v", err)
	}
}

func testSearch(t *testing.T, d dumps) {
	for search, want := range map[string][]string{
		"ZOË":              {"5"}, // any case, unicode
		"order 59":         {"59", "590", "591", "592", "593", "594", "595", "596", "597", "598", "599"},
		"\there":           {"2"},   // the decoded tab
		"1537":             {"537"}, // the number column
		"2026-12-01 08:01": {"1"},   // the timestamp column
	} {
		_, rows := readAll(t, d.snapshot, "Sales.Order", RowsOptions{Search: search})
		var got []string
		for _, r := range rows {
			got = append(got, r[0].Text)
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q found ids %v, want %v", search, got, want)
		}
	}
}

func testCompare(t *testing.T, d dumps, budget int64) {
	tmp := t.TempDir()
	c, err := Compare(context.Background(), source(t, d.older), source(t, d.newer), CompareOptions{MemoryBudget: budget, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if budget > 0 {
		runs, _ := filepath.Glob(filepath.Join(tmp, "*", "*.run"))
		if len(runs) < 10 {
			t.Errorf("a budget of %d bytes wrote %d run files, want many", budget, len(runs))
		}
	}
	got := map[string][3]int64{}
	for _, e := range c.Entities {
		got[e.Entity] = [3]int64{e.Deleted, e.Added, e.Changed}
	}
	if len(got) != len(wantDiffs) {
		t.Errorf("entities %v, want %v", got, wantDiffs)
	}
	for name, want := range wantDiffs {
		if got[name] != want {
			t.Errorf("%s: deleted, added, changed %v, want %v", name, got[name], want)
		}
	}
	order, err := c.Find("Sales.Order")
	if err != nil {
		t.Fatal(err)
	}
	if order.OlderRows != 600 || order.NewerRows != 599 || !order.ByID {
		t.Errorf("Sales.Order: %+v", order)
	}
	when := func(s *Source) string { return s.When().Format("Mon 2 Jan 15:04") }
	want := "Sales.Order: 3 deleted, 2 added and 5 changed between " + when(c.Older) + " and " + when(c.Newer) + "."
	if s := c.Summary(order); s != want {
		t.Errorf("summary %q\nwant %q", s, want)
	}
	if c.Older.DumpedAt.IsZero() {
		t.Error("the dump's own time was not used")
	}
	customers, _ := c.Find("Sales.Customer")
	if !slices.Equal(customers.ColumnsAdded, []string{"phone"}) || !strings.HasSuffix(c.Summary(customers), "(new attributes phone).") {
		t.Errorf("an attribute added: %+v, %q", customers, c.Summary(customers))
	}
	logs, _ := c.Find("Audit.LogLine")
	if logs.ByID || !strings.Contains(c.Summary(logs), "no id, so whole rows were compared") {
		t.Errorf("table without id: %+v, %q", logs, c.Summary(logs))
	}
	// Nothing outlives Close.
	dirs, _ := filepath.Glob(filepath.Join(tmp, "*"))
	c.Close()
	for _, dir := range dirs {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind after Close", dir)
		}
	}
}

func testCompareOne(t *testing.T, d dumps) {
	for _, name := range []string{"Sales.Order", "Sales.InvoiceWithAVeryLongName"} {
		c, err := Compare(context.Background(), source(t, d.snapshot), source(t, d.newer), CompareOptions{Entity: name})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Entities) != 1 || c.Entities[0].Entity != name {
			t.Fatalf("compare %s gave %+v", name, c.Entities)
		}
		e := c.Entities[0]
		if w := wantDiffs[name]; [3]int64{e.Deleted, e.Added, e.Changed} != w {
			t.Errorf("%s: %+v, want %v", name, e, w)
		}
		c.Close()
	}
}

func testOtherApp(t *testing.T, d dumps) {
	_, err := Compare(context.Background(), source(t, d.older), source(t, d.other), CompareOptions{})
	if !errors.Is(err, ErrDifferentApps) || !strings.Contains(err.Error(), "look like backups of different apps: they share 0 of their 4 and 3 tables") {
		t.Fatalf("error %v, want ErrDifferentApps in plain words", err)
	}
}

func testDeletedCSV(t *testing.T, d dumps) {
	c, err := Compare(context.Background(), source(t, d.older), source(t, d.newer), CompareOptions{MemoryBudget: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	csvOf := func(entity string, ch Change) [][]string {
		var buf bytes.Buffer
		n, err := c.WriteCSV(context.Background(), entity, ch, &buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		text, found := strings.CutPrefix(buf.String(), "\uFEFF")
		if !found {
			t.Fatalf("no byte order mark: %q", buf.String()[:10])
		}
		if !strings.Contains(text, "\r\n") {
			t.Errorf("lines do not end in CRLF: %q", text)
		}
		recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil {
			t.Fatalf("the CSV does not read back: %v\n%s", err, text)
		}
		if int64(len(recs)-1) != n {
			t.Errorf("%d records for %d rows written", len(recs)-1, n)
		}
		return recs
	}
	recs := csvOf("Sales.Order", Deleted)
	if !slices.Equal(recs[0], []string{"id", "number", "customer", "note", "total", "attachment", "createddate"}) {
		t.Errorf("header %q", recs[0])
	}
	var ids []string
	for _, r := range recs[1:] {
		ids = append(ids, r[0]+":"+r[3])
	}
	slices.Sort(ids)
	if want := []string{"10:order 10", "20:order 20", "30:order 30"}; !slices.Equal(ids, want) {
		t.Errorf("deleted rows %q, want %q", ids, want)
	}
	// Changed rows as they were: the formula is guarded, the bytea kept as hex, unicode intact.
	changed := csvOf("Sales.Order", Changed)
	byID := map[string][]string{}
	for _, r := range changed[1:] {
		byID[r[0]] = r
	}
	if len(byID) != 5 || byID["40"][3] != "order 40" || byID["5"][3] != "Zoë ordered 😀 ünïcode" {
		t.Errorf("changed rows %q", changed)
	}
	added := csvOf("Sales.Order", Added)
	slices.SortFunc(added[1:], func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if len(added) != 3 || added[2][0] != "1002" || added[2][4] != "-3.00" || added[2][3] != "new\ttwo" || added[2][5] != "" {
		t.Errorf("added rows %q (a negative number stays a number, NULL is empty)", added)
	}
	logs := csvOf("Audit.LogLine", Deleted)
	if len(logs) != 2 || logs[1][0] != "login" {
		t.Errorf("deleted log lines %q, want one login", logs)
	}
	// Any listed row: the rows tool writes guarded cells too.
	var buf bytes.Buffer
	cw, err := NewCSVWriter(&buf, []Column{{Name: "note"}, {Name: "attachment", Type: "bytea"}})
	if err != nil {
		t.Fatal(err)
	}
	_, rows := readAll(t, d.older, "Sales.Order", RowsOptions{Search: "HYPERLINK", KeepBinary: true})
	if err := cw.Write([]Value{rows[0][3], rows[0][5]}); err != nil {
		t.Fatal(err)
	}
	cw.Flush()
	recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][0] != `'=HYPERLINK("http://evil")` || !strings.HasPrefix(recs[1][1], `\x89504e470d0a1a0aabab`) || len(recs[1][1]) != 2+2*1008 {
		t.Errorf("guarded row %q", recs[1])
	}
}

func testCancelled(t *testing.T, d dumps) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ListEntities(ctx, source(t, d.older), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("ListEntities after cancel: %v", err)
	}
	if _, err := Compare(ctx, source(t, d.older), source(t, d.newer), CompareOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Compare after cancel: %v", err)
	}
}
