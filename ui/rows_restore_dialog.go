package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/backupdata"
	"restoredesk/core/localdb"
	"restoredesk/core/profiles"
	"restoredesk/core/restore"
)

// rowsRestoreDialog asks for the local PostgreSQL database to bring an entity's deleted
// rows back into, and shows the engine's plan for it, planned again in the background as
// the address or password change. What may be done is the engine's answer, in its words;
// the confirmed plan runs as a job through the engine's runner.
type rowsRestoreDialog struct {
	l        *looker
	s        *session
	cmp      *backupdata.Comparison
	entity   string
	plans    latest
	current  *restore.RowsPlan
	address  *widget.Entry
	password *widget.Entry
	status   *widget.Label
	view     *planView
	dialog   *dialog.CustomDialog
}

// showRowsRestore shows the dialog for entity's deleted rows of cmp. UI goroutine.
// inUse counts the runs that read cmp, which stays until they end.
func (l *looker) showRowsRestore(s *session, cmp *backupdata.Comparison, entity string, inUse *sync.WaitGroup) *rowsRestoreDialog {
	d := &rowsRestoreDialog{l: l, s: s, cmp: cmp, entity: entity, plans: latest{pause: planPause}}
	d.address = widget.NewEntry()
	d.address.SetPlaceHolder("postgresql://USER@HOST:PORT/DATABASE")
	d.address.OnChanged = func(string) { d.replan() }
	d.password = widget.NewPasswordEntry()
	d.password.OnChanged = func(string) { d.replan() }
	d.status = wrapped("")
	ok := widget.NewButtonWithIcon("Bring back the rows", theme.ContentUndoIcon(), nil)
	ok.Importance = widget.HighImportance
	d.view = newPlanView(ok, func(p restore.Planned) {
		if rp, isRows := p.(*restore.RowsPlan); isRows {
			d.dialog.Hide()
			l.runRows(s, rp, inUse)
		}
	})
	form := widget.NewForm(widget.NewFormItem("Database", d.address), widget.NewFormItem("Password", d.password))
	hint := wrapped("The database that holds the app's data now, on this computer or your network, as for opening a backup in a local database.")
	hint.Importance = widget.LowImportance
	body := container.NewVBox(boldWrapped("Bring back the deleted rows of "+entity), form, hint, d.status,
		d.view.summary, widget.NewLabelWithStyle("What happens:", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.view.steps, d.view.notes, d.view.typeBox)
	cancel := widget.NewButton("Cancel", func() { d.dialog.Hide() })
	d.dialog = dialog.NewCustomWithoutButtons("Bring back missing rows", container.NewVScroll(body), l.k.win)
	d.dialog.SetButtons([]fyne.CanvasObject{cancel, ok})
	d.dialog.Resize(fyne.NewSize(680, 520))
	d.dialog.Show()
	l.k.shown(d)
	d.view.draw(nil)

	// The remembered local database and its password from the keyring, off the UI goroutine.
	store := l.profiles
	l.k.background(func(ctx context.Context) {
		if store == nil {
			return
		}
		db, found := store.Database(s.profile)
		if !found {
			return
		}
		pw, err := store.Secrets().Get(ctx, profiles.DatabaseSecretName(s.profile, db.Host, db.Port, db.User))
		if err != nil {
			pw = "" // none saved, or no keyring: the user types it
		}
		t := localdb.Target{Host: db.Host, Port: db.Port, User: db.User, Database: db.Database}
		l.k.do(func() {
			if d.address.Text == "" {
				d.address.SetText(t.String())
				d.password.SetText(pw)
			}
		})
	})
	return d
}

// replan asks the engine for the plan once typing paused; the last answer wins. UI goroutine.
func (d *rowsRestoreDialog) replan() {
	d.current = nil
	d.view.draw(nil)
	t, err := localdb.ParseTarget(strings.TrimSpace(d.address.Text))
	if err != nil {
		d.plans.drop()
		d.status.SetText(explainLine(err))
		return
	}
	t.Password = d.password.Text
	d.status.SetText("Checking the database…")
	req := restore.RowsRequest{Profile: d.s.profile, Comparison: d.cmp, Entity: d.entity, Target: t}
	e := d.s.engine
	d.plans.ask(d.l.k.loop, func(ctx context.Context) func() {
		p, err := e.PlanRows(ctx, req)
		return func() {
			d.current = p
			if err != nil {
				d.status.SetText(explainLine(err))
				d.view.draw(nil)
				return
			}
			d.status.SetText("")
			d.view.draw(p)
		}
	})
}

// runRows runs a confirmed rows plan as a job of the jobs panel. UI goroutine.
func (l *looker) runRows(s *session, p *restore.RowsPlan, inUse *sync.WaitGroup) *job {
	title := fmt.Sprintf("Bring back rows of %s into %s", p.Diff.Entity, p.Request.Target.Database)
	l.k.say(title + ": started. Follow it in the jobs panel below.")
	inUse.Add(1)
	return l.runs.followRun(s, runSpec{title: title, steps: p.Steps}, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		defer inUse.Done()
		res, err := s.engine.RunRows(ctx, p, onEvent)
		if res == nil {
			return nil, err
		}
		return &res.Result, err
	})
}
