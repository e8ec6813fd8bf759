package ui

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"restoredesk/core/backupdata"
	"restoredesk/core/cloud"
	"restoredesk/core/profiles"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// looker opens "Look inside…" and "Compare with…" on a backup: what a backup's dump
// holds, read straight from the file through core/backupdata (no PostgreSQL). A cloud
// backup is fetched first through the engine (database only) into the look-inside cache,
// or taken from there when an earlier look fetched it.
type looker struct {
	k        *kit
	lists    *browser
	runs     *runner
	profiles *profiles.Store // the remembered local database, for bringing back rows

	cacheDir   string // where cloud backups are kept ("": backupdata.DefaultCacheDir); tests set it
	chooserDir string // where the file chooser opens; tests set it
}

// buttons are the selected backup's "Look inside…" and "Compare with…".
func (l *looker) buttons() []fyne.CanvasObject {
	look := widget.NewButtonWithIcon("Look inside…", theme.SearchIcon(), func() { l.lookInsideSelected() })
	comp := widget.NewButtonWithIcon("Compare with…", theme.ListIcon(), func() { l.compareSelected() })
	look.Importance, comp.Importance = widget.LowImportance, widget.LowImportance
	return []fyne.CanvasObject{look, comp}
}

// fileButton looks inside a backup file of this computer (jobs panel).
func (l *looker) fileButton() *widget.Button {
	b := widget.NewButtonWithIcon("Look inside a backup file…", theme.SearchIcon(), func() {
		if s := l.lists.sess; s != nil {
			l.chooseFile(func(path string) { l.lookInsideFile(s, path) })
		}
	})
	b.Importance = widget.LowImportance
	return b
}

// picked is a backup chosen to look inside: a cloud backup (snap set) or a file.
type picked struct {
	s      *session
	target restore.Target
	snap   *cloud.Snapshot
	file   string
}

// label names the backup for titles: "Order Desk · Production, nightly backup of …".
func (p picked) label() string {
	if p.snap == nil {
		return filepath.Base(p.file)
	}
	return fmt.Sprintf("%s · %s, %s backup of %s", cmp.Or(p.target.App.Name, p.target.App.AppID), p.target.Env.Mode,
		cloud.KindOf(*p.snap).Label(), exactTime(p.snap.CreatedAt))
}

// selected is the backup selected in the lists, if any. UI goroutine.
func (l *looker) selected() (picked, bool) {
	b := l.lists
	if b.sess == nil || b.curApp == nil || b.curEnv == nil || b.curSnap == nil {
		l.k.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return picked{}, false
	}
	snap := *b.curSnap
	return picked{s: b.sess, target: restore.Target{App: b.curApp.App, Env: *b.curEnv}, snap: &snap}, true
}

// lookInsideSelected opens Look inside on the selected backup. UI goroutine.
func (l *looker) lookInsideSelected() {
	if p, ok := l.selected(); ok {
		l.lookInside(p)
	}
}

// lookInsideFile opens Look inside on a backup file of this computer. UI goroutine.
func (l *looker) lookInsideFile(s *session, path string) {
	l.lookInside(picked{s: s, file: path})
}

// lookInside fetches p when it is in the cloud, lists its entities (with progress and
// Cancel), then shows them. UI goroutine.
func (l *looker) lookInside(p picked) {
	l.source(p, func(src *backupdata.Source) {
		var list *backupdata.Listing
		l.k.inProgress(longRead{title: "Look inside", text: "Counting the rows of every entity in " + p.label() + "…",
			failed: "The backup could not be read", cancelled: "Look inside: cancelled."},
			func(ctx context.Context, events func(restore.Event)) (err error) {
				list, err = backupdata.ListEntities(ctx, src, bytesRead(events, src.Size))
				return err
			}, func() { l.showEntities(p, list) })
	})
}

// longRead is work shown in a progress dialog with Cancel.
type longRead struct {
	title, text string
	failed      string // the title of the error shown when the work fails
	cancelled   string // said on the status line when the user cancels
}

