package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// shortcut is a keyboard shortcut of the main window and what it does.
type shortcut struct {
	key          fyne.KeyName
	name         string
	needsAccount bool // does nothing on the sign-in screen
	do           func()
}

// shortcuts lists the main window's shortcuts; each acts like its toolbar button.
func (u *UI) shortcuts() []shortcut {
	return []shortcut{
		{fyne.KeyR, "Refresh", true, u.refresh},
		{fyne.KeyU, "Upload archive", true, u.showUploadChooser},
		{fyne.KeyH, "History", false, u.showHistory},
		{fyne.KeyQ, "Quit", false, u.requestClose},
	}
}

// addShortcuts binds Ctrl (Cmd on macOS) plus each key; F5 refreshes too.
func (u *UI) addShortcuts() {
	c := u.win.Canvas()
	for _, s := range u.shortcuts() {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: s.key, Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) {
				if s.needsAccount && u.sess == nil {
					return
				}
				s.do()
			})
	}
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyF5 {
			u.refresh()
		}
	})
}
