package ui

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// Issue 23's scenes (look_inside.go, compare_dialog.go).
const (
	ShotLookInside = "look-inside.png" // an entity's rows, a search that finds one
	ShotCompare    = "compare.png"     // two backups compared, an entity's deleted rows
)

// lookShown holds the look-inside dialogs shown last. UI goroutine.
type lookShown struct {
	look    *lookDialog
	chooser *compareChooser
	compare *compareDialog
	rows    *rowsRestoreDialog
}

// follow records the dialogs k shows from now on, besides whoever followed them before.
func (l *lookShown) follow(k *kit) {
	k.tellToo(func(d any) {
		switch d := d.(type) {
		case *lookDialog:
			l.look = d
		case *compareChooser:
			l.chooser = d
		case *compareDialog:
			l.compare = d
		case *rowsRestoreDialog:
			l.rows = d
		}
	})
}

// tellToo tells fn of each dialog shown from now on, besides whoever is told already.
func (k *kit) tellToo(fn func(shown any)) {
	prev := k.seen
	k.seen = func(d any) {
		fn(d)
		if prev != nil {
			prev(d)
		}
	}
}

// lookScenes look inside a backup of the environment shown (fetched into a throwaway
// cache), find a customer by a text, and compare the backup with a newer one: the file
// RESTOREDESK_TOUR_NEWER names (scripts/screenshots.sh dumps the demo data with rows
// deleted, added and changed), else another backup of the environment.
func (t *tour) lookScenes(look *looker) {
	cache, err := os.MkdirTemp("", "restoredesk-tour-cache-")
	if err != nil {
		t.err = err
		return
	}
	defer os.RemoveAll(cache)
	seen := &lookShown{}
	t.on(func() {
		seen.follow(t.k)
		look.cacheDir = filepath.Join(cache, "look-inside")
		for i := 0; i < t.lists.backups.list.len(); i++ {
			if s := t.lists.backups.list.at(i).snap; restore.Restorable(s) && cloud.KindOf(s) == cloud.KindNightly {
				t.lists.backups.table.Select(widget.TableCellID{Row: i})
				break
			}
		}
		look.lookInsideSelected()
	})
	t.wait("Look inside", func() bool { return seen.look != nil })
	t.on(func() {
		d := seen.look
		for i, e := range d.entities {
			if e.Table == "myfirstmodule$customer" {
				d.table.Select(widget.TableCellID{Row: i})
			}
		}
	})
	t.wait("the customers", func() bool { return seen.look.rows.cancel == nil && len(seen.look.rows.cells) > 0 })
	t.on(func() { seen.look.rows.search.SetText("c1234@"); seen.look.rows.read(0) })
	t.wait("the customer found", func() bool { return seen.look.rows.cancel == nil && len(seen.look.rows.cells) == 1 })
	t.shoot(ShotLookInside)

	newer := os.Getenv("RESTOREDESK_TOUR_NEWER")
	t.on(func() {
		c := look.compareWith(seen.look.p, seen.look.list.Source)
		if newer != "" {
			c.path = newer
		} else if len(c.snaps) > 0 {
			c.others.SetSelectedIndex(0)
		}
		c.ok.OnTapped()
	})
	t.wait("the comparison", func() bool {
		return seen.compare != nil && seen.compare.cur != nil && seen.compare.rows.cancel == nil && seen.compare.rows.load != nil
	})
	t.shoot(ShotCompare)
	t.on(func() {
		seen.compare.dialog.Hide()
		seen.look.dialog.Hide()
	})
}
