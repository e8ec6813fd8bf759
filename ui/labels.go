package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// wrapped is a label that wraps at word boundaries.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// boldWrapped is a wrapped label in bold.
func boldWrapped(text string) *widget.Label {
	l := wrapped(text)
	l.TextStyle.Bold = true
	return l
}

// showText shows l with text, or hides it when text is empty.
func showText(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// headedSteps is steps under a bold "What happens:" heading that shows only while steps
// says something: a heading with nothing under it (while planning, or after a refusal)
// reads as if something was left out.
func headedSteps(steps *widget.Label) fyne.CanvasObject {
	heading := widget.NewLabelWithStyle("What happens:", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.New(&headedLayout{heading: heading, steps: steps}, heading, steps)
}

type headedLayout struct {
	heading fyne.CanvasObject
	steps   *widget.Label
}

func (l *headedLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	if l.steps.Text == "" || !l.steps.Visible() {
		return fyne.Size{}
	}
	h, s := l.heading.MinSize(), l.steps.MinSize()
	return fyne.NewSize(max(h.Width, s.Width), h.Height+theme.Padding()+s.Height)
}

func (l *headedLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	if l.steps.Text == "" || !l.steps.Visible() {
		if l.heading.Visible() {
			l.heading.Hide()
		}
		return
	}
	if !l.heading.Visible() {
		l.heading.Show()
	}
	hh := l.heading.MinSize().Height
	l.heading.Move(fyne.NewPos(0, 0))
	l.heading.Resize(fyne.NewSize(size.Width, hh))
	l.steps.Move(fyne.NewPos(0, hh+theme.Padding()))
	l.steps.Resize(fyne.NewSize(size.Width, size.Height-hh-theme.Padding()))
}

// wrapRow lays objects out left to right, as a box does (spacers take what is left), and
// wraps them into more rows when the width given is too small. Unlike Fyne's row wrap, whose least width stays that of the widest
// row it laid out (a window opened wide could then never be made narrow), its least width
// is its widest object's; its least height is that of the rows it last needed.
func wrapRow(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&wrapLayout{rows: 1}, objs...)
}

type wrapLayout struct{ rows int }

func (l *wrapLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for _, o := range objs {
		if o.Visible() {
			m := o.MinSize()
			w, h = max(w, m.Width), max(h, m.Height)
		}
	}
	return fyne.NewSize(w, float32(l.rows)*h+float32(l.rows-1)*theme.Padding())
}

func (l *wrapLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	var rowH float32
	for _, o := range objs {
		if o.Visible() {
			rowH = max(rowH, o.MinSize().Height)
		}
	}
	// On one row, as a box would: spacers share what is left.
	var oneRow float32
	spacers := 0
	for _, o := range objs {
		if o.Visible() {
			oneRow += o.MinSize().Width + pad
			if s, ok := o.(layout.SpacerObject); ok && s.ExpandHorizontal() {
				spacers++
			}
		}
	}
	extra := float32(0)
	if spacers > 0 && oneRow-pad <= size.Width {
		extra = (size.Width - oneRow + pad) / float32(spacers)
	}
	x, y, rows := float32(0), float32(0), 1
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		if s, ok := o.(layout.SpacerObject); ok && s.ExpandHorizontal() {
			m.Width += extra
		}
		if x > 0 && x+m.Width > size.Width {
			x, y, rows = 0, y+rowH+pad, rows+1
		}
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSize(m.Width, rowH))
		x += m.Width + pad
	}
	l.rows = rows
}
