package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"restoredesk/core/backupdata"
	"restoredesk/core/cloud"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// compareSelected is "Compare with…" on the selected backup. UI goroutine.
func (l *looker) compareSelected() {
	if p, ok := l.selected(); ok {
		l.compareWith(p, nil)
	}
}

// compareChooser asks what to compare a backup with: another completed backup of the
// environment shown, or a backup file of this computer.
type compareChooser struct {
	dialog *dialog.CustomDialog
	others *widget.Select
	snaps  []cloud.Snapshot // the others' backups, in the select's order
	file   *widget.Label
	path   string
	ok     *widget.Button
}

// compareWith asks what to compare p with (src is p's file when it is open already), then
// compares. UI goroutine.
func (l *looker) compareWith(p picked, src *backupdata.Source) *compareChooser {
	c := &compareChooser{file: wrapped("")}
	var labels []string
	if b := l.lists; b.curApp != nil && b.curEnv != nil {
		for _, r := range b.backups.list.rows {
			s := r.snap
			if s.State != cloud.StateCompleted || (p.snap != nil && s.SnapshotID == p.snap.SnapshotID) {
				continue
			}
			c.snaps = append(c.snaps, s)
			labels = append(labels, fmt.Sprintf("%s backup of %s", cloud.KindOf(s).Label(), exactTime(s.CreatedAt)))
		}
	}
	c.ok = widget.NewButtonWithIcon("Compare", theme.ListIcon(), func() {
		other, ok := c.chosen(l, p)
		if !ok {
			return
		}
		c.dialog.Hide()
		l.compare(p, src, other)
	})
	c.ok.Importance = widget.HighImportance
	c.ok.Disable()
	c.others = widget.NewSelect(labels, func(string) { c.path = ""; c.file.SetText(""); c.ok.Enable() })
	c.others.PlaceHolder = "Another backup of this environment"
	if len(labels) == 0 {
		c.others.PlaceHolder = "No other completed backup of this environment is listed"
		c.others.Disable()
	}
	choose := widget.NewButtonWithIcon("Choose a backup file…", theme.FolderOpenIcon(), func() {
		l.chooseFile(func(path string) {
			c.path = path
			c.others.ClearSelected()
			c.file.SetText("File: " + path)
			c.ok.Enable()
		})
	})
	body := container.NewVBox(
		boldWrapped("Compare "+p.label()+" with:"), c.others,
		wrapped("or a backup file of the same app on this computer (.backup or .tar.gz):"), choose, c.file,
		wrapped("The older of the two is compared with the newer: rows only in the older were deleted since, rows only in the newer were added, and rows with the same id and other values were changed."))
	cancel := widget.NewButton("Cancel", func() { c.dialog.Hide() })
	c.dialog = dialog.NewCustomWithoutButtons("Compare with…", body, l.k.win)
	c.dialog.SetButtons([]fyne.CanvasObject{cancel, c.ok})
	c.dialog.Resize(fyne.NewSize(620, 0))
	c.dialog.Show()
	l.k.shown(c)
	return c
}

// chosen is what the user chose to compare p with.
func (c *compareChooser) chosen(l *looker, p picked) (picked, bool) {
	if c.path != "" {
		return picked{s: p.s, file: c.path}, true
	}
	i := c.others.SelectedIndex()
	if i < 0 || i >= len(c.snaps) || l.lists.curApp == nil || l.lists.curEnv == nil {
		return picked{}, false
	}
	snap := c.snaps[i]
	return picked{s: l.lists.sess, target: restore.Target{App: l.lists.curApp.App, Env: *l.lists.curEnv}, snap: &snap}, true
}

// chooseFile opens Fyne's file chooser for a backup file. UI goroutine.
func (l *looker) chooseFile(then func(path string)) {
	l.k.chooseBackup("Choose a backup file (.backup or .tar.gz)", l.chooserDir, then)
}

