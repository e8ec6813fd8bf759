package ui

import (
	"context"
	"fyne.io/fyne/v2"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

func (h *harness) followLooks() *lookShown {
	seen := &lookShown{}
	h.on(func() { seen.follow(h.u.k) })
	return seen
}

// tableText is what table t shows in row i, cell by cell.
func tableText(t *widget.Table, i int, cols int) []string {
	var out []string
	for c := range cols {
		cell := t.CreateCell()
		t.UpdateCell(widget.TableCellID{Row: i, Col: c}, cell)
		out = append(out, cell.(*widget.Label).Text)
	}
	return out
}

// Look inside on a cloud backup fetches its database once through the engine (a download
// run in the journal), lists its entities with their row counts, finds a row by a text
// in any column, and a second look uses the kept copy instead of downloading again.
func TestLookInsideADemoBackupListsEntitiesAndFindsARow(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.on(func() { h.u.look.cacheDir = filepath.Join(h.dir, "cache") })
	seen := h.followLooks()
	h.open("customerportal", "Test")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(button(h.u.k.win.Canvas(), "Look inside…")) })
	h.idle()
	var d *lookDialog
	h.on(func() { d = seen.look })
	if d == nil {
		t.Fatalf("Look inside did not open: %q", texts(h.u.k.win.Canvas()))
	}
	h.on(func() {
		if !shows(h.u.k.win.Canvas(), "3 entities, 10,005 rows.") {
			t.Errorf("the header does not count the entities and rows: %q", texts(h.u.k.win.Canvas()))
		}
		row := -1
		for i, e := range d.entities {
			if e.Name == "myfirstmodule.customer" {
				row = i
			}
		}
		if row < 0 {
			t.Fatalf("myfirstmodule.customer is not listed: %+v", d.entities)
		}
		if got := tableText(d.table, row, 2); got[0] != "myfirstmodule.customer" || got[1] != "2,000" {
			t.Errorf("entity row shows %q, want the name and 2,000 rows", got)
		}
		d.table.Select(widget.TableCellID{Row: row, Col: 0})
	})
	h.idle()
	h.on(func() {
		if len(d.rows.cells) != rowPageSize || !d.rows.next.Visible() || d.rows.next.Disabled() {
			t.Errorf("first page: %d rows, Next enabled %v; status %q", len(d.rows.cells), !d.rows.next.Disabled(), d.rows.status.Text)
		}
		d.rows.search.SetText("C1234@example")
		d.rows.search.OnSubmitted(d.rows.search.Text)
	})
	h.idle()
	h.on(func() {
		if len(d.rows.cells) != 1 || !strings.Contains(strings.Join(d.rows.cells[0], " "), "c1234@example.com") {
			t.Errorf("search found %q, want the one row of c1234@example.com", d.rows.cells)
		}
		if !strings.Contains(d.rows.status.Text, `Rows with "C1234@example" 1 to 1 shown, the last`) {
			t.Errorf("status %q", d.rows.status.Text)
		}
		// Escape closes it, as every dialog.
		c := h.u.k.win.Canvas()
		pressKey(c, fyne.KeyEscape)
		if n := overlays(c); n != 0 {
			t.Errorf("Escape left Look inside open (%d overlays)", n)
			d.dialog.Hide()
		}
	})
	downloads := func() int {
		n := 0
		runs, err := h.journal.List(context.Background(), journal.Filter{})
		if err != nil {
			t.Fatalf("read the journal: %v", err)
		}
		for _, r := range runs {
			if r.Kind == journal.KindDownload && r.Status == journal.StatusCompleted {
				n++
			}
		}
		return n
	}
	if n := downloads(); n != 1 {
		t.Fatalf("%d completed download runs in the journal, want the one that fetched the backup", n)
	}
	h.on(func() { seen.look = nil; test.Tap(button(h.u.k.win.Canvas(), "Look inside…")) })
	h.idle()
	h.on(func() {
		if seen.look == nil {
			t.Fatalf("the second look did not open: %q", texts(h.u.k.win.Canvas()))
		}
	})
	if n := downloads(); n != 1 {
		t.Errorf("%d download runs after the second look, want 1: the kept copy is used", n)
	}
}

