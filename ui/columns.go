package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// colWidth is a table column's width when there is room (want) and the least it shrinks
// to (least).
type colWidth struct{ want, least float32 }

// fitColumns lays t out so that its columns fit the width it is given: with room, each
// column has its wanted width and the first takes what is left; on a narrow window the
// columns shrink toward their least width, the first last (it holds the date and time an
// owner picks by), and below that the table scrolls sideways.
func fitColumns(t *keyTable, cols []colWidth) fyne.CanvasObject {
	return container.New(&columnsLayout{t: t, cols: cols}, t)
}

type columnsLayout struct {
	t     *keyTable
	cols  []colWidth
	given []float32 // the widths set last: set again only when they change
}

func (l *columnsLayout) MinSize([]fyne.CanvasObject) fyne.Size { return l.t.MinSize() }

func (l *columnsLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	widths := columnWidths(l.cols, size.Width-columnSlack)
	for i, w := range widths {
		if i >= len(l.given) || l.given[i] != w {
			l.t.SetColumnWidth(i, w)
		}
	}
	l.given = widths
	l.t.Resize(size)
	l.t.Move(fyne.NewPos(0, 0))
}

// columnSlack is what the table's dividers and scroll bar take of its width.
const columnSlack = 24

// columnWidths shares room among cols: wanted widths when they fit (the first column
// gets the rest); otherwise the columns after the first shrink evenly toward their least,
// then the first toward its least.
func columnWidths(cols []colWidth, room float32) []float32 {
	out := make([]float32, len(cols))
	var want, least float32
	for i, c := range cols {
		out[i] = c.want
		want += c.want
		least += c.least
	}
	if len(cols) == 0 {
		return out
	}
	if room >= want {
		out[0] += room - want
		return out
	}
	over := want - max(room, least)
	var give float32 // what the other columns can give
	for _, c := range cols[1:] {
		give += c.want - c.least
	}
	share := min(over, give)
	for i, c := range cols[1:] {
		if give > 0 {
			out[i+1] = c.want - (c.want-c.least)*share/give
		}
	}
	out[0] = max(cols[0].least, cols[0].want-(over-share))
	return out
}
