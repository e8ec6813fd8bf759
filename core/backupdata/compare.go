package backupdata

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"restoredesk/core/archive"
	"restoredesk/core/explain"
	"restoredesk/core/progress"
)

// DefaultMemoryBudget is the memory Compare gives the rows' fingerprints of both backups
// together: 4 million rows (16 bytes each) before any is written to a temporary file.
const DefaultMemoryBudget = 64 << 20

// ErrDifferentApps: the two backups share too few tables to be backups of one app.
var ErrDifferentApps = errors.New("the backups are of different apps")

// CompareOptions narrows and follows a comparison.
type CompareOptions struct {
	// Entity compares only this entity (name or table); "" compares them all.
	Entity string
	// MemoryBudget bounds the fingerprints held in memory, in bytes (see the package doc);
	// 0 means DefaultMemoryBudget.
	MemoryBudget int64
	// TempDir is where fingerprints beyond the budget and the lists of differing rows are
	// kept until Close; "" means the system's temporary folder.
	TempDir string
	// Read, if not nil, counts the bytes read of both files (its total is both sizes).
	Read *progress.Counter
}

// EntityDiff is how one entity's rows differ between the older and the newer backup.
type EntityDiff struct {
	Entity string `json:"entity"`
	Table  string `json:"table"`
	Schema string `json:"schema"`
	System bool   `json:"system"`
	// Deleted rows are only in the older backup, Added only in the newer; Changed rows
	// have the same id in both and other values.
	Deleted int64 `json:"deleted"`
	Added   int64 `json:"added"`
	Changed int64 `json:"changed"`
	// OlderRows and NewerRows are the entity's rows in each backup.
	OlderRows int64 `json:"older_rows"`
	NewerRows int64 `json:"newer_rows"`
	// ByID is false for a table without an id column: its rows are compared whole, as a
	// multiset, so an edited row counts as one deleted and one added, never as changed.
	ByID bool `json:"by_id"`
	// InOlder and InNewer say which backups have the table at all.
	InOlder bool `json:"in_older"`
	InNewer bool `json:"in_newer"`
	// ColumnsAdded and ColumnsRemoved are the columns (attributes) only the newer or only
	// the older backup has; rows are then compared on the columns both have.
	ColumnsAdded   []string `json:"columns_added,omitempty"`
	ColumnsRemoved []string `json:"columns_removed,omitempty"`

	plan *tablePlan
	keys [3]string // files of the keys of the deleted, added and changed rows
}

// Differs reports any deleted, added or changed row.
func (d EntityDiff) Differs() bool { return d.Deleted+d.Added+d.Changed > 0 }

// Comparison is what Compare found. Close removes its temporary files.
type Comparison struct {
	Older, Newer *Source
	Entities     []EntityDiff
	// SharedTables and the two table counts (the app's own tables) are what the check that
	// both backups are of one app looked at.
	SharedTables, OlderTables, NewerTables int

	dir    string
	budget int64
}

// Close removes the temporary files.
func (c *Comparison) Close() error { return os.RemoveAll(c.dir) }

// Find returns the comparison of one entity (name or table, any case).
func (c *Comparison) Find(name string) (EntityDiff, error) {
	for _, d := range c.Entities {
		if strings.EqualFold(d.Entity, name) || strings.EqualFold(d.Table, name) || strings.EqualFold(d.Schema+"."+d.Table, name) {
			return d, nil
		}
	}
	return EntityDiff{}, explain.NewMistake(fmt.Sprintf("Neither backup has an entity or table named %q.", name),
		"List a backup's entities to see their names, e.g. Sales.Order.", nil)
}

// side numbers.
const (
	older = 0
	newer = 1
)

// tablePlan says how one table's rows are fingerprinted in each backup.
type tablePlan struct {
	schema, table string
	cols          [2][]Column // nil when the backup lacks the table
	idCol         [2]int      // index of the id column, -1 without
	common        [2][]int    // columns hashed, in one order for both; nil: the whole row
	byID          bool
	sets          [2]*fpSet
}

