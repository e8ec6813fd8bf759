package backupdata

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// Change is a kind of difference between the two backups' rows.
type Change int

// The kinds of change, in the order the keys files of an EntityDiff keep them.
const (
	Deleted Change = iota // only in the older backup
	Added                 // only in the newer backup
	Changed               // same id, other values
)

func (c Change) String() string { return [...]string{"deleted", "added", "changed"}[c] }

// keyWriter writes the keys of one kind of change of one entity, opening its file on the
// first key.
type keyWriter struct {
	path string
	f    *os.File
	w    *bufio.Writer
}

func (k *keyWriter) write(key uint64, times int64) error {
	if times <= 0 {
		return nil
	}
	if k.f == nil {
		f, err := os.Create(k.path)
		if err != nil {
			return fmt.Errorf("write the differing rows: %w", err)
		}
		k.f, k.w = f, bufio.NewWriterSize(f, 32<<10)
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], key)
	for ; times > 0; times-- {
		k.w.Write(b[:])
	}
	return nil
}

func (k *keyWriter) close() (string, error) {
	if k.f == nil {
		return "", nil
	}
	err := k.w.Flush()
	if cerr := k.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write the differing rows: %w", err)
	}
	return k.path, nil
}

// join walks the sorted fingerprints of one table in both backups together: a key in
// one only is a deleted or added row, a key in both with other values a changed one. A
// key's values arrive sorted, so equal rows pair up without being held; what is left of
// a key is changed (by id) or deleted and added (whole rows, or ids repeated).
func (c *Comparison) join(d *EntityDiff, idx int) error {
	p := d.plan
	a, err := openSet(p.sets[older])
	if err != nil {
		return err
	}
	defer a.close()
	b, err := openSet(p.sets[newer])
	if err != nil {
		return err
	}
	defer b.close()
	var kw [3]keyWriter
	for ch := range kw {
		kw[ch].path = filepath.Join(c.dir, fmt.Sprintf("%d-%s.keys", idx, Change(ch)))
	}
	for a.has || b.has {
		key := a.cur.key
		if !a.has || b.has && b.cur.key < key {
			key = b.cur.key
		}
		var onlyOld, onlyNew int64
		for {
			inA, inB := a.has && a.cur.key == key, b.has && b.cur.key == key
			switch {
			case inA && inB && a.cur.val == b.cur.val:
				a.advance()
				b.advance()
			case inA && (!inB || a.cur.val < b.cur.val):
				onlyOld++
				a.advance()
			case inB:
				onlyNew++
				b.advance()
			}
			if a.err != nil || b.err != nil {
				return firstErr(a.err, b.err)
			}
			if !inA && !inB {
				break
			}
		}
		var changed int64
		if p.byID {
			changed = min(onlyOld, onlyNew)
		}
		d.Deleted += onlyOld - changed
		d.Added += onlyNew - changed
		d.Changed += changed
		for ch, n := range [3]int64{onlyOld - changed, onlyNew - changed, changed} {
			if err := kw[ch].write(key, n); err != nil {
				return err
			}
		}
	}
	for ch := range kw {
		path, err := kw[ch].close()
		if err != nil {
			return err
		}
		d.keys[ch] = path
	}
	if p.sets[older] != nil {
		d.OlderRows = p.sets[older].rows
	}
	if p.sets[newer] != nil {
		d.NewerRows = p.sets[newer].rows
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// whenLayout is how a backup's time is said: "Thu 3 Dec 00:26".
const whenLayout = "Mon 2 Jan 15:04"

// Summary says in one sentence what changed in an entity between the two backups, e.g.
// "Sales.Order: 12 deleted, 40 added and 3 changed between Thu 3 Dec 00:26 and Fri 4 Dec
// 00:26".
func (c *Comparison) Summary(d EntityDiff) string {
	between := fmt.Sprintf("between %s and %s", when(c.Older.When()), when(c.Newer.When()))
	switch {
	case !d.InOlder:
		return fmt.Sprintf("%s: new, %s added %s.", d.Entity, rowsText(d.Added), between)
	case !d.InNewer:
		return fmt.Sprintf("%s: gone, %s deleted %s.", d.Entity, rowsText(d.Deleted), between)
	}
	var s string
	if !d.Differs() {
		s = fmt.Sprintf("%s: no rows deleted, added or changed %s", d.Entity, between)
	} else {
		s = fmt.Sprintf("%s: %s deleted, %s added and %s changed %s", d.Entity,
			humanize.Comma(d.Deleted), humanize.Comma(d.Added), humanize.Comma(d.Changed), between)
	}
	var notes []string
	if !d.ByID {
		notes = append(notes, "it has no id, so whole rows were compared and an edited row counts as deleted and added")
	}
	if len(d.ColumnsAdded) > 0 {
		notes = append(notes, "new attributes "+strings.Join(d.ColumnsAdded, ", "))
	}
	if len(d.ColumnsRemoved) > 0 {
		notes = append(notes, "removed attributes "+strings.Join(d.ColumnsRemoved, ", "))
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, "; ") + ")"
	}
	return s + "."
}

func when(t time.Time) string { return t.Format(whenLayout) }

func rowsText(n int64) string {
	if n == 1 {
		return "1 row"
	}
	return humanize.Comma(n) + " rows"
}
