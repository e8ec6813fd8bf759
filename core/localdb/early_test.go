package localdb

import (
	"context"
	"testing"
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
		db := map[int]string{1: "serial", 2: "parallel"}[jobs]
		p, err := MakePlan(ctx, Options{Source: fixtureDump, Target: target(c, db), Create: true})
		if err != nil {
			t.Fatal(err)
		}
		p.Jobs = jobs
		res, err := p.Run(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Check.Complete {
			t.Fatalf("%d jobs: %s", jobs, res.Check.Summary())
		}
		// One pg_restore says an item is done when it starts the next: the table it
		// restores last is counted after it.
		if counted := len(res.early); jobs == 2 && counted != len(res.Rows) || jobs == 1 && counted != len(res.Rows)-1 {
			t.Fatalf("%d jobs: %d of %d tables counted while pg_restore ran: %v", jobs, len(res.early), len(res.Rows), res.early)
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
