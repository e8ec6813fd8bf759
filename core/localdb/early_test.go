package localdb

import (
	"context"
	"os"
	"strings"
	"testing"

	"restoredesk/core/archive"
)

// A restore counts tables in the database while pg_restore still works on the others, so
// that the row check after it has little or nothing left to count; the counts are the
// table's whole rows, as the check after the restore counts them. With parallel jobs and
// with one pg_restore reading its input.
func TestRestoreCountsTablesWhilePgRestoreRuns(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	for _, jobs := range []int{2, 1} {
		t.Logf("%d jobs", jobs)
		p, res := restoreWithJobs(t, c, fixtureDump, map[int]string{1: "serial", 2: "parallel"}[jobs], jobs)
		if !res.Check.Complete {
			t.Fatalf("%d jobs: %s", jobs, res.Check.Summary())
		}
		// Which tables are counted early depends on the order pg_restore runs the items
		// in (one pg_restore says an item is done only when it starts the next, and a
		// parallel one runs some last items in its leader without saying): at least one.
		if len(res.early) == 0 {
			t.Fatalf("%d jobs: no table counted while pg_restore ran", jobs)
		}
		for _, r := range res.Rows {
			if n, ok := res.early[r.Schema+"."+r.Name]; ok && n != r.Rows {
				t.Errorf("%s.%s counted %d rows while pg_restore ran, the dump has %d", r.Schema, r.Name, n, r.Rows)
			}
		}
		// What the check reports is what a count after the restore finds.
		after := *res
		after.early = nil
		check, err := p.CheckRows(ctx, &after)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range check.Tables {
			if tc.DBRows != res.Check.Tables[i].DBRows {
				t.Errorf("%s: %d rows counted during the restore, %d after it", tc.Name, res.Check.Tables[i].DBRows, tc.DBRows)
			}
		}
	}
}

// A table is counted only when counting cannot hold pg_restore up, and never before its
// data is in: not while an item that takes an exclusive lock on it runs (a primary key,
// a constraint) or may still start without an index build to count beside.
func TestEarlyCountWaitsForItsDataAndExclusiveItems(t *testing.T) {
	newTable := func() (*earlyCount, *earlyTable) {
		tb := &earlyTable{schema: "public", name: "sales$invoice", lockPending: 1}
		e := &earlyCount{
			tables: map[int64]*earlyTable{215: tb},
			of:     map[int64][]*earlyTable{3350: {tb}, 3204: {tb}, 3206: {tb}},
			kind:   map[int64]itemKind{3350: itemData, 3204: itemIndex, 3206: itemLock},
			queue:  make(chan *earlyTable, 1),
		}
		return e, tb
	}
	queued := func(e *earlyCount) bool { return len(e.queue) == 1 }
	steps := []struct {
		name  string
		lines []string
		want  bool
	}{
		{"data still loading", []string{"launching item 3350 TABLE DATA sales$invoice"}, false},
		{"data in, primary key to come", []string{"finished item 3350 TABLE DATA sales$invoice"}, false},
		{"data in, primary key running", []string{"finished item 3350 TABLE DATA sales$invoice", "launching item 3206 CONSTRAINT sales$invoice sales$invoice_pkey"}, false},
		{"data in, index building", []string{"finished item 3350 TABLE DATA sales$invoice", "launching item 3204 INDEX sales$invoice_customer_idx"}, true},
		{"index building before the data is in", []string{"launching item 3204 INDEX sales$invoice_customer_idx"}, false},
		{"index built before the data is in, key to come", []string{"launching item 3204 INDEX sales$invoice_customer_idx",
			"finished item 3204 INDEX sales$invoice_customer_idx", "finished item 3350 TABLE DATA sales$invoice"}, false},
		{"data in, primary key done", []string{"finished item 3350 TABLE DATA sales$invoice", "launching item 3206 CONSTRAINT sales$invoice sales$invoice_pkey",
			"finished item 3206 CONSTRAINT sales$invoice sales$invoice_pkey"}, true},
		{"other lines and items", []string{"finished item 3350 TABLE DATA sales$invoice", "finished item 9999 CONSTRAINT x y", "creating INDEX \"public.x\"", "finished item x"}, false},
	}
	for _, s := range steps {
		e, _ := newTable()
		for _, l := range s.lines {
			e.line(l)
		}
		if got := queued(e); got != s.want {
			t.Errorf("%s: counted now %v, want %v", s.name, got, s.want)
		}
	}
}

