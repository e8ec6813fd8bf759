package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/localdb"
	"restoredesk/core/profiles"
	"restoredesk/core/restore"
	"restoredesk/core/wording"
)

// openLocalSelected is "Open in local database…" of the toolbar and the backup actions:
// a selected cloud backup is downloaded first (database only, through the download
// dialog), then opened; without one, a backup file on this computer is chosen.
func (a *actions) openLocalSelected() {
	s := a.lists.sess
	if s == nil {
		return
	}
	if a.lists.curApp != nil && a.lists.curEnv != nil && a.lists.curSnap != nil {
		a.showLocalDBFrom(s, "", &cloudSource{target: restore.Target{App: a.lists.curApp.App, Env: *a.lists.curEnv}, snap: *a.lists.curSnap})
		return
	}
	a.chooseLocalFile(func(path string) { a.showLocalDB(s, path) })
}

// localFileButton opens a backup file of this computer in a local database (jobs panel).
func (a *actions) localFileButton() *widget.Button {
	b := widget.NewButtonWithIcon("Open a backup file in a local database…", theme.StorageIcon(), func() {
		if s := a.lists.sess; s != nil {
			a.chooseLocalFile(func(path string) { a.showLocalDB(s, path) })
		}
	})
	b.Importance = widget.LowImportance
	return b
}

// chooseLocalFile opens Fyne's file chooser for a backup file.
func (a *actions) chooseLocalFile(then func(path string)) {
	a.k.chooseBackup("Choose a backup to open in a local database (.backup or .tar.gz)", a.chooserDir, then)
}

// localDBDialog asks for the PostgreSQL connection (remembered per profile; the password
// only in the keyring), the database name and create/replace, and shows the engine's
// local-restore plan, planned again off the UI goroutine whenever a choice changes. What
// is allowed (a non-empty database, a wrong password, an old pg_restore) is the engine's
// answer, shown in its words.
type localDBDialog struct {
	a     *actions
	s     *session
	file  string
	cloud *cloudSource // a cloud backup, downloaded first (database only); nil for a file

	current *restore.LocalPlan // for a cloud source, the download and the restore as one plan
	err     error
	plans   latest // plans once typing paused (latest.go)
	loading bool   // the remembered connection is being read

	dialog   *dialog.CustomDialog
	body     *fyne.Container
	host     *widget.Entry
	port     *widget.Entry
	user     *widget.Entry
	password *widget.Entry
	database *widget.Entry
	create   *widget.Check
	replace  *widget.Check
	planLines
}

// cloudSource is a backup in Mendix Cloud to restore locally.
type cloudSource struct {
	target restore.Target
	snap   cloud.Snapshot
}

// showLocalDB shows the dialog for the backup file at path. UI goroutine.
func (a *actions) showLocalDB(s *session, path string) *localDBDialog {
	return a.showLocalDBFrom(s, path, nil)
}