// inProgress runs work in the background behind a progress dialog whose Cancel ends
// work's context; back on the UI goroutine, done runs when work succeeded, else the error
// is shown (or the cancel said). UI goroutine.
func (k *kit) inProgress(r longRead, work func(ctx context.Context, events func(restore.Event)) error, done func()) {
	pd := k.newProgressDialog(r.title, r.text)
	k.background(func(context.Context) {
		err := work(pd.ctx, pd.events())
		pd.end()
		k.do(func() {
			cancelled := pd.ctx.Err() != nil
			pd.close()
			switch {
			case err != nil && cancelled:
				k.say(r.cancelled)
			case err != nil:
				k.showError(r.failed, err)
			default:
				done()
			}
		})
	})
}

// bytesRead is a counter of bytes read out of total, shown by the progress dialog events
// goes to.
func bytesRead(events func(restore.Event), total int64) *progress.Counter {
	c := progress.NewCounter(0, total)
	events(restore.Event{Step: restore.StepInspect, Type: restore.EventBytes, Counter: c})
	return c
}

// source brings p's file: a file as it is, a cloud backup from the cache or fetched into
// it through the engine (a download run, with progress and Cancel); then calls then on the
// UI goroutine. UI goroutine.
func (l *looker) source(p picked, then func(*backupdata.Source)) {
	if p.snap == nil {
		l.openFile(p, p.file, then)
		return
	}
	root := l.cacheDir
	l.k.background(func(ctx context.Context) {
		var cb *restore.CachedBackup
		var err error
		if root == "" {
			root, err = backupdata.DefaultCacheDir()
		}
		if err == nil {
			cb, err = p.s.engine.PlanCached(ctx, p.s.profile, p.target, p.snap.SnapshotID, root)
		}
		l.k.do(func() {
			switch {
			case err != nil:
				l.k.showError("The backup could not be fetched", err)
			case cb.Download == nil:
				l.openFile(p, cb.Path, then)
			default:
				l.fetch(p, cb, then)
			}
		})
	})
}

// fetch runs the download of p's database into the cache, with progress and Cancel, then
// opens the file. UI goroutine.
func (l *looker) fetch(p picked, cb *restore.CachedBackup, then func(*backupdata.Source)) {
	var path string
	l.k.inProgress(longRead{title: "Fetch the backup", text: fmt.Sprintf("Downloading the database of %s once; it is kept in %s for the next look.", p.label(), cb.Dir),
		failed: "The backup could not be fetched", cancelled: "Fetching the backup: cancelled. The part fetched is kept for the next time."},
		func(ctx context.Context, events func(restore.Event)) (err error) {
			path, _, err = p.s.engine.FetchCached(ctx, cb, events)
			return err
		}, func() { l.openFile(p, path, then) })
}

// openFile checks that path, p's file, can be read and calls then with it. UI goroutine.
func (l *looker) openFile(p picked, path string, then func(*backupdata.Source)) {
	l.k.background(func(context.Context) {
		src, err := backupdata.OpenSource(path)
		if err == nil && p.snap != nil {
			src.TakenAt = p.snap.CreatedAt
		}
		l.k.do(func() {
			if err != nil {
				l.k.showError("The backup could not be read", err)
				return
			}
			then(src)
		})
	})
}

// lookDialog shows a backup's entities with their row counts and the rows of the one
// selected, with a search, paging and export to CSV.
type lookDialog struct {
	l        *looker
	p        picked
	list     *backupdata.Listing
	entities []backupdata.Entity // as listed: the app's own, then the system modules'
	current  *backupdata.Entity  // the entity whose rows are shown
	table    *widget.Table
	rows     *rowBrowser
	dialog   *dialog.CustomDialog
}

