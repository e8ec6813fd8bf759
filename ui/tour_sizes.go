package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Screenshots of the window on small screens (issue 20): the main window at 1024×768 and
// at 800×600, its toolbar's More menu, and the restore dialog at 800×600.
const (
	ShotMain1024    = "main-window-1024x768.png"
	ShotMain800     = "main-window-800x600.png"
	ShotMoreMenu800 = "toolbar-more-800x600.png"
	ShotRestore800  = "restore-confirmation-800x600.png"
)

// sizeScenes shows Production's backups with one selected at each small size, then the
// More menu and the restore dialog at the smallest; the window gets its size back after.
func (t *tour) sizeScenes(u *UI) {
	b, last := t.lists, t.last
	var before fyne.Size
	t.on(func() { before = t.k.win.Canvas().Size(); b.envs.selectMode("Production") })
	t.wait("Production's backups", func() bool { return !b.backups.loading && b.backups.list.len() > 1 })
	t.on(func() { b.backups.table.Select(widget.TableCellID{Row: 1, Col: 0}); t.k.say("") })
	for _, s := range []struct {
		size fyne.Size
		name string
	}{{fyne.NewSize(1024, 768), ShotMain1024}, {fyne.NewSize(800, 600), ShotMain800}} {
		t.on(func() { t.k.win.Resize(s.size) })
		t.shoot(s.name)
	}
	t.on(func() { u.bar.more.showMenu() })
	t.shoot(ShotMoreMenu800)
	t.on(func() {
		if top := t.k.win.Canvas().Overlays().Top(); top != nil {
			top.Hide()
		}
		last.planDlg = nil
		t.act.restoreSelected()
	})
	t.wait("the restore plan", func() bool { return last.planDlg != nil && last.planDlg.current != nil })
	t.shoot(ShotRestore800)
	t.on(func() { last.planDlg.dialog.Hide(); t.k.win.Resize(before) })
}
