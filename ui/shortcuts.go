package ui

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// defaultWindowSize fits a 1280×800 screen with the window's title bar and a desktop
// panel; the layout works down to it (responsive_test). On a smaller screen the desktop
// app shrinks the window to the screen as it starts (cmd/restoredesk/screen.go).
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

// closeOnEscape makes Escape close d while it shows over win: the newest dialog open over
// a window closes first (a dialog's own fields pass Escape on: escEntry). A confirm
// dialog closed this way answers no. The window's own keys work again once every
// dialog over it is closed. UI goroutine.
func closeOnEscape(win fyne.Window, d dialog.Dialog) {
	c := win.Canvas()
	escapes.Lock()
	defer escapes.Unlock()
	open, hooked := escapes.open[c]
	if !hooked {
		prev := c.OnTypedKey()
		c.SetOnTypedKey(func(e *fyne.KeyEvent) {
			if e.Name == fyne.KeyEscape && closeNewest(c) {
				return
			}
			if prev != nil {
				prev(e)
			}
		})
	}
	if slices.Contains(open, d) {
		return
	}
	escapes.open[c] = append(open, d)
	d.SetOnClosed(func() {
		escapes.Lock()
		defer escapes.Unlock()
		escapes.open[c] = slices.DeleteFunc(escapes.open[c], func(o dialog.Dialog) bool { return o == d })
	})
}

// escapes are the dialogs open over each window's canvas, newest last. The UI goroutine
// uses it; the lock keeps tests, each with its own app, apart.
var escapes = struct {
	sync.Mutex
	open map[fyne.Canvas][]dialog.Dialog
}{open: map[fyne.Canvas][]dialog.Dialog{}}

// closeNewest closes the newest dialog open over c; false when there is none.
func closeNewest(c fyne.Canvas) bool {
	escapes.Lock()
	open := escapes.open[c]
	escapes.Unlock()
	if len(open) == 0 {
		return false
	}
	open[len(open)-1].Hide() // its OnClosed takes it off the list
	return true
}

// escEntry is an entry that passes Escape on to its window, which closes the dialog the
// entry is in (closeOnEscape): a focused field otherwise keeps Escape to itself.
type escEntry struct {
	widget.Entry
	win fyne.Window // set once the entry's dialog is made
}

func newEscEntry() *escEntry {
	e := &escEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey passes Escape to the window; every other key is the entry's.
func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.win != nil {
		if on := e.win.Canvas().OnTypedKey(); on != nil {
			on(k)
			return
		}
	}
	e.Entry.TypedKey(k)
}

// keyList is a list whose focused row Enter or Return selects, as Space does: Tab reaches
// it, the arrow keys move through it.
type keyList struct{ widget.List }

// newKeyList is widget.NewList whose rows Enter selects too. Put the keyList itself in
// the window, not its List: the window's keys go to the object it holds.
func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey selects the focused row on Enter.
func (l *keyList) TypedKey(e *fyne.KeyEvent) { l.List.TypedKey(enterAsSpace(e)) }

// keyTable is a table whose focused cell's row Enter or Return selects, as Space does.
type keyTable struct{ widget.Table }

// newKeyTable is widget.NewTableWithHeaders whose rows Enter selects too (as newKeyList,
// the window must hold the keyTable).
func newKeyTable(length func() (int, int), create func() fyne.CanvasObject, update func(widget.TableCellID, fyne.CanvasObject)) *keyTable {
	t := &keyTable{}
	t.Length, t.CreateCell, t.UpdateCell = length, create, update
	t.ShowHeaderRow, t.ShowHeaderColumn = true, true
	t.ExtendBaseWidget(t)
	return t
}

// TypedKey selects the focused row on Enter.
func (t *keyTable) TypedKey(e *fyne.KeyEvent) { t.Table.TypedKey(enterAsSpace(e)) }

// enterAsSpace is e, with Enter and Return read as Space (select).
func enterAsSpace(e *fyne.KeyEvent) *fyne.KeyEvent {
	if e.Name == fyne.KeyReturn || e.Name == fyne.KeyEnter {
		return &fyne.KeyEvent{Name: fyne.KeySpace, Physical: e.Physical}
	}
	return e
}
