package ui

import (
	"os"
	"path/filepath"
	"strconv"

	"fyne.io/fyne/v2/widget"

	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// downloadScenes download a backup of the environment shown (the dialog, then the finished
// job), then open the file in the tour's local database (the dialog, then the report).
func (t *tour) downloadScenes() {
	b, last := t.lists, t.last
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
		t.act.downloadDir = downloads
		for i := 0; i < b.backups.list.len(); i++ {
			if restore.Restorable(b.backups.list.at(i).snap) {
				b.backups.table.Select(widget.TableCellID{Row: i, Col: 0})
				break
			}
		}
		last.downloadDlg = nil
		t.act.downloadSelected()
	})
	t.wait("the download plan", func() bool { return last.downloadDlg != nil && last.downloadDlg.current != nil })
	t.shoot(ShotDownloadDialog)

	var j *job
	t.on(func() {
		t.body.SetOffset(0.45) // room to see the job
		t.jobs.clearFinished()
		last.downloadDlg.submit()
		j = t.jobs.jobs[len(t.jobs.jobs)-1]
	})
	t.wait("the download to finish", func() bool { return j != nil && t.jobs.snapshot(j).State != progress.RunRunning })
	t.on(func() { t.k.say("") }) // the saved path is long; the job card shows it
	t.shoot(ShotDownloadFinished)
	if t.db == nil || t.err != nil {
		return
	}

	db := *t.db
	t.on(func() {
		last.localDlg = nil
		if b := cardButtonOf(j, "Open in local database…"); b != nil {
			b.OnTapped()
		}
	})
	t.wait("the local database dialog", func() bool { return last.localDlg != nil && !last.localDlg.loading })
	t.on(func() {
		d := last.localDlg
		d.host.SetText(db.Host)
		d.port.SetText(strconv.Itoa(db.Port))
		d.user.SetText(db.User)
		d.password.SetText(db.Password)
		d.database.SetText(db.Database)
	})
	t.wait("the local plan", func() bool { return last.localDlg.current != nil || last.localDlg.err != nil })
	t.shoot(ShotLocalDBDialog)
	t.on(func() { last.localReport = nil; last.localDlg.submit() })
	t.wait("the completeness report", func() bool { return last.localReport != nil })
	t.shoot(ShotLocalDBReport)
	t.on(func() { last.localReport.dialog.Hide(); t.body.SetOffset(bodySplit) })
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