// showLocalDBFrom shows the dialog for a file, or for a cloud backup (src not nil), which
// is downloaded (database only) into the downloads folder before it is restored.
func (a *actions) showLocalDBFrom(s *session, path string, src *cloudSource) *localDBDialog {
	d := &localDBDialog{a: a, s: s, plans: latest{pause: planPause}, file: path, cloud: src, loading: true}
	entry := func() *widget.Entry {
		e := widget.NewEntry()
		e.OnChanged = func(string) { d.targetChanged() }
		return e
	}
	d.host, d.port, d.user, d.database = entry(), entry(), entry(), entry()
	d.password = widget.NewPasswordEntry()
	d.password.OnChanged = func(string) { d.replan() }
	d.create = widget.NewCheck("Create the database when it does not exist", func(bool) { d.replan() })
	d.create.SetChecked(true)
	d.replace = widget.NewCheck("Replace the content of the database (it is not empty)", func(bool) { d.replan() })
	d.replace.Hide()
	d.planLines = newPlanLines(widget.NewButtonWithIcon("Restore", theme.StorageIcon(), d.submit))
	cancel := widget.NewButton("Cancel", func() { d.dialog.Hide() })

	source := wrapped("Backup: " + path)
	if src != nil {
		t := src.target
		source.SetText(fmt.Sprintf("Backup: %s backup of %s · %s, made %s. It is downloaded first (database only).", cloud.KindOf(src.snap).Label(),
			cmp.Or(t.App.Name, t.App.AppID), t.Env.Mode, exactTime(src.snap.CreatedAt)))
		path = cmp.Or(t.App.Name, t.App.AppID) + "-" + t.Env.Mode // for the suggested database name
	}
	source.TextStyle.Bold = true
	form := widget.NewForm(
		widget.NewFormItem("Host", d.host), widget.NewFormItem("Port", d.port),
		widget.NewFormItem("User", d.user), widget.NewFormItem("Password", d.password),
		widget.NewFormItem("Database", d.database))
	hint := wrapped("The password is kept only in the system keyring, never in a file.")
	hint.Importance = widget.LowImportance
	d.body = container.NewVBox(append([]fyne.CanvasObject{source, form, hint, d.create, d.replace}, d.objects()...)...)
	d.dialog = dialog.NewCustomWithoutButtons("Open in a local database", container.NewVScroll(d.body), a.k.win)
	d.dialog.SetButtons([]fyne.CanvasObject{cancel, d.okBtn})
	d.dialog.Resize(fyne.NewSize(680, 640))
	d.dialog.Show()
	a.k.shown(d)
	d.draw()

	// The remembered connection and its password from the keyring, read off the UI goroutine.
	profile, store := s.profile, a.profiles
	a.k.background(func(ctx context.Context) {
		if src != nil && a.downloadDir == "" {
			dir := defaultDownloadDir()
			a.k.do(func() { a.downloadDir = dir })
		}
		db, ok := store.Database(profile)
		if !ok {
			db = profiles.Database{Host: "localhost", Port: 5432, User: "postgres", Database: databaseNameFor(path)}
		}
		pw, err := store.Secrets().Get(ctx, profiles.DatabaseSecretName(profile, db.Host, db.Port, db.User))
		if err != nil {
			pw = "" // none saved yet, or no keyring: the user types it
		}
		a.k.do(func() {
			d.host.SetText(db.Host)
			d.port.SetText(strconv.Itoa(db.Port))
			d.user.SetText(db.User)
			d.database.SetText(db.Database)
			d.password.SetText(pw)
			d.loading = false
			d.replan()
		})
	})
	return d
}

// databaseNameFor suggests a database name from a backup's file name: "orderdesk_test".
func databaseNameFor(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".tar.gz", ".backup", ".db", ".gz"} {
		base = strings.TrimSuffix(base, ext)
	}
	name := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return '_'
	}, base)
	return cmp.Or(strings.Trim(name, "_"), "restored")
}

// request is the local restore as the fields stand.
func (d *localDBDialog) request() restore.LocalRequest {
	port, err := strconv.Atoi(strings.TrimSpace(d.port.Text))
	if err != nil {
		port = 0 // the engine says the port is wrong
	}
	return restore.LocalRequest{
		Profile: d.s.profile, File: d.file,
		Target: localdb.Target{Host: strings.TrimSpace(d.host.Text), Port: port, User: strings.TrimSpace(d.user.Text),
			Database: strings.TrimSpace(d.database.Text), Password: d.password.Text},
		Create: d.create.Checked, Replace: d.replace.Visible() && d.replace.Checked,
	}
}

// targetChanged plans for another database: the Replace tick confirmed replacing the
// database named before, so it is cleared, and offered again only if the engine finds
// this one not empty too. UI goroutine.
func (d *localDBDialog) targetChanged() {
	d.replace.Hide()
	d.replace.SetChecked(false)
	d.replan()
}