// compare brings both files (srcA may be open already), orders them by when they were
// made and compares them with progress and Cancel, then shows the result. UI goroutine.
func (l *looker) compare(a picked, srcA *backupdata.Source, b picked) {
	withA := func(srcA *backupdata.Source) {
		l.source(b, func(srcB *backupdata.Source) {
			l.runCompare(map[*backupdata.Source]picked{srcA: a, srcB: b}, srcA, srcB)
		})
	}
	if srcA != nil {
		withA(srcA)
		return
	}
	l.source(a, withA)
}

// runCompare compares the two sources in the background. UI goroutine.
func (l *looker) runCompare(names map[*backupdata.Source]picked, a, b *backupdata.Source) {
	var older, newer *backupdata.Source
	var cmp *backupdata.Comparison
	l.k.inProgress(longRead{title: "Compare", text: "Comparing every entity's rows of both backups…",
		failed: "The backups could not be compared", cancelled: "Compare: cancelled."},
		func(ctx context.Context, events func(restore.Event)) (err error) {
			read := bytesRead(events, a.Size+b.Size)
			if older, newer, err = backupdata.Ordered(ctx, a, b); err == nil {
				cmp, err = backupdata.Compare(ctx, older, newer, backupdata.CompareOptions{Read: read})
			}
			return err
		}, func() { l.showComparison(names[older], names[newer], cmp) })
}

// compareDialog shows per entity how many rows were deleted, added and changed between
// two backups, and pages through the rows of each kind of change.
type compareDialog struct {
	l      *looker
	older  picked
	cmp    *backupdata.Comparison
	diffs  []backupdata.EntityDiff // the entities that differ first
	table  *widget.Table
	detail *widget.Label
	kind   *widget.RadioGroup
	rows   *rowBrowser
	bring  *widget.Button
	inUse  sync.WaitGroup // runs that read cmp: its files stay until they end
	dialog *dialog.CustomDialog
	cur    *backupdata.EntityDiff
	change backupdata.Change
}

// changeLabels name the kinds of change, in backupdata.Change order.
var changeLabels = [...]string{"Deleted", "Added", "Changed"}

// showComparison shows cmp, whose temporary files are removed when the dialog closes.
// UI goroutine.
func (l *looker) showComparison(older, newer picked, cmp *backupdata.Comparison) *compareDialog {
	d := &compareDialog{l: l, older: older, cmp: cmp}
	same := 0
	for _, e := range cmp.Entities {
		if e.Differs() {
			d.diffs = append(d.diffs, e)
		}
	}
	for _, e := range cmp.Entities {
		if !e.Differs() {
			d.diffs = append(d.diffs, e)
			same++
		}
	}
	d.table = textTable(len(d.diffs), []float32{200, 72, 72, 72}, func(i int) []string {
		e := d.diffs[i]
		return []string{e.Entity, humanize.Comma(e.Deleted), humanize.Comma(e.Added), humanize.Comma(e.Changed)}
	})
	d.table.ShowHeaderRow = true
	d.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	d.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < 4 {
			o.(*widget.Label).SetText([]string{"Entity", "Deleted", "Added", "Changed"}[id.Col])
		}
	}
	d.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(d.diffs) {
			d.open(d.diffs[id.Row])
		}
	}
	d.detail = wrapped("Choose an entity to see its rows.")
	d.kind = widget.NewRadioGroup(changeLabels[:], func(s string) {
		if i := slices.Index(changeLabels[:], s); i >= 0 && d.cur != nil {
			d.showRows(backupdata.Change(i))
		}
	})
	d.kind.Horizontal = true
	d.kind.Required = true
	d.rows = newRowBrowser(l.k, false)
	d.rows.export = d.exportCSV
	d.bring = widget.NewButtonWithIcon("Bring back missing rows…", theme.ContentUndoIcon(), d.bringBack)
	d.bring.Disable()
	differ := len(cmp.Entities) - same
	head := boldWrapped(fmt.Sprintf("Older: %s. Newer: %s. %s with rows deleted, added or changed; %s with the same rows in both.",
		whenNamed(older, cmp.Older), whenNamed(newer, cmp.Newer), entitiesText(differ), entitiesText(same)))
	right := container.NewBorder(container.NewVBox(d.detail, d.kind), nil, nil, nil, d.rows.content())
	d.dialog = showTableDialog(l.k, "Compare", head, d.table, right, 0.42, fyne.NewSize(1100, 660), d.bring)
	d.dialog.SetOnClosed(func() {
		d.rows.stop()
		l.k.background(func(context.Context) {
			d.inUse.Wait() // a run bringing rows back still reads them
			if err := cmp.Close(); err != nil {
				l.k.log.Warn("remove the comparison's temporary files", "err", err)
			}
		})
	})
	l.k.shown(d)
	return d
}

