package localdb

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"restoredesk/core/archive"
)

// earlyCount counts tables' rows in the database while pg_restore still works, so that
// the row check after it has little or nothing left to count. A table is counted once
// its data is in, and only while counting it cannot hold pg_restore up: a count reads the
// table under a lock that only an exclusive lock waits for, which the items that alter a
// table take (a primary key, a constraint, a trigger) and an index build does not.
// pg_restore never runs such an item beside another item on the same table, so a table is
// counted while one of its indexes is built, or once every such item of it is done. The
// count is the same as after the restore: nothing after a table's data changes its rows.
// A count that fails is left to the row check.
//
// pg_restore's --verbose output says which item runs: with parallel jobs "launching
// item N …" and "finished item N …"; one pg_restore names each item as it starts it
// ("processing data for table "public.x"", "creating INDEX "public.x_idx""), the one
// before it being done.
type earlyCount struct {
	ctx    context.Context
	plan   *Plan
	app    string
	serial bool

	mu      sync.Mutex
	tables  map[int64]*earlyTable   // TABLE item ID → its state
	of      map[int64][]*earlyTable // item ID → the tables whose state it changes
	kind    map[int64]itemKind
	named   map[string]int64 // how one pg_restore names an item it starts → its ID
	current int64            // the item one pg_restore runs (0: none followed)
	queue   chan *earlyTable
	counts  map[string]int64 // "schema.name" → rows counted
	wg      sync.WaitGroup
}

type itemKind int

const (
	itemData  itemKind = iota // the table's data
	itemIndex                 // an index build: no exclusive lock
	itemLock                  // anything else after the data: may take an exclusive lock
)

type earlyTable struct {
	schema, name string
	dataDone     bool
	lockPending  int // items with an exclusive lock not finished yet
	lockRunning  int
	indexRunning int
	queued       bool
}

// newEarlyCount follows the restore of p's dump by pg_restore, with parallel jobs or
// one pg_restore (serial); nil when the dump's items are not known.
func newEarlyCount(ctx context.Context, p *Plan, app string, serial bool) *earlyCount {
	e := &earlyCount{ctx: ctx, plan: p, app: app, serial: serial, tables: map[int64]*earlyTable{},
		of: map[int64][]*earlyTable{}, kind: map[int64]itemKind{}, named: map[string]int64{}, counts: map[string]int64{}}
	for _, it := range p.items {
		if it.Desc == "TABLE" {
			e.tables[it.ID] = &earlyTable{schema: it.Schema, name: it.Tag}
		}
	}
	for _, it := range p.items {
		var k itemKind
		switch {
		case it.Desc == "TABLE DATA":
			k = itemData
		case it.Section != archive.SectionPostData:
			continue
		case it.Desc == "INDEX":
			k = itemIndex
		default:
			k = itemLock
		}
		for _, dep := range it.Deps {
			if t := e.tables[dep]; t != nil {
				e.of[it.ID] = append(e.of[it.ID], t)
				if k == itemLock {
					t.lockPending++
				}
			}
		}
		if len(e.of[it.ID]) > 0 {
			e.kind[it.ID] = k
			e.named[startedName(it)] = it.ID
		}
	}
	if len(e.of) == 0 {
		return nil
	}
	e.queue = make(chan *earlyTable, len(e.tables))
	e.wg.Go(e.count)
	return e
}

// startedName is how one pg_restore names item it when it starts it.
func startedName(it archive.TOCItem) string {
	name := it.Tag
	if it.Schema != "" {
		name = it.Schema + "." + it.Tag
	}
	if it.Desc == "TABLE DATA" {
		return `processing data for table "` + name + `"`
	}
	return "creating " + it.Desc + ` "` + name + `"`
}

// line follows pg_restore's --verbose line msg.
func (e *earlyCount) line(msg string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.serial {
		if !startsItem(msg) {
			return
		}
		if e.current != 0 {
			e.item(e.current, false)
		}
		e.current = e.named[msg]
		if e.current != 0 {
			e.item(e.current, true)
		}
		return
	}
	rest, launched := strings.CutPrefix(msg, "launching item ")
	if !launched {
		var ok bool
		if rest, ok = strings.CutPrefix(msg, "finished item "); !ok {
			return
		}
	}
	idText, _, _ := strings.Cut(rest, " ")
	if id, err := strconv.ParseInt(idText, 10, 64); err == nil {
		e.item(id, launched)
	}
}

// item is item id started (launched) or finished; a table it makes countable is queued.
func (e *earlyCount) item(id int64, launched bool) {
	k, known := e.kind[id]
	if !known {
		return
	}
	for _, t := range e.of[id] {
		switch {
		case k == itemData && !launched:
			t.dataDone = true
		case k == itemIndex && launched:
			t.indexRunning++
		case k == itemIndex:
			t.indexRunning--
		case k == itemLock && launched:
			t.lockRunning++
		case k == itemLock:
			t.lockRunning--
			t.lockPending--
		}
		if !t.queued && t.dataDone && t.lockRunning == 0 && (t.indexRunning > 0 || t.lockPending == 0) {
			t.queued = true
			e.queue <- t
		}
	}
}

// count counts the queued tables on one connection, named as pg_restore's sessions so
// that the lock watch never takes it for another session.
func (e *earlyCount) count() {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	ctx := e.ctx
	for t := range e.queue {
		if conn == nil {
			c, err := e.plan.Target.connect(ctx, e.plan.Target.Database)
			if err != nil {
				continue
			}
			conn = c
			if _, err := conn.Exec(ctx, "SELECT pg_catalog.set_config('application_name', $1, false)", e.app); err != nil {
				conn.Close(context.Background())
				conn = nil
				continue
			}
		}
		n, missing, err := countTable(ctx, conn, t.schema, t.name)
		if err == nil && !missing {
			e.mu.Lock()
			e.counts[t.schema+"."+t.name] = n
			e.mu.Unlock()
		}
	}
}

// stop ends the counting once pg_restore has ended, and returns what was counted.
func (e *earlyCount) stop() map[string]int64 {
	if e == nil {
		return nil
	}
	close(e.queue)
	e.wg.Wait()
	return e.counts
}
