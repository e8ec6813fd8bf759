package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// toolbar is the row of actions above the lists. Buttons carry words as well as icons:
// the people using them are not here every day.
type toolbar struct {
	refresh, create, restore, upload, start, stop, history *widget.Button
	keys                                                   *widget.Button // the keyboard shortcuts
	profiles                                               *widget.Select
	profilesBox                                            *fyne.Container // as wide as the longest name
	accounts                                               *widget.Button
	switching                                              bool // setProfiles is updating the select
	download                                               *widget.Button
	onDownload, onLocalDB                                  func() // for the selected backup's own buttons
	more                                                   *overflow
}

// maxSwitcherWidth is the widest the account switcher grows for a long name.
const maxSwitcherWidth = 260

// toolbarActions are what the toolbar's buttons do.
type toolbarActions struct {
	refresh, restore, upload, backup, start, stop, history func()
	keys                                                   func()
	switchProfile                                          func(name string) // a profile chosen in the switcher
	accounts                                               func(anchor fyne.CanvasObject)
	download, localDB                                      func() // issues 11 and 12
}

func newToolbar(do toolbarActions) *toolbar {
	b := &toolbar{}
	b.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), do.refresh)
	b.create = widget.NewButtonWithIcon("Create backup", theme.ContentAddIcon(), do.backup)
	b.restore = widget.NewButtonWithIcon("Restore…", theme.HistoryIcon(), do.restore)
	b.restore.Importance = widget.HighImportance
	b.upload = widget.NewButtonWithIcon("Upload archive…", theme.UploadIcon(), do.upload)
	b.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), do.start)
	b.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), do.stop)
	b.history = widget.NewButtonWithIcon("History", theme.ListIcon(), do.history)
	b.keys = widget.NewButtonWithIcon("Keys", theme.HelpIcon(), do.keys)
	b.download = widget.NewButtonWithIcon("Download…", theme.DownloadIcon(), do.download)
	b.onDownload, b.onLocalDB = do.download, do.localDB
	b.profiles = widget.NewSelect(nil, func(name string) {
		if !b.switching && name != "" {
			do.switchProfile(name)
		}
	})
	b.profiles.PlaceHolder = "Account"
	b.profilesBox = container.New(layout.NewGridWrapLayout(b.profiles.MinSize()), b.profiles)
	b.accounts = widget.NewButtonWithIcon("", theme.AccountIcon(), nil)
	b.accounts.OnTapped = func() { do.accounts(b.accounts) }
	return b
}

// content lays the toolbar out so that it gives way on a narrow window: the buttons that
// do not fit, from the right, move into a "More" menu, while the account switcher and
// the accounts menu stay (overflow.go).
func (b *toolbar) content() fyne.CanvasObject {
	b.more = newOverflow(b.refresh, nil, b.restore, b.upload, b.create, b.download, nil, b.start, b.stop, nil, b.history, b.keys)
	return b.more.content(b.profilesBox, b.accounts)
}

// setProfiles fills the profile switcher without switching.
func (b *toolbar) setProfiles(names []string, current string) {
	b.switching = true
	defer func() { b.switching = false }()
	b.profiles.SetOptions(names)
	b.profiles.SetSelected(current)
	// A Select is only as wide as its placeholder: widen it to the longest name, so a
	// profile name is never cut off (up to maxSwitcherWidth: the window fits 800 px).
	w := b.profiles.MinSize().Width
	pad := theme.Padding()*4 + theme.IconInlineSize()*2
	for _, n := range names {
		w = max(w, fyne.MeasureText(n, theme.TextSize(), fyne.TextStyle{}).Width+pad)
	}
	w = min(w, maxSwitcherWidth)
	b.profilesBox.Layout = layout.NewGridWrapLayout(fyne.NewSize(w, b.profiles.MinSize().Height))
	b.profilesBox.Refresh()
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
	enable(b.restore, snap != nil && restore.Restorable(*snap))
	enable(b.download, snap != nil && restore.Restorable(*snap))
	enable(b.start, env != nil && app != nil && env.Status != cloud.StatusRunning)
	enable(b.stop, env != nil && app != nil && env.Status == cloud.StatusRunning)
}

// backupActions are the selected backup's own buttons: download it, open it in a local
// database. The engine's plan says when a backup cannot be (not completed).
func (b *toolbar) backupActions() []fyne.CanvasObject {
	dl := widget.NewButtonWithIcon("Download…", theme.DownloadIcon(), b.onDownload)
	local := widget.NewButtonWithIcon("Open in local database…", theme.StorageIcon(), b.onLocalDB)
	dl.Importance, local.Importance = widget.LowImportance, widget.LowImportance
	return []fyne.CanvasObject{dl, local}
}