// open shows entity e's changes, the deleted rows first when there are any. UI goroutine.
func (d *compareDialog) open(e backupdata.EntityDiff) {
	d.cur = &e
	d.detail.SetText(d.cmp.Summary(e))
	if e.Deleted > 0 {
		d.bring.Enable()
	} else {
		d.bring.Disable()
	}
	first := backupdata.Deleted
	for _, ch := range []backupdata.Change{backupdata.Deleted, backupdata.Added, backupdata.Changed} {
		if [3]int64{e.Deleted, e.Added, e.Changed}[ch] > 0 {
			first = ch
			break
		}
	}
	if d.kind.Selected == changeLabels[first] {
		d.showRows(first)
		return
	}
	d.kind.SetSelected(changeLabels[first]) // shows the rows through OnChanged
}

// showRows pages through the current entity's rows of change ch. UI goroutine.
func (d *compareDialog) showRows(ch backupdata.Change) {
	e, cmp := *d.cur, d.cmp
	d.change = ch
	n := [3]int64{e.Deleted, e.Added, e.Changed}[ch]
	title := fmt.Sprintf("%s: %s %s rows", e.Entity, humanize.Comma(n), ch)
	if ch != backupdata.Added {
		title += ", as the older backup holds them"
	}
	d.rows.show(title, func(ctx context.Context, _ string, offset, limit int, read *progress.Counter) (rowPage, error) {
		cols, err := cmp.Columns(e.Entity, ch)
		if err != nil {
			return rowPage{}, err
		}
		page := rowPage{cols: cols}
		i := 0
		_, err = cmp.EachRow(ctx, e.Entity, ch, read, func(row []backupdata.Value) error {
			if i >= offset+limit {
				page.more = true
				return backupdata.ErrStop
			}
			if i >= offset {
				page.rows = append(page.rows, slices.Clone(row))
			}
			i++
			return nil
		})
		return page, err
	})
}

// exportCSV writes the rows shown (the current entity's change) to a CSV file. UI goroutine.
func (d *compareDialog) exportCSV() {
	if d.cur == nil {
		return
	}
	e, ch, cmp := *d.cur, d.change, d.cmp
	d.l.saveCSV(backupdata.FileName(e.Entity)+"-"+ch.String()+".csv", func(ctx context.Context, w fyne.URIWriteCloser, read *progress.Counter) (int64, error) {
		return cmp.WriteCSV(ctx, e.Entity, ch, w, read)
	})
}

// bringBack offers to insert the current entity's deleted rows into a local database.
// UI goroutine.
func (d *compareDialog) bringBack() {
	if d.cur != nil {
		d.l.showRowsRestore(d.older.s, d.cmp, d.cur.Entity, &d.inUse)
	}
}

// whenNamed names a compared backup: a cloud backup by its label (which holds its time),
// a file by its name and when it was made.
func whenNamed(p picked, src *backupdata.Source) string {
	if p.snap != nil {
		return p.label()
	}
	return p.label() + ", made " + exactTime(src.When())
}