// fingerprint is the key and value of one row of side s.
func (p *tablePlan) fingerprint(s int, lr *lineReader, line []byte, fields *[][]byte) (fp, error) {
	need := p.common[s] != nil || (p.byID && p.idCol[s] > 0)
	if need {
		*fields = splitFields((*fields)[:0], line)
		if len(*fields) != len(p.cols[s]) {
			return fp{}, fmt.Errorf("%w: a row of %s has %d values for %d columns", ErrDamaged, p.table, len(*fields), len(p.cols[s]))
		}
	}
	var sum uint64
	if p.common[s] == nil {
		sum = lr.sum(line)
	} else {
		var h maphash.Hash
		h.SetSeed(seed)
		for _, i := range p.common[s] {
			h.Write((*fields)[i])
			h.WriteByte('\t')
		}
		sum = h.Sum64()
	}
	if !p.byID {
		return fp{key: sum}, nil
	}
	var id []byte
	if p.idCol[s] == 0 {
		id = line
		if i := firstField(line); i >= 0 {
			id = line[:i]
		}
	} else {
		id = (*fields)[p.idCol[s]]
	}
	return fp{key: idKey(id), val: sum}, nil
}

// firstField is the index of the tab that ends the first field, -1 for a single field.
func firstField(line []byte) int {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '\t':
			return i
		}
	}
	return -1
}

// idKey is the key of an id: a plain integer (Mendix ids are bigint) is itself, kept in
// order; any other text is hashed.
func idKey(raw []byte) uint64 {
	if n, ok := plainInt(raw); ok {
		return uint64(n) ^ 1<<63
	}
	return maphash.Bytes(seed, raw)
}