// showEntities shows list's entities. UI goroutine.
func (l *looker) showEntities(p picked, list *backupdata.Listing) *lookDialog {
	d := &lookDialog{l: l, p: p, list: list}
	var rows int64
	for _, system := range []bool{false, true} {
		for _, e := range list.Entities {
			if e.System == system {
				d.entities = append(d.entities, e)
				rows += e.Rows
			}
		}
	}
	d.table = textTable(len(d.entities), []float32{200, 80}, func(i int) []string {
		e := d.entities[i]
		name := e.Name
		if e.System {
			name += "  (system)"
		}
		return []string{name, humanize.Comma(e.Rows)}
	})
	d.rows = newRowBrowser(l.k, true)
	d.rows.export = d.exportCSV
	d.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(d.entities) {
			d.open(d.entities[id.Row])
		}
	}
	head := fmt.Sprintf("%s: %s, %s rows.", p.label(), entitiesText(len(d.entities)), humanize.Comma(rows))
	if p.snap == nil {
		head += " Made " + exactTime(list.Source.When()) + "."
	}
	var notes []fyne.CanvasObject
	if !list.Named {
		notes = append(notes, wrapped("The names come from the table names: this backup has no mendixsystem$entity table."))
	}
	top := container.NewVBox(append([]fyne.CanvasObject{boldWrapped(head)}, notes...)...)
	compare := widget.NewButtonWithIcon("Compare with…", theme.ListIcon(), func() { l.compareWith(p, list.Source) })
	d.dialog = showTableDialog(l.k, "Look inside", top, d.table, d.rows.content(), 0.33, fyne.NewSize(1000, 640), compare)
	d.dialog.SetOnClosed(d.rows.stop)
	l.k.shown(d)
	return d
}

// open shows entity e's rows from the first page. UI goroutine.
func (d *lookDialog) open(e backupdata.Entity) {
	src := d.list.Source
	d.current = &e
	d.rows.show(fmt.Sprintf("%s: %s rows", e.Name, humanize.Comma(e.Rows)), func(ctx context.Context, search string, offset, limit int, read *progress.Counter) (rowPage, error) {
		rs, err := backupdata.OpenRows(ctx, src, e.Table, backupdata.RowsOptions{Search: search, Read: read})
		if err != nil {
			return rowPage{}, err
		}
		defer rs.Close()
		for i := 0; i < offset && rs.Next(); i++ {
		}
		page, err := rs.Page(limit)
		more := err == nil && rs.Next()
		if err == nil {
			err = rs.Err()
		}
		return rowPage{cols: rs.Columns, rows: page, more: more}, err
	})
}

// exportCSV writes the entity's rows (those the search finds) to a CSV file the user
// chooses, in the background with progress and Cancel. UI goroutine.
func (d *lookDialog) exportCSV() {
	if d.current == nil {
		return
	}
	e, src, search := *d.current, d.list.Source, d.rows.search.Text
	d.l.saveCSV(backupdata.FileName(e.Name)+".csv", func(ctx context.Context, w fyne.URIWriteCloser, read *progress.Counter) (int64, error) {
		rs, err := backupdata.OpenRows(ctx, src, e.Table, backupdata.RowsOptions{Search: search, Read: read, KeepBinary: true})
		if err != nil {
			return 0, err
		}
		defer rs.Close()
		cw, err := backupdata.NewCSVWriter(w, rs.Columns)
		if err != nil {
			return 0, err
		}
		var n int64
		for rs.Next() {
			if err := cw.Write(rs.Row()); err != nil {
				return n, err
			}
			n++
		}
		if err := rs.Err(); err != nil {
			return n, err
		}
		return n, cw.Flush()
	})
}

// saveCSV asks where to save a CSV file and writes it with write in the background, with
// progress and Cancel; a cancelled or failed export removes what it wrote. UI goroutine.
func (l *looker) saveCSV(name string, write func(ctx context.Context, w fyne.URIWriteCloser, read *progress.Counter) (int64, error)) {
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			l.k.showError("The file could not be made", err)
			return
		}
		if w == nil {
			return
		}
		var n int64
		l.k.inProgress(longRead{title: "Export to CSV", text: "Writing " + w.URI().Name() + "…",
			failed: "The rows could not be exported", cancelled: "Export to CSV: cancelled; nothing was kept."},
			func(ctx context.Context, events func(restore.Event)) (err error) {
				n, err = write(ctx, w, bytesRead(events, 0))
				if cerr := w.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					_ = storage.Delete(w.URI()) // never leave half a file that looks complete
				}
				return err
			}, func() { l.k.say(fmt.Sprintf("%s rows written to %s.", humanize.Comma(n), w.URI().Path())) })
	}, l.k.win)
	fd.SetFileName(name)
	openIn(fd, l.chooserDir)
	fd.Resize(fyne.NewSize(860, 560))
	fd.Show()
	l.k.shown(fd)
}

// entitiesText is "1 entity", "3 entities".
func entitiesText(n int) string {
	if n == 1 {
		return "1 entity"
	}
	return humanize.Comma(int64(n)) + " entities"
}
