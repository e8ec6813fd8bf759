package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// overflow is a row of buttons that gives way on a narrow window: those that do not fit,
// from the right, are hidden and offered in a "More" menu (same words, same icons, same
// enabled state), so every action stays a click away at 800 px. A nil in the row is a
// separator, hidden with what follows it. UI goroutine.
type overflow struct {
	items  []*widget.Button // nil: a separator
	seps   map[int]*widget.Separator
	more   *widget.Button
	hidden []*widget.Button // the buttons the menu offers now
}

func newOverflow(items ...*widget.Button) *overflow {
	o := &overflow{items: items, seps: map[int]*widget.Separator{}}
	o.more = widget.NewButtonWithIcon("More", theme.MoreHorizontalIcon(), nil)
	o.more.OnTapped = o.showMenu
	o.more.Hide()
	return o
}

// content is the row, then fixed (always shown, at the right end).
func (o *overflow) content(fixed ...fyne.CanvasObject) fyne.CanvasObject {
	objs := []fyne.CanvasObject{o.more}
	for i, b := range o.items {
		if b == nil {
			o.seps[i] = widget.NewSeparator()
			objs = append(objs, o.seps[i])
			continue
		}
		objs = append(objs, b)
	}
	return container.New(&overflowLayout{o: o, fixed: fixed}, append(objs, fixed...)...)
}

// menu is what the "More" button offers: the hidden buttons as they stand now.
func (o *overflow) menu() *fyne.Menu {
	var items []*fyne.MenuItem
	for _, b := range o.hidden {
		it := fyne.NewMenuItem(b.Text, b.OnTapped)
		it.Icon = b.Icon
		it.Disabled = b.Disabled()
		items = append(items, it)
	}
	return fyne.NewMenu("More", items...)
}

func (o *overflow) showMenu() {
	c := fyne.CurrentApp().Driver().CanvasForObject(o.more)
	if c == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o.more).Add(fyne.NewPos(0, o.more.Size().Height))
	widget.ShowPopUpMenuAtPosition(o.menu(), c, pos)
}

// overflowLayout places the row's buttons left to right while they fit before the fixed
// objects, which sit at the right end; the rest go into the menu.
type overflowLayout struct {
	o     *overflow
	fixed []fyne.CanvasObject
}

func (l *overflowLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	w := l.o.more.MinSize().Width
	h := l.o.more.MinSize().Height
	for _, f := range l.fixed {
		w += pad + f.MinSize().Width
		h = max(h, f.MinSize().Height)
	}
	return fyne.NewSize(w, h)
}

func (l *overflowLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	o, pad := l.o, theme.Padding()
	right := size.Width
	for i := len(l.fixed) - 1; i >= 0; i-- {
		f := l.fixed[i]
		w := f.MinSize().Width
		right -= w
		f.Move(fyne.NewPos(right, 0))
		f.Resize(fyne.NewSize(w, size.Height))
		right -= pad
	}
	// All of the row, when it fits without the menu; else what fits beside it.
	room := right
	if rowWidth(o.items, pad) > room {
		room -= o.more.MinSize().Width + pad
	}
	x := float32(0)
	o.hidden = o.hidden[:0]
	full := false
	for i, b := range o.items {
		var obj fyne.CanvasObject = b
		w := float32(0)
		if b == nil {
			obj, w = o.seps[i], theme.SeparatorThicknessSize()
		} else {
			w = b.MinSize().Width
		}
		full = full || x+w > room
		if full {
			setVisible(obj, false)
			if b != nil {
				o.hidden = append(o.hidden, b)
			}
			continue
		}
		setVisible(obj, true)
		obj.Move(fyne.NewPos(x, 0))
		obj.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
	setVisible(o.more, len(o.hidden) > 0)
	if len(o.hidden) > 0 {
		w := o.more.MinSize().Width
		o.more.Move(fyne.NewPos(x, 0))
		o.more.Resize(fyne.NewSize(w, size.Height))
	}
}

// rowWidth is the width of every item in a row.
func rowWidth(items []*widget.Button, pad float32) float32 {
	w := float32(0)
	for _, b := range items {
		if b == nil {
			w += theme.SeparatorThicknessSize() + pad
			continue
		}
		w += b.MinSize().Width + pad
	}
	return w
}

// setVisible shows or hides o, only when that changes (each change redraws it).
func setVisible(o fyne.CanvasObject, on bool) {
	switch {
	case on && !o.Visible():
		o.Show()
	case !on && o.Visible():
		o.Hide()
	}
}
