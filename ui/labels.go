package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
