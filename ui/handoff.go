package ui

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/explain"
)

// openURL opens a link with the system (browser, file manager); a seam for tests, which
// record what would have been opened.
var openURL = func(a fyne.App, u *url.URL) error { return a.OpenURL(u) }

// handoffBox draws a hand-over to the Mendix Portal (explain.Handoff, from the engine):
// the Portal's steps, a button that opens the Portal and, for an archive to upload there,
// its full path with "Show in folder". It is data from core; this only draws it.
// UI goroutine.
func (k *kit) handoffBox(h explain.Handoff) fyne.CanvasObject {
	box := container.NewVBox(widget.NewLabelWithStyle("In the Mendix Portal:", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for i, s := range h.Steps {
		box.Add(wrapped(fmt.Sprintf("%d. %s", i+1, explain.Printable(s))))
	}
	buttons := container.NewHBox()
	if link, err := url.Parse(h.URL); err == nil && h.URL != "" {
		buttons.Add(widget.NewButtonWithIcon("Open the Mendix Portal", theme.ComputerIcon(), func() { k.open(link) }))
	}
	if h.File != "" {
		file := wrapped(explain.Printable(h.File))
		file.Selectable = true
		box.Add(file)
		folder := &url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Dir(h.File))}
		buttons.Add(widget.NewButtonWithIcon("Show in folder", theme.FolderOpenIcon(), func() { k.open(folder) }))
	}
	box.Add(buttons)
	return box
}

// open opens link with the system, off the UI goroutine (it starts a program); a failure
// is told in a sentence with the link, so it can be opened by hand.
func (k *kit) open(link *url.URL) {
	k.background(func(context.Context) {
		if err := openURL(k.app, link); err != nil {
			k.do(func() {
				k.showMessage("Could not open it", fmt.Sprintf("Restore Desk could not open %s (%v). Open it by hand.", link, err))
			})
		}
	})
}

// showInFolder opens the folder that holds path in the system's file manager (through
// open: off the UI goroutine; a failure says so, to open it by hand).
func (k *kit) showInFolder(path string) {
	k.open(&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Dir(path))})
}