// One pg_restore names each item as it starts it; the item before is then done. A table
// is counted while its index is built, or once its key is made, never during its data
// or its key.
func TestEarlyCountFollowsOnePgRestore(t *testing.T) {
	steps := []struct {
		name  string
		lines []string
		want  bool
	}{
		{"data loading", []string{`processing data for table "public.sales$invoice"`}, false},
		{"data in, key being made", []string{`processing data for table "public.sales$invoice"`, `creating CONSTRAINT "public.sales$invoice sales$invoice_pkey"`}, false},
		{"data in, index building", []string{`processing data for table "public.sales$invoice"`, `creating INDEX "public.sales$invoice_customer_idx"`}, true},
		{"data in, then another table's data", []string{`processing data for table "public.sales$invoice"`, `processing data for table "public.crm$customer"`}, false},
		{"key made, next item", []string{`processing data for table "public.sales$invoice"`, `creating CONSTRAINT "public.sales$invoice sales$invoice_pkey"`,
			`creating FK CONSTRAINT "public.other other_fk"`}, true},
	}
	for _, s := range steps {
		tb := &earlyTable{schema: "public", name: "sales$invoice", lockPending: 1}
		e := &earlyCount{serial: true,
			tables: map[int64]*earlyTable{215: tb},
			of:     map[int64][]*earlyTable{3350: {tb}, 3204: {tb}, 3206: {tb}},
			kind:   map[int64]itemKind{3350: itemData, 3204: itemIndex, 3206: itemLock},
			named: map[string]int64{`processing data for table "public.sales$invoice"`: 3350,
				`creating INDEX "public.sales$invoice_customer_idx"`: 3204, `creating CONSTRAINT "public.sales$invoice sales$invoice_pkey"`: 3206},
			queue: make(chan *earlyTable, 1),
		}
		for _, l := range s.lines {
			e.line(l)
		}
		if got := len(e.queue) == 1; got != s.want {
			t.Errorf("%s: counted now %v, want %v", s.name, got, s.want)
		}
	}
}

// Parallel jobs write pg_restore's messages to one output, a message's prefix and its text
// in separate writes: a line can hold two prefixes, and a text can come on the next line
// without its prefix. No message is lost: not an error, not an item the row count follows.
func TestInterleavedOutputOfParallelJobsLosesNoMessage(t *testing.T) {
	tb := &earlyTable{schema: "public", name: "sales$invoice"}
	e := &earlyCount{
		tables: map[int64]*earlyTable{215: tb},
		of:     map[int64][]*earlyTable{3350: {tb}},
		kind:   map[int64]itemKind{3350: itemData},
		queue:  make(chan *earlyTable, 1),
	}
	o := &outputReader{progress: noProgress{}, early: e}
	o.read(strings.NewReader(`pg_restore: launching item 3350 TABLE DATA sales$invoice
pg_restore: processing data for table "public.sales$invoice"
pg_restore: pg_restore: error: could not execute query: ERROR:  out of memory
launching item 3351 TABLE DATA crm$customer
pg_restore: pg_restore: finished item 3350 TABLE DATA sales$invoice
processing data for table "public.crm$customer"
pg_restore: error: COPY failed for table "crm$customer": ERROR:  boom
`))
	if len(o.errors) != 2 || !strings.Contains(o.errors[0], "out of memory") || !strings.Contains(o.errors[1], "boom") {
		t.Errorf("errors %q, want both", o.errors)
	}
	// processing, finished, processing (its text on a line of its own)
	if o.items != 3 {
		t.Errorf("%d items followed, want 3", o.items)
	}
	if len(e.queue) != 1 {
		t.Errorf("the table whose data is in was not counted: the finished item was lost")
	}
}