// plainInt parses a decimal integer written without a plus sign or leading zeros, so that
// two texts give one key only when they are the same text.
func plainInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 || (b[0] == '0' && (len(b) > 1 || neg)) {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// plans builds a plan per table of either backup, keyed by schema.table.
func plans(dds [2]*archive.DumpData) (map[string]*tablePlan, []string, error) {
	byName := map[string]*tablePlan{}
	var order []string
	for s, dd := range dds {
		for _, td := range dd.Tables() {
			k := td.Schema + "." + td.Name
			p := byName[k]
			if p == nil {
				p = &tablePlan{schema: td.Schema, table: td.Name, idCol: [2]int{-1, -1}}
				byName[k] = p
				order = append(order, k)
			}
			cols, err := tableColumns(td.Copy, td.Definition)
			if err != nil {
				return nil, nil, err
			}
			p.cols[s] = cols
			p.idCol[s] = slices.IndexFunc(cols, func(c Column) bool { return c.Name == "id" })
		}
	}
	for _, p := range byName {
		p.byID = (p.cols[older] == nil || p.idCol[older] >= 0) && (p.cols[newer] == nil || p.idCol[newer] >= 0)
		if p.cols[older] == nil || p.cols[newer] == nil || sameNames(p.cols[older], p.cols[newer]) {
			continue
		}
		// Compare on the columns both have, in the older backup's order.
		for i, c := range p.cols[older] {
			j := slices.IndexFunc(p.cols[newer], func(n Column) bool { return n.Name == c.Name })
			if j >= 0 {
				p.common[older] = append(p.common[older], i)
				p.common[newer] = append(p.common[newer], j)
			}
		}
		if p.common[older] == nil { // nothing in common: every row differs
			p.common = [2][]int{{}, {}}
		}
	}
	return byName, order, nil
}

func sameNames(a, b []Column) bool {
	return slices.EqualFunc(a, b, func(x, y Column) bool { return x.Name == y.Name })
}

// Compare reads both backups once, side by side, and says per entity which rows were
// deleted, added and changed between them. It refuses two backups that share too few
// of their tables to be of one app (ErrDifferentApps, as an explain.Mistake).
func Compare(ctx context.Context, olderSrc, newerSrc *Source, opt CompareOptions) (*Comparison, error) {
	budget := opt.MemoryBudget
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	if opt.Read != nil {
		opt.Read.SetTotal(olderSrc.Size + newerSrc.Size)
	}
	dir, err := os.MkdirTemp(opt.TempDir, "restoredesk-compare-")
	if err != nil {
		return nil, fmt.Errorf("compare backups: %w", err)
	}
	c := &Comparison{Older: olderSrc, Newer: newerSrc, dir: dir, budget: budget}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	srcs := [2]*Source{olderSrc, newerSrc}
	var dds [2]*archive.DumpData
	for s, src := range srcs {
		dd, f, err := src.dump(ctx, opt.Read)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		dds[s] = dd
	}
	tables, order, err := plans(dds)
	if err != nil {
		return nil, olderSrc.readError(ctx, err)
	}
	if err := c.sameApp(tables); err != nil {
		return nil, err
	}
	only := ""
	if opt.Entity != "" {
		if e, err := findEntity(plainEntities(tables, order), opt.Entity); err == nil {
			only = e.Schema + "." + e.Table
		}
	}

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var names [2]namer
	var errs [2]error
	var wg sync.WaitGroup
	for s := range srcs {
		col := newCollector(dir, [2]string{"older", "newer"}[s], budget/2)
		names[s] = namer{}
		wg.Go(func() {
			errs[s] = readSide(ctx, s, dds[s], tables, only, col, names[s])
			if errs[s] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return nil, fmt.Errorf("compare backups: %w", err)
	}
	for s, err := range errs { // a side stopped because the other failed says Canceled
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, srcs[s].readError(parent, err)
		}
	}

	nm := names[newer]
	for t, e := range names[older] {
		if _, has := nm[t]; !has {
			nm[t] = e
		}
	}
	for _, k := range order {
		p := tables[k]
		if only != "" && k != only {
			continue
		}
		e := nm.entity(p.schema, p.table)
		d := EntityDiff{Entity: e.Name, Table: p.table, Schema: p.schema, System: e.System, ByID: p.byID,
			InOlder: p.cols[older] != nil, InNewer: p.cols[newer] != nil, plan: p}
		if d.InOlder && d.InNewer {
			d.ColumnsAdded = missingFrom(p.cols[newer], p.cols[older])
			d.ColumnsRemoved = missingFrom(p.cols[older], p.cols[newer])
		}
		if err := c.join(&d, len(c.Entities)); err != nil {
			return nil, err
		}
		c.Entities = append(c.Entities, d)
	}
	if opt.Entity != "" && only == "" {
		d, err := c.Find(opt.Entity)
		if err != nil {
			return nil, err
		}
		c.Entities = []EntityDiff{d}
	}
	slices.SortStableFunc(c.Entities, func(a, b EntityDiff) int {
		if a.System != b.System {
			if a.System {
				return 1
			}
			return -1
		}
		return strings.Compare(strings.ToLower(a.Entity), strings.ToLower(b.Entity))
	})
	ok = true
	return c, nil
}

func missingFrom(have, other []Column) []string {
	var out []string
	for _, c := range have {
		if !slices.ContainsFunc(other, func(o Column) bool { return o.Name == c.Name }) {
			out = append(out, c.Name)
		}
	}
	return out
}

func plainEntities(tables map[string]*tablePlan, order []string) []Entity {
	es := make([]Entity, 0, len(order))
	for _, k := range order {
		es = append(es, namer{}.entity(tables[k].schema, tables[k].table))
	}
	return es
}

// sameApp refuses backups whose own tables barely overlap: fewer than half of the smaller
// backup's tables in the other one.
func (c *Comparison) sameApp(tables map[string]*tablePlan) error {
	for _, p := range tables {
		if (namer{}).entity(p.schema, p.table).System {
			continue
		}
		if p.cols[older] != nil {
			c.OlderTables++
		}
		if p.cols[newer] != nil {
			c.NewerTables++
		}
		if p.cols[older] != nil && p.cols[newer] != nil {
			c.SharedTables++
		}
	}
	if smaller := min(c.OlderTables, c.NewerTables); smaller > 0 && c.SharedTables*2 < smaller {
		return explain.NewMistake(
			fmt.Sprintf("%s and %s look like backups of different apps: they share %d of their %d and %d tables.",
				c.Older.Name(), c.Newer.Name(), c.SharedTables, c.OlderTables, c.NewerTables),
			"Compare two backups of the same app and environment.", ErrDifferentApps)
	}
	return nil
}

// readSide fingerprints every planned table of one backup, and reads the entity names on
// the way.
func readSide(ctx context.Context, s int, dd *archive.DumpData, tables map[string]*tablePlan, only string, col *collector, names namer) error {
	var fields [][]byte
	for {
		td, r, err := dd.Next()
		if err == io.EOF {
			col.finish()
			return nil
		}
		if err != nil {
			return err
		}
		k := td.Schema + "." + td.Name
		p := tables[k]
		wanted := only == "" || k == only
		if !wanted && td.Name != entityTable {
			continue
		}
		set := col.newSet()
		p.sets[s] = set
		lr := newLineReader(r)
		for {
			line, err := lr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if set.rows++; set.rows%8192 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if td.Name == entityTable {
				fields = splitFields(fields[:0], line)
				names.learn(p.cols[s], fields)
			}
			if !wanted {
				continue
			}
			f, err := p.fingerprint(s, lr, line, &fields)
			if err != nil {
				return err
			}
			if err := col.add(set, f); err != nil {
				return err
			}
		}
	}
}
