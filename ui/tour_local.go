package ui

import (
	"os"
	"path/filepath"
	"strconv"

	"fyne.io/fyne/v2/widget"

	"restoredesk/core/localdb"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// SetTourDatabase gives the screenshot tour a PostgreSQL server to restore into for its
// local-database scenes; without one the tour ends after the download scenes.
func (u *UI) SetTourDatabase(t localdb.Target) { u.tourDB = &t }

// downloadScenes download a backup of the environment shown (the dialog, then the finished
// job), then open the file in the tour's local database (the dialog, then the report).
func (t *tour) downloadScenes() {
	u := t.u
	dir, err := os.MkdirTemp("", "restoredesk-tour-")
	if err != nil {
		t.err = err
		return
	}
	defer os.RemoveAll(dir)
	downloads := filepath.Join(dir, "Downloads")
	if t.err = os.Mkdir(downloads, 0o700); t.err != nil {
		return
	}
	t.on(func() {
		u.downloadDir = downloads
		for i := 0; i < u.backups.list.len(); i++ {
			if restore.Restorable(u.backups.list.at(i).snap) {
				u.backups.table.Select(widget.TableCellID{Row: i, Col: 0})
				break
			}
		}
		u.downloadDlg = nil
		u.downloadSelected()
	})
	t.wait("the download plan", func() bool { return u.downloadDlg != nil && u.downloadDlg.current != nil })
	t.shoot(ShotDownloadDialog)

	var j *job
	t.on(func() {
		u.body.SetOffset(0.45) // room to see the job
		u.jobs.clearFinished()
		u.downloadDlg.submit()
		j = u.jobs.jobs[len(u.jobs.jobs)-1]
	})
	t.wait("the download to finish", func() bool { return j != nil && u.jobs.snapshot(j).State != progress.RunRunning })
	t.on(func() { u.status.SetText("") }) // the saved path is long; the job card shows it
	t.shoot(ShotDownloadFinished)
	if u.tourDB == nil || t.err != nil {
		return
	}

	db := *u.tourDB
	t.on(func() {
		u.localDlg = nil
		if b := cardButtonOf(j, "Open in local database…"); b != nil {
			b.OnTapped()
		}
	})
	t.wait("the local database dialog", func() bool { return u.localDlg != nil && !u.localDlg.loading })
	t.on(func() {
		d := u.localDlg
		d.host.SetText(db.Host)
		d.port.SetText(strconv.Itoa(db.Port))
		d.user.SetText(db.User)
		d.password.SetText(db.Password)
		d.database.SetText(db.Database)
	})
	t.wait("the local plan", func() bool { return u.localDlg.current != nil || u.localDlg.err != nil })
	t.shoot(ShotLocalDBDialog)
	t.on(func() { u.localReport = nil; u.localDlg.submit() })
	t.wait("the completeness report", func() bool { return u.localReport != nil })
	t.shoot(ShotLocalDBReport)
	t.on(func() { u.localReport.dialog.Hide(); u.body.SetOffset(0.72) })
}

// cardButtonOf finds a visible button of j's card by its text.
func cardButtonOf(j *job, text string) *widget.Button {
	for _, o := range j.card.head.Objects {
		if b, ok := o.(*widget.Button); ok && b.Visible() && b.Text == text {
			return b
		}
	}
	return nil
}
