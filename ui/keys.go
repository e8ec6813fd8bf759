package ui

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/restore"
)

// closeOnEscape makes Escape close d while it shows over win (when no entry has the
// keyboard: an entry keeps its keys). The window's own keys work again once d is closed.
func closeOnEscape(win fyne.Window, d dialog.Dialog) {
	c := win.Canvas()
	prev := c.OnTypedKey()
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyEscape {
			d.Hide()
			return
		}
		if prev != nil {
			prev(e)
		}
	})
	d.SetOnClosed(func() { c.SetOnTypedKey(prev) })
}

// irreversibleText words the plan's answer to whether its restore can be undone: the
// bold sentence of one that cannot; "" otherwise.
func irreversibleText(p *restore.Plan) string {
	mode := p.Request.Target.Env.Mode
	switch p.Irreversible() {
	case restore.IrreversibleFreeApp:
		return fmt.Sprintf("This cannot be undone: Mendix Cloud makes no safety backup of a Free App, so what %s holds now is lost for good.", mode)
	case restore.IrreversibleNoSafetyBackup:
		return fmt.Sprintf("This cannot be undone: without a safety backup, what %s holds now is lost for good.", mode)
	}
	return ""
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

// focusTheme is the app's theme with a focus mark one can see: Fyne's own is a faint
// tint, too faint to tell where Tab has moved. Everything else is the wrapped theme's.
type focusTheme struct{ fyne.Theme }

// Color gives the focus colour at least at half strength (the primary colour then).
func (t focusTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	c := t.Theme.Color(n, v)
	if n != theme.ColorNameFocus {
		return c
	}
	if _, _, _, a := c.RGBA(); a>>8 >= 0x80 {
		return c
	}
	r, g, b, _ := t.Theme.Color(theme.ColorNamePrimary, v).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x80}
}

// useFocusTheme wraps the app's current theme in focusTheme, once.
func useFocusTheme(a fyne.App) {
	if _, done := a.Settings().Theme().(focusTheme); !done {
		a.Settings().SetTheme(focusTheme{a.Settings().Theme()})
	}
}
