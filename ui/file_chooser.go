package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// chooseBackup opens Fyne's file chooser for a backup file (.backup or .tar.gz) with title,
// in dir ("" the user's home), and gives then the path chosen. UI goroutine.
func (k *kit) chooseBackup(title, dir string, then func(path string)) {
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			k.showError("The file could not be opened", err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		then(path)
	}, k.win)
	fd.SetFilter(storage.NewExtensionFileFilter(archiveExtensions()))
	fd.SetTitleText(title)
	fd.SetConfirmText("Choose")
	openIn(fd, dir)
	fd.Resize(fyne.NewSize(860, 560))
	fd.Show()
	k.shown(fd)
}

// openIn makes a file dialog start in dir when it can be listed ("": where Fyne starts).
func openIn(fd *dialog.FileDialog, dir string) {
	if dir == "" {
		return
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		fd.SetLocation(l)
	}
}
