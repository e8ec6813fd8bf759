package ui

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/backupdata"
	"restoredesk/core/explain"
	"restoredesk/core/progress"
	"restoredesk/core/wording"
)

// rowPageSize is how many rows a page of the row browser shows.
const rowPageSize = 50

// rowPage is one page of rows read from a backup.
type rowPage struct {
	cols []backupdata.Column
	rows [][]backupdata.Value
	more bool // rows follow this page
}

// rowLoader reads the page of rows at offset (those holding search, when the browser has a
// search), counting the file's bytes read into read. Background.
type rowLoader func(ctx context.Context, search string, offset, limit int, read *progress.Counter) (rowPage, error)

// rowBrowser pages through rows read straight from a backup: a table with the columns,
// Previous and Next, a search when its rows can be searched, and Export. Each page is
// read in the background with its progress shown and a Cancel; a new page or search
// cancels the read under way.
type rowBrowser struct {
	k      *kit
	title  *widget.Label
	search *widget.Entry
	table  *widget.Table
	status *widget.Label
	prev   *widget.Button
	next   *widget.Button
	stopBt *widget.Button
	exptBt *widget.Button
	export func() // the Export button's work; nil hides it

	load   rowLoader
	page   rowPage
	cells  [][]string // the page's values as shown
	offset int
	cancel context.CancelFunc // of the read under way, nil when none
	gen    int                // bumped by every read; an older read's answer is dropped
}

func newRowBrowser(k *kit, searchable bool) *rowBrowser {
	b := &rowBrowser{k: k, title: boldWrapped("Choose an entity to see its rows."), status: wrapped("")}
	b.search = widget.NewEntry()
	b.search.SetPlaceHolder("Find a text in any column, then press Enter")
	b.search.OnSubmitted = func(string) { b.read(0) }
	if !searchable {
		b.search.Hide()
	}
	b.table = widget.NewTable(func() (int, int) { return len(b.cells), len(b.page.cols) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(b.cells) && id.Col < len(b.cells[id.Row]) {
				o.(*widget.Label).SetText(b.cells[id.Row][id.Col])
			}
		})
	b.table.ShowHeaderRow = true
	b.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	b.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(b.page.cols) {
			o.(*widget.Label).SetText(explain.Printable(b.page.cols[id.Col].Name))
		}
	}
	b.prev = widget.NewButtonWithIcon("Previous", theme.NavigateBackIcon(), func() { b.read(max(b.offset-rowPageSize, 0)) })
	b.next = widget.NewButtonWithIcon("Next", theme.NavigateNextIcon(), func() { b.read(b.offset + rowPageSize) })
	b.stopBt = widget.NewButton("Cancel", b.stop)
	b.exptBt = widget.NewButtonWithIcon("Export to CSV…", theme.DocumentSaveIcon(), func() {
		if b.export != nil {
			b.export()
		}
	})
	b.prev.Disable()
	b.next.Disable()
	b.exptBt.Disable()
	b.stopBt.Hide()
	return b
}

func (b *rowBrowser) content() fyne.CanvasObject {
	bar := container.NewHBox(b.prev, b.next, b.stopBt, b.exptBt)
	return container.NewBorder(container.NewVBox(b.title, b.search), container.NewVBox(b.status, bar), nil, nil, b.table)
}

// show starts browsing the rows load reads, titled title, from the first page. UI goroutine.
func (b *rowBrowser) show(title string, load rowLoader) {
	b.title.SetText(title)
	b.load = load
	b.search.SetText("")
	b.read(0)
}

// read reads the page at offset in the background. UI goroutine.
func (b *rowBrowser) read(offset int) {
	if b.load == nil {
		return
	}
	b.stop()
	b.gen++
	gen, load, search := b.gen, b.load, b.search.Text
	ctx, cancel := context.WithCancel(b.k.ctx)
	b.cancel = cancel
	b.prev.Disable()
	b.next.Disable()
	b.exptBt.Disable()
	b.stopBt.Show()
	b.status.SetText("Reading the rows from the backup…")
	read := progress.NewCounter(0, 0)
	up := progress.NewUpdater(progress.DefaultInterval, b.k.now, "rows", nil, func(v progress.View, final bool) {
		if final || v.Bytes.Total <= 0 {
			return
		}
		text := fmt.Sprintf("Reading the rows from the backup… %s of %s", progress.Size(v.Bytes.Done), progress.Size(v.Bytes.Total))
		b.k.do(func() {
			if b.gen == gen && b.cancel != nil {
				b.status.SetText(text)
			}
		})
	})
	up.Count("read", read)
	b.k.background(func(context.Context) {
		page, err := load(ctx, search, offset, rowPageSize, read)
		up.Done(progress.RunCompleted, "", nil)
		cancelled := ctx.Err() != nil
		cancel()
		b.k.do(func() {
			if b.gen != gen {
				return // a newer read answers
			}
			b.cancel = nil
			b.stopBt.Hide()
			switch {
			case err != nil && cancelled:
				b.status.SetText("Reading was cancelled.")
				b.drawButtons()
			case err != nil:
				b.status.SetText(explainLine(err))
				b.drawButtons()
			default:
				b.draw(offset, page, search)
			}
		})
	})
}

