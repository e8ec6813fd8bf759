package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
)

// toolbar is the row of actions above the lists. Buttons carry words as well as icons:
// the people using them are not here every day.
type toolbar struct {
	refresh, create, restore, upload, start, stop, history *widget.Button
	profiles                                               *widget.Select
	accounts                                               *widget.Button
	switching                                              bool // setProfiles is updating the select
}

func newToolbar(u *UI) *toolbar {
	b := &toolbar{}
	b.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), u.refresh)
	b.create = widget.NewButtonWithIcon("Create backup", theme.ContentAddIcon(), func() { u.createBackup() })
	b.restore = widget.NewButtonWithIcon("Restore…", theme.HistoryIcon(), u.restoreSelected)
	b.restore.Importance = widget.HighImportance
	b.upload = widget.NewButtonWithIcon("Upload archive…", theme.UploadIcon(), u.showUploadChooser)
	b.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), u.startSelected)
	b.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() { u.stopSelected() })
	b.history = widget.NewButtonWithIcon("History", theme.ListIcon(), u.showHistory)
	b.profiles = widget.NewSelect(nil, func(name string) {
		if b.switching || name == "" || (u.sess != nil && u.sess.profile == name) {
			return
		}
		if name == DemoProfile {
			u.startDemo()
			return
		}
		u.openProfile(name)
	})
	b.profiles.PlaceHolder = "Account"
	b.accounts = widget.NewButtonWithIcon("", theme.AccountIcon(), nil)
	b.accounts.OnTapped = func() { u.showAccountsMenu(b.accounts) }
	return b
}

func (b *toolbar) content() fyne.CanvasObject {
	return container.NewHBox(b.refresh, widget.NewSeparator(), b.restore, b.upload, b.create,
		widget.NewSeparator(), b.start, b.stop, widget.NewSeparator(), b.history,
		layout.NewSpacer(), b.profiles, b.accounts)
}

// setProfiles fills the profile switcher without switching.
func (b *toolbar) setProfiles(names []string, current string) {
	b.switching = true
	defer func() { b.switching = false }()
	b.profiles.SetOptions(names)
	b.profiles.SetSelected(current)
}

// update enables what the selection allows. Free Apps keep Upload and Create backup
// enabled: pressing them says why a Free App can't, which a greyed-out button cannot.
func (b *toolbar) update(signedIn bool, app *cloud.AppWithEnvironments, env *cloud.Environment, snap *cloud.Snapshot) {
	enable := func(w *widget.Button, on bool) {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
	enable(b.refresh, signedIn)
	enable(b.create, env != nil)
	enable(b.upload, env != nil)
	enable(b.restore, snap != nil && snap.State == cloud.StateCompleted)
	enable(b.start, env != nil && app != nil && env.Status != cloud.StatusRunning && env.Status != cloud.StatusEmpty)
	enable(b.stop, env != nil && app != nil && env.Status == cloud.StatusRunning)
}
