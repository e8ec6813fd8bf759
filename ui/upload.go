package ui

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// archiveExtensions are the files the chooser offers (".gz" covers ".tar.gz").
func archiveExtensions() []string { return []string{".backup", ".db", ".gz", ".tar.gz"} }

// uploadTarget returns the selected app and environment if an archive may be uploaded
// there, and otherwise says why not. UI goroutine.
func (a *actions) uploadTarget() (cloud.AppWithEnvironments, cloud.Environment, bool) {
	switch {
	case a.lists.sess == nil:
		return cloud.AppWithEnvironments{}, cloud.Environment{}, false
	case a.lists.curApp == nil || a.lists.curEnv == nil:
		a.k.showMessage("Choose an environment first",
			"Select the app and the environment the archive belongs to, then upload it (or drop it on the window).")
		return cloud.AppWithEnvironments{}, cloud.Environment{}, false
	}
	if err := restore.CheckUploadTarget(restore.Target{App: a.lists.curApp.App, Env: *a.lists.curEnv}); err != nil {
		a.k.showError("No archive can be uploaded here", err)
		return cloud.AppWithEnvironments{}, cloud.Environment{}, false
	}
	return *a.lists.curApp, *a.lists.curEnv, true
}

// showUploadChooser opens the file chooser for an archive (toolbar, Ctrl+U).
func (a *actions) showUploadChooser() {
	if _, _, ok := a.uploadTarget(); !ok {
		return
	}
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			a.k.showError("The file could not be opened", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		_ = r.Close()
		a.inspectFile(path)
	}, a.k.win)
	fd.SetFilter(storage.NewExtensionFileFilter(archiveExtensions()))
	fd.SetTitleText("Choose a backup archive (.backup, .db or .tar.gz)")
	fd.SetConfirmText("Check this file")
	fd.SetView(dialog.ListView)
	if a.chooserDir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(a.chooserDir)); err == nil {
			fd.SetLocation(l)
		}
	}
	fd.Resize(fyne.NewSize(860, 560))
	fd.Show()
	a.k.shown(fd)
}

// handleDrop starts the upload flow for a file dropped on the window.
func (a *actions) handleDrop(_ fyne.Position, uris []fyne.URI) {
	if _, _, ok := a.uploadTarget(); !ok {
		return
	}
	switch {
	case len(uris) == 0:
		return
	case len(uris) > 1:
		a.k.showMessage("One file at a time", fmt.Sprintf("%d files were dropped. Drop a single backup archive (.backup, .db or .tar.gz).", len(uris)))
		return
	case uris[0].Scheme() != "file":
		a.k.showMessage("Not a file on this computer", "Drop a backup archive from a folder on this computer.")
		return
	}
	a.inspectFile(uris[0].Path())
}

// inspectFile checks the archive locally, with progress, before anything is uploaded.
func (a *actions) inspectFile(path string) {
	app, env, ok := a.uploadTarget()
	if !ok {
		return
	}
	s := a.lists.sess
	name := filepath.Base(path)
	pd := a.k.newProgressDialog("Checking "+name,
		"Restore Desk reads the whole file to check it before anything is uploaded. Nothing changes in the cloud yet.")
	req := restore.Request{Profile: s.profile, Source: restore.Source{File: path},
		Target: restore.Target{App: app.App, Env: env}, Options: restore.Options{UploadOnly: true}}
	a.k.background(func(context.Context) {
		// The engine inspects the file as part of its plan, and remembers the report.
		plan, err := s.engine.PlanWithProgress(pd.ctx, req, pd.events())
		pd.end()
		cancelled := pd.ctx.Err() != nil
		report := restore.ReportOf(err)
		var handoff *explain.Handoff // the file was checked, and the way on is the Portal
		if plan != nil {
			report = plan.Archive
		} else if report != nil {
			handoff = explain.Explain(err).Handoff
		}
		a.k.do(func() {
			pd.close()
			switch {
			case cancelled:
				a.k.say("The check of " + name + " was cancelled. Nothing was uploaded.")
			case report != nil:
				a.showInspection(s, app, env, plan, report, handoff)
			default:
				a.k.showError("The archive cannot be uploaded", err)
			}
		})
	})
}

// reportItems are the facts of an inspection report as label/value pairs.
func reportItems(r *archive.Report) [][2]string {
	items := [][2]string{{"Kind", r.Kind.Label()}}
	add := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			items = append(items, [2]string{label, value})
		}
	}
	if !r.DumpedAt.IsZero() {
		add("Dumped", r.DumpedAt.Format(exactTimeLayout)+" (the dumping computer's local time)")
	}
	add("Database", r.DatabaseName)
	if r.ServerVersion != "" || r.PgDumpVersion != "" {
		add("PostgreSQL", strings.TrimSpace(fmt.Sprintf("server %s, pg_dump %s", r.ServerVersion, r.PgDumpVersion)))
	}
	if r.ArchiveVersion != "" {
		add("Dump format", fmt.Sprintf("version %s, %s, compression %s", r.ArchiveVersion, r.Format, r.Compression))
	}
	add("Model version", r.ModelVersion)
	size := progress.Size(r.CompressedSize)
	if r.UncompressedSize > 0 && r.UncompressedSize != r.CompressedSize {
		size += fmt.Sprintf(" (%s unpacked)", progress.Size(r.UncompressedSize))
	}
	add("Size", size)
	// File documents live under tree/ in a full snapshot; a database-only dump has none.
	if r.Kind == archive.KindFullSnapshot || r.Kind == archive.KindFilesOnly {
		add("File documents", fmt.Sprintf("%d", r.TreeFileCount))
	}
	add("SHA-256", r.SHA256)
	return items
}