// stop cancels the read under way, if any. UI goroutine.
func (b *rowBrowser) stop() {
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
	b.stopBt.Hide()
}

// draw shows page, read at offset. UI goroutine.
func (b *rowBrowser) draw(offset int, page rowPage, search string) {
	b.offset, b.page = offset, page
	b.cells = make([][]string, len(page.rows))
	for i, row := range page.rows {
		b.cells[i] = make([]string, len(row))
		for j, v := range row {
			b.cells[i][j] = cellText(v)
		}
	}
	for j, c := range page.cols {
		w := fyne.MeasureText(c.Name, theme.TextSize(), fyne.TextStyle{Bold: true}).Width
		for i := range b.cells {
			if j < len(b.cells[i]) {
				w = max(w, fyne.MeasureText(b.cells[i][j], theme.TextSize(), fyne.TextStyle{}).Width)
			}
		}
		b.table.SetColumnWidth(j, min(w+theme.Padding()*4, 320))
	}
	b.table.Refresh()
	b.table.ScrollToTop()
	what := "rows"
	if search != "" {
		what = fmt.Sprintf("rows with %q", search)
	}
	switch {
	case len(page.rows) == 0 && offset == 0:
		b.status.SetText("No " + what + ".")
	case len(page.rows) == 0:
		b.status.SetText(fmt.Sprintf("No more %s.", what))
	case page.more:
		b.status.SetText(fmt.Sprintf("%s %d to %d shown; Next shows more.", wording.UpperFirst(what), offset+1, offset+len(page.rows)))
	default:
		b.status.SetText(fmt.Sprintf("%s %d to %d shown, the last.", wording.UpperFirst(what), offset+1, offset+len(page.rows)))
	}
	b.drawButtons()
}

func (b *rowBrowser) drawButtons() {
	enable := func(w *widget.Button, on bool) {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
	enable(b.prev, b.offset > 0)
	enable(b.next, b.page.more)
	enable(b.exptBt, b.export != nil && len(b.page.rows) > 0)
	if b.export == nil {
		b.exptBt.Hide()
	}
}

// cellText is a value in a table cell: one line of at most 60 characters; NULL says so,
// bytea its size.
func cellText(v backupdata.Value) string {
	if v.Null {
		return "NULL"
	}
	s := strings.NewReplacer("\r\n", "↵", "\n", "↵", "\r", "↵", "\t", "→").Replace(v.String())
	s = explain.Printable(s)
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:59]) + "…"
	}
	return s
}

// textTable is a read-only table of n rows: cells gives a row's texts, widths the
// columns' widths; the first column is aligned leading, the others (numbers) trailing.
func textTable(n int, widths []float32, cells func(i int) []string) *widget.Table {
	t := widget.NewTable(func() (int, int) { return n, len(widths) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.Alignment = fyne.TextAlignLeading
			if id.Col > 0 {
				l.Alignment = fyne.TextAlignTrailing
			}
			l.SetText(cells(id.Row)[id.Col])
		})
	for i, w := range widths {
		t.SetColumnWidth(i, w)
	}
	return t
}

// showTableDialog shows a dialog with table beside right, under top, with buttons and
// Close, and selects the table's first row. UI goroutine.
func showTableDialog(k *kit, title string, top fyne.CanvasObject, table *widget.Table, right fyne.CanvasObject, offset float64, size fyne.Size, buttons ...fyne.CanvasObject) *dialog.CustomDialog {
	split := container.NewHSplit(table, right)
	split.SetOffset(offset)
	d := dialog.NewCustomWithoutButtons(title, container.NewBorder(top, nil, nil, nil, split), k.win)
	d.SetButtons(append(buttons, widget.NewButton("Close", d.Hide)))
	d.Resize(size)
	d.Show()
	if rows, _ := table.Length(); rows > 0 {
		table.Select(widget.TableCellID{Row: 0, Col: 0})
	}
	return d
}