// replan asks the engine for the local plan in the background once typing paused
// (latest); the last answer wins.
func (d *localDBDialog) replan() {
	if d.loading || d.dialog == nil {
		return
	}
	req, e := d.request(), d.s.engine
	d.current, d.err = nil, nil
	d.draw()
	if src := d.cloud; src != nil {
		req.Cloud = &restore.DownloadRequest{Target: src.target, SnapshotID: src.snap.SnapshotID, Output: d.a.downloadDir}
	}
	d.plans.ask(d.a.k.loop, func(ctx context.Context) func() {
		p, err := e.PlanLocal(ctx, req, nil)
		return func() {
			d.current, d.err = p, err
			d.draw()
		}
	})
}

// draw shows the plan, the engine's refusal, or that it is still checking. UI goroutine.
func (d *localDBDialog) draw() {
	// The engine refused a database that is not empty: offer to replace it on purpose.
	if errors.Is(d.err, localdb.ErrNotEmpty) {
		d.replace.Show()
	}
	p := d.current
	if p == nil {
		d.show(false, nil, nil, d.err, "Checking the backup, pg_restore and the database…")
		d.body.Refresh()
		return
	}
	notes := p.Notes
	if rep := p.Archive; rep != nil { // known before the run for a file, or a download used again
		notes = append([]string{fmt.Sprintf("%s: %s with data; pg_restore %s at %s.", rep.Kind.Label(),
			wording.Count(len(rep.Tables), "table", "tables"), p.DB.Tool.Version, p.DB.Tool.Path)}, notes...)
	}
	d.show(true, p.Steps, notes, d.err, "")
	d.body.Refresh()
}

// submit remembers the connection (the password in the keyring only) and runs the plan.
func (d *localDBDialog) submit() {
	p := d.current
	if p == nil {
		return
	}
	d.dialog.Hide()
	req := d.request()
	t, profile, store := req.Target, d.s.profile, d.a.profiles
	d.a.k.background(func(ctx context.Context) {
		if err := store.SetDatabase(profile, profiles.Database{Host: t.Host, Port: t.Port, User: t.User, Database: t.Database}); err != nil {
			d.a.k.log.Warn("remember the local database", "err", err)
		}
		if t.Password != "" {
			if err := store.Secrets().Set(ctx, profiles.DatabaseSecretName(profile, t.Host, t.Port, t.User), t.Password); err != nil {
				d.a.k.log.Warn("keep the database password in the keyring", "err", err) // asked again next time
			}
		}
	})
	d.a.runs.runLocal(d.s, p)
}

// runLocal runs a local plan as one job (a cloud backup's download and restore alike); the
// completeness report is shown at the end. UI goroutine.
func (r *runner) runLocal(s *session, p *restore.LocalPlan) *job {
	what := filepath.Base(p.Request.File)
	if c := p.Request.Cloud; c != nil { // downloaded now or before: its file name is no name for an owner
		what = "a backup of " + c.Target.App.Name + " · " + c.Target.Env.Mode
	}
	title := fmt.Sprintf("Restore %s into %s", what, p.Request.Target.Database)
	var res *restore.LocalResult
	return r.runJob(s, title, p.Steps, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		var err error
		if res, err = s.engine.RunLocal(ctx, p, onEvent); res == nil {
			return nil, err
		}
		return &res.Result, err
	}, func(_ *job, err error) { r.localEnded(title, res, err) })
}

// localEnded notifies and shows the completeness report. UI goroutine.
func (r *runner) localEnded(title string, res *restore.LocalResult, err error) {
	switch {
	case err == nil && res.Complete():
		r.k.notify("Finished: "+title, res.Check.Summary())
	case errors.Is(err, localdb.ErrCancelled), errors.Is(err, context.Canceled):
		r.k.say(title + ": cancelled. " + explainSummary(err))
		return
	default:
		r.k.notify("Failed: "+title, explainSummary(err))
	}
	r.k.say(title + ": " + cmp.Or(resMessage(res), explainSummary(err)))
	showLocalReport(r.k, title, res, err)
	r.ended()
}