// shopDumps are two pg_dump backups of one small Mendix-style app: between them orders
// 7, 8 and 9 were deleted, order 10 edited and order 101 added.
func shopDumps(t *testing.T, db string) (older, newer string) {
	t.Helper()
	c := sharedPostgres(t)
	c.CreateDatabase(t, db)
	c.Exec(t, db, `SET ROLE restorer;
CREATE TABLE "shop$order" (id bigint PRIMARY KEY, note text, total numeric(12,2));
INSERT INTO "shop$order" SELECT i, 'order ' || i, i * 1.5 FROM generate_series(1, 100) AS i;
CREATE TABLE "shop$customer" (id bigint PRIMARY KEY, name text);
INSERT INTO "shop$customer" VALUES (1, 'Ann'), (2, 'Bob');`)
	dir := t.TempDir()
	dump := func(name string) string {
		path := filepath.Join(dir, name)
		if out, err := c.Command("pg_dump", "-Fc", "-f", path, db).CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, out)
		}
		return path
	}
	older = dump("older.backup")
	c.Exec(t, db, `DELETE FROM "shop$order" WHERE id IN (7, 8, 9);
UPDATE "shop$order" SET note = 'edited' WHERE id = 10;
INSERT INTO "shop$order" VALUES (101, 'new', 1);`)
	return older, dump("newer.backup")
}

