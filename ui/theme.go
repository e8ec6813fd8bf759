package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

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
