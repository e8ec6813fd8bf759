package ui

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/version"
)

// aboutContent says which Restore Desk this is, so a user can tell support exactly what
// they run, and where the project lives.
func aboutContent(info version.Info, website string) fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Restore Desk", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	ver := widget.NewLabel("Version " + info.String())
	ver.Selectable = true // copy it into a support request
	about := widget.NewLabel("Restores backups of apps on Mendix Cloud.")
	objs := []fyne.CanvasObject{title, ver, about}
	if link, err := url.Parse(website); err == nil {
		objs = append(objs, widget.NewHyperlink(website, link))
	}
	return container.NewVBox(objs...)
}

// showAbout opens the About dialog over the main window.
func (k *kit) showAbout() dialog.Dialog {
	d := dialog.NewCustom("About Restore Desk", "Close", aboutContent(version.Get(), version.Website), k.win)
	d.Show()
	closeOnEscape(k.win, d)
	return d
}