// compareFiles opens Look inside on the newer file and compares it with the older one
// through "Compare with…", as a user choosing a file would.
func (h *harness) compareFiles(seen *lookShown, newer, older string) *compareDialog {
	h.t.Helper()
	h.on(func() { h.u.look.lookInsideFile(h.u.lists.sess, newer) })
	h.idle()
	h.on(func() {
		if seen.look == nil {
			h.t.Fatalf("Look inside did not open: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(button(h.u.k.win.Canvas(), "Compare with…"))
		c := seen.chooser
		if c == nil || !c.ok.Disabled() {
			h.t.Fatal("the chooser did not open, or Compare was enabled before a choice")
		}
		c.path = older // what the file chooser hands back
		c.ok.Enable()
		test.Tap(c.ok)
	})
	h.idle()
	var d *compareDialog
	h.on(func() { d = seen.compare })
	if d == nil {
		h.t.Fatalf("the comparison did not open: %q", texts(h.u.k.win.Canvas()))
	}
	return d
}

// Compare with a file: the older of the two is found whichever was opened first, the
// entity's deleted, added and changed counts are shown, and the deleted rows are the ones
// deleted.
func TestCompareShowsTheDeletedRows(t *testing.T) {
	older, newer := shopDumps(t, "compare_ui")
	h := newHarness(t)
	h.demo()
	seen := h.followLooks()
	d := h.compareFiles(seen, newer, older)
	h.on(func() {
		if d.cmp.Older.Path != older {
			t.Errorf("older side is %s, want %s", d.cmp.Older.Path, older)
		}
		if got := tableText(d.table, 0, 4); got[0] != "shop.order" || got[1] != "3" || got[2] != "1" || got[3] != "1" {
			t.Errorf("first entity row %q, want shop.order with 3 deleted, 1 added, 1 changed", got)
		}
		if !shows(h.u.k.win.Canvas(), "1 entity with rows deleted, added or changed; 1 entity with the same rows") || !shows(h.u.k.win.Canvas(), "shop.order: 3 deleted, 1 added and 1 changed between") {
			t.Errorf("the summary is missing: %q", texts(h.u.k.win.Canvas()))
		}
		if d.kind.Selected != "Deleted" {
			t.Errorf("%q is selected, want the deleted rows first", d.kind.Selected)
		}
	})
	var ids []string
	h.on(func() {
		for _, r := range d.rows.cells {
			ids = append(ids, r[0])
		}
	})
	if strings.Join(ids, ",") != "7,8,9" {
		t.Errorf("deleted rows shown: ids %v, want 7,8,9", ids)
	}
	h.on(func() { d.kind.SetSelected("Changed") })
	h.idle()
	h.on(func() {
		if len(d.rows.cells) != 1 || d.rows.cells[0][0] != "10" || d.rows.cells[0][1] != "order 10" {
			t.Errorf("changed rows %q, want order 10 as it was", d.rows.cells)
		}
	})
}

// "Bring back missing rows…" in the comparison: the engine's plan for the database named,
// confirmed, runs as a job, and the deleted orders are back in the live database while
// the edited one stays as it is now.
func TestBringBackMissingRowsFromTheComparison(t *testing.T) {
	older, newer := shopDumps(t, "bring_ui")
	c := sharedPostgres(t)
	h := newHarness(t)
	h.demo()
	seen := h.followLooks()
	d := h.compareFiles(seen, older, newer)
	h.on(func() {
		if d.bring.Disabled() {
			t.Fatal("Bring back missing rows is disabled for shop.order, which has deleted rows")
		}
		test.Tap(d.bring)
		r := seen.rows
		if r == nil {
			t.Fatal("the dialog did not open")
		}
		r.address.SetText(c.URL("bring_ui"))
		r.password.SetText(pgtest.Password)
	})
	h.idle()
	h.on(func() {
		r := seen.rows
		if r.current == nil || r.view.ok.Disabled() {
			t.Fatalf("no plan: %q", r.status.Text)
		}
		if !strings.Contains(r.view.summary.Text, `3 rows of shop.order`) || !strings.Contains(r.view.steps.Text, "in one transaction") {
			t.Errorf("plan shows %q / %q", r.view.summary.Text, r.view.steps.Text)
		}
		test.Tap(r.view.ok)
	})
	v := h.finished(h.lastJob())
	if v.State != progress.RunCompleted {
		t.Fatalf("the job ended %v: %s", v.State, v.Message)
	}
	conn := c.Admin(t, "bring_ui")
	var got string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(id || '=' || note, ',' ORDER BY id) FROM "shop$order" WHERE id BETWEEN 6 AND 11`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "6=order 6,7=order 7,8=order 8,9=order 9,10=edited,11=order 11" {
		t.Errorf("orders now %s", got)
	}
}

// Cancel in the progress dialog ends the work's context, hides the dialog and says so;
// the work's answer is not shown as a result.
func TestLongReadCancelStopsTheWork(t *testing.T) {
	h := newHarness(t)
	done := false
	h.on(func() {
		h.u.k.inProgress(longRead{title: "Compare", text: "Comparing…", failed: "failed", cancelled: "Compare: cancelled."},
			func(ctx context.Context, _ func(restore.Event)) error {
				<-ctx.Done() // a read that only ends when cancelled
				return ctx.Err()
			}, func() { done = true })
		b := button(h.u.k.win.Canvas(), "Cancel")
		if b == nil {
			t.Fatalf("no Cancel: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(b)
	})
	h.idle()
	h.on(func() {
		if done || h.u.k.status.Text != "Compare: cancelled." || h.u.k.win.Canvas().Overlays().Top() != nil {
			t.Errorf("after Cancel: done %v, status %q, a dialog still shown %v", done, h.u.k.status.Text, h.u.k.win.Canvas().Overlays().Top() != nil)
		}
	})
}

// The row browser's Cancel stops a page being read and says so.
func TestRowBrowserCancel(t *testing.T) {
	h := newHarness(t)
	var b *rowBrowser
	h.on(func() {
		b = newRowBrowser(h.u.k, true)
		b.show("Sales.Order", func(ctx context.Context, _ string, _, _ int, _ *progress.Counter) (rowPage, error) {
			<-ctx.Done()
			return rowPage{}, ctx.Err()
		})
		if !b.stopBt.Visible() {
			t.Fatal("no Cancel while reading")
		}
		test.Tap(b.stopBt)
	})
	h.idle()
	h.on(func() {
		if b.status.Text != "Reading was cancelled." || b.stopBt.Visible() || !b.next.Disabled() {
			t.Errorf("after Cancel: status %q, Cancel shown %v, Next enabled %v", b.status.Text, b.stopBt.Visible(), !b.next.Disabled())
		}
	})
}
