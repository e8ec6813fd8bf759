package ui

import (
	"fmt"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// defaultWindowSize fits a 1280×800 screen with the window's title bar and a desktop
// panel; the layout works down to it (responsive_test).
var defaultWindowSize = fyne.NewSize(1200, 700)

// shortcut is a keyboard shortcut of the main window and what it does.
type shortcut struct {
	key          fyne.KeyName
	shift        bool
	name         string
	needsAccount bool // does nothing on the sign-in screen
	do           func()
}

// shortcuts lists the main window's shortcuts; each acts like its toolbar button.
func (u *UI) shortcuts() []shortcut {
	return []shortcut{
		{fyne.KeyR, false, "Refresh", true, u.lists.refresh},
		{fyne.KeyR, true, "Restore the selected backup", true, func() {
			if !u.bar.restore.Disabled() {
				u.act.restoreSelected()
			}
		}},
		{fyne.KeyU, false, "Upload archive", true, u.act.showUploadChooser},
		{fyne.KeyH, false, "History", false, u.showHistory},
		{fyne.KeySlash, false, "Keyboard shortcuts", false, u.showKeys},
		{fyne.KeyQ, false, "Quit", false, u.requestClose},
	}
}

// addShortcuts binds Ctrl (Cmd on macOS) plus each key; F5 refreshes too, F1 lists them.
func (u *UI) addShortcuts() {
	c := u.k.win.Canvas()
	for _, s := range u.shortcuts() {
		mod := fyne.KeyModifierShortcutDefault
		if s.shift {
			mod |= fyne.KeyModifierShift
		}
		c.AddShortcut(&desktop.CustomShortcut{KeyName: s.key, Modifier: mod},
			func(fyne.Shortcut) {
				if s.needsAccount && u.lists.sess == nil {
					return
				}
				s.do()
			})
	}
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeyF5:
			u.lists.refresh()
		case fyne.KeyF1:
			u.showKeys()
		}
	})
}

// keyText is a shortcut as the user presses it: "Ctrl+Shift+R" (Cmd on macOS).
func (s shortcut) keyText() string {
	mod := "Ctrl+"
	if runtime.GOOS == "darwin" {
		mod = "Cmd+"
	}
	if s.shift {
		mod += "Shift+"
	}
	key := string(s.key)
	if s.key == fyne.KeySlash {
		key = "/"
	}
	return mod + key
}

// keysText lists every shortcut, one a line, for the Keyboard shortcuts dialog.
func (u *UI) keysText() string {
	var b strings.Builder
	for _, s := range u.shortcuts() {
		fmt.Fprintf(&b, "%-14s %s\n", s.keyText(), s.name)
	}
	b.WriteString("F5             Refresh\nF1             Keyboard shortcuts\n")
	b.WriteString("Escape         Close a dialog\nTab            Move to the next field or button")
	return b.String()
}

// showKeys lists the keyboard shortcuts (Help › Keyboard shortcuts, F1, Ctrl+/).
func (u *UI) showKeys() {
	l := widget.NewLabel(u.keysText())
	l.TextStyle.Monospace = true
	d := dialog.NewCustom("Keyboard shortcuts", "Close", l, u.k.win)
	d.Show()
	closeOnEscape(u.k.win, d)
}

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