// inspectionDialog shows what the inspection found and, for a restorable archive, asks
// to upload it.
type inspectionDialog struct {
	dialog  *dialog.CustomDialog
	report  *archive.Report
	restore *widget.Check
	upload  *widget.Button
	cancel  *widget.Button
}

// showInspection shows report; a file that cannot be restored is only shown, never sent.
// plan is the engine's upload-only plan (nil when the file cannot be restored, or when the
// cloud takes uploads only through its Portal: then handoff says how, and the dialog
// hands the checked file over instead of uploading it).
func (a *actions) showInspection(s *session, app cloud.AppWithEnvironments, env cloud.Environment, plan *restore.Plan, r *archive.Report, handoff *explain.Handoff) *inspectionDialog {
	d := &inspectionDialog{report: r}
	path := r.Path
	name := filepath.Base(path)
	body := container.NewVBox()
	verdict := wrapped(fmt.Sprintf("%s can be restored.", name))
	verdict.TextStyle.Bold = true
	look := widget.SuccessImportance
	if !r.Restorable {
		look = widget.DangerImportance
		verdict.SetText(fmt.Sprintf("%s cannot be restored, so it will not be uploaded. Nothing was changed.", name))
	}
	wrongApp := plan != nil && plan.Fit.NeedsTypedName()
	if wrongApp { // the first line says it: this is likely another customer's data
		look = widget.WarningImportance
		verdict.SetText(plan.Fit.Warnings[0])
	}
	if handoff != nil && r.Restorable { // said up front: this file goes through the Portal
		verdict.SetText(handoff.Reason)
	}
	body.Add(statusRow(widget.NewIcon(nil), look, verdict))
	// Reasons first: a refused file's problems lead, its technical facts come below.
	for _, p := range r.Problems {
		body.Add(statusRow(widget.NewIcon(nil), widget.DangerImportance, wrapped(p)))
	}
	form := widget.NewForm()
	for _, it := range reportItems(r) {
		v := widget.NewLabel(it[1])
		v.Wrapping = fyne.TextWrapBreak
		v.Selectable = true
		form.Append(it[0], v)
	}
	if r.Restorable {
		body.Add(form)
	} else {
		body.Add(widget.NewAccordion(widget.NewAccordionItem("Technical details", form)))
	}
	for _, n := range r.Notes {
		body.Add(wrapped("Note: " + n))
	}

	if r.Restorable { // a checked file can also go into a local database (localdb_dialog.go)
		body.Add(widget.NewButtonWithIcon("Open in local database…", theme.StorageIcon(), func() { d.dialog.Hide(); a.showLocalDB(s, path) }))
	}
	title := "Check of " + name
	switch {
	case handoff != nil && r.Restorable:
		body.Add(widget.NewSeparator())
		body.Add(a.k.handoffBox(*handoff))
		d.cancel = widget.NewButton("Cancel", func() { d.dialog.Hide() })
		d.upload = widget.NewButtonWithIcon("Hand over to the Mendix Portal", theme.ComputerIcon(), func() {
			d.dialog.Hide()
			if link, err := url.Parse(handoff.URL); err == nil && handoff.URL != "" {
				a.k.open(link)
			}
			a.k.say(fmt.Sprintf("%s was handed over to the Mendix Portal: upload it there to %s › %s (Backups › Upload Archive).", name, app.App.Name, env.Mode))
		})
		d.upload.Importance = widget.HighImportance
		d.dialog = dialog.NewCustomWithoutButtons(title, container.NewVScroll(body), a.k.win)
		d.dialog.SetButtons([]fyne.CanvasObject{d.cancel, d.upload})
	case plan == nil || !r.Restorable:
		d.dialog = dialog.NewCustom(title, "Close", container.NewVScroll(body), a.k.win)
	default:
		d.restore = widget.NewCheck(fmt.Sprintf("Restore %s from it once it is uploaded", env.Mode), nil)
		// The plan says whether restoring starts ticked: never for a file that may be
		// another app's data.
		after, offered := plan.Shape().Choice(restore.OptRestoreAfterUpload)
		d.restore.SetChecked(offered && after.Default)
		body.Add(widget.NewSeparator())
		for _, n := range append(slices.Clone(plan.Warnings), plan.Notes...) { // the engine's words for the upload alone
			if !wrongApp || n != plan.Warnings[0] {
				body.Add(wrapped(n))
			}
		}
		if wrongApp && plan.Fit.Next != "" { // restoring it will need the environment's name typed
			body.Add(wrapped(plan.Fit.Next))
		}
		body.Add(d.restore)
		d.cancel = widget.NewButton("Cancel", func() { d.dialog.Hide() })
		d.upload = widget.NewButton("Upload", func() {
			d.dialog.Hide()
			if d.restore.Checked { // another plan: the restore is planned and confirmed on its own
				a.restoreFile(s, app.App, env, path)
				return
			}
			if plan.ConfirmWith("") {
				a.runs.confirmed(s, plan)
			}
		})
		d.upload.Importance = widget.HighImportance
		d.dialog = dialog.NewCustomWithoutButtons(title, container.NewVScroll(body), a.k.win)
		d.dialog.SetButtons([]fyne.CanvasObject{d.cancel, d.upload})
	}
	d.dialog.Resize(fyne.NewSize(640, 520))
	d.dialog.Show()
	a.k.shown(d)
	return d
}