// The early count learns each table's items from the dump's table of contents: the
// fixture's three tables each have their data and a primary key (an item that takes an
// exclusive lock), and nothing is counted before pg_restore says anything.
func TestEarlyCountKnowsEachTablesItemsFromTheDump(t *testing.T) {
	f, err := os.Open(fixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dd, err := archive.ReadDumpData(f)
	if err != nil {
		t.Fatal(err)
	}
	e := newEarlyCount(context.Background(), &Plan{items: dd.Items()}, "test", false)
	if e == nil {
		t.Fatal("no early count for a dump whose items are known")
	}
	if counts := e.stop(); len(counts) != 0 {
		t.Fatalf("counted %v before pg_restore said anything", counts)
	}
	kinds := map[itemKind]int{}
	for _, k := range e.kind {
		kinds[k]++
	}
	if len(e.tables) != 3 || kinds[itemData] != 3 || kinds[itemLock] != 3 || kinds[itemIndex] != 0 {
		t.Fatalf("%d tables, item kinds %v; want 3 tables, 3 data items, 3 keys", len(e.tables), kinds)
	}
	for _, tb := range e.tables {
		if tb.lockPending != 1 || tb.dataDone || tb.queued {
			t.Errorf("%s: %+v, want its one key pending and nothing done", tb.name, *tb)
		}
	}
}

// A restore leaves no connection of its own to the database behind: the user can drop
// it (or restore into it again) right away.
func TestRestoreLeavesNoConnectionBehind(t *testing.T) {
	c := startCluster(t)
	for _, jobs := range []int{2, 1} {
		db := map[int]string{1: "dropserial", 2: "dropparallel"}[jobs]
		_, res := restoreWithJobs(t, c, fixtureDump, db, jobs)
		if len(res.early) == 0 {
			t.Fatalf("%d jobs: nothing counted during the restore, so its connection is not tested", jobs)
		}
		c.Exec(t, "postgres", "DROP DATABASE "+db) // fails while a session is connected to it
	}
}

// Of a table's items after its data, the index builds take no exclusive lock and every
// other item may: a table with a key, a foreign key and two indexes waits for two items.
func TestEarlyCountWaitsForEveryItemButIndexes(t *testing.T) {
	post := archive.SectionPostData
	items := []archive.TOCItem{
		{ID: 1, Desc: "TABLE", Schema: "public", Tag: "shop$order", Section: archive.SectionPreData},
		{ID: 2, Desc: "TABLE", Schema: "public", Tag: "shop$customer", Section: archive.SectionPreData},
		{ID: 3, Desc: "TABLE DATA", Schema: "public", Tag: "shop$order", Section: archive.SectionData, Deps: []int64{1}},
		{ID: 4, Desc: "INDEX", Schema: "public", Tag: "order_date_idx", Section: post, Deps: []int64{1}},
		{ID: 5, Desc: "INDEX", Schema: "public", Tag: "order_customer_idx", Section: post, Deps: []int64{1}},
		{ID: 6, Desc: "CONSTRAINT", Schema: "public", Tag: "shop$order shop$order_pkey", Section: post, Deps: []int64{1}},
		{ID: 7, Desc: "FK CONSTRAINT", Schema: "public", Tag: "shop$order order_customer_fk", Section: post, Deps: []int64{1, 2}},
		{ID: 8, Desc: "SEQUENCE OWNED BY", Schema: "public", Tag: "order_seq", Section: archive.SectionPreData, Deps: []int64{1}},
	}
	e := newEarlyCount(context.Background(), &Plan{items: items}, "test", false)
	e.stop()
	pending := map[string]int{}
	for _, tb := range e.tables {
		pending[tb.name] = tb.lockPending
	}
	if pending["shop$order"] != 2 || pending["shop$customer"] != 1 {
		t.Fatalf("items to wait for: %v; want 2 for the order (its key and foreign key), 1 for the customer (the foreign key)", pending)
	}
}
