package ui

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
	"restoredesk/core/wording"
)

const (
	allProfilesOption = "All accounts"
	allAppsOption     = "All apps"
)

// historyCols are the history table's columns.
func historyCols() []string {
	return []string{"Started", "Account", "App · environment", "What", "From", "Status", "Took"}
}

// historyColWidths fit "Fri 5 Dec 2025 10:26" whole in Started (it was cut at 150).
func historyColWidths() []float32 { return []float32{175, 120, 200, 90, 230, 110, 90} }

// runKindText is a run's kind in words.
func runKindText(r journal.Run) string {
	switch r.Kind {
	case journal.KindRestore:
		return "Restore"
	case journal.KindUpload:
		if r.UploadOnly {
			return "Upload"
		}
		return "Upload + restore"
	case journal.KindUndo:
		return "Undo"
	case journal.KindStart:
		return "Start"
	case journal.KindStop:
		return "Stop"
	case journal.KindBackup:
		return "Backup"
	case journal.KindComment:
		return "Comment"
	case journal.KindDelete:
		return "Delete backup"
	case journal.KindDownload:
		return "Download"
	case restore.KindLocalRestore:
		return "Local restore"
	case journal.KindDownloadLink:
		return "Download link"
	case restore.KindTableRead:
		return "Table list read"
	}
	return wording.UpperFirst(strings.ReplaceAll(string(r.Kind), "_", " ")) // a kind added later
}

// runWhere is where a run acted, as "App · environment", or a local database as
// "orders on localhost:5432" (never its address, which may carry the user and settings).
func runWhere(r journal.Run) string {
	if r.Kind == restore.KindLocalRestore {
		if u, err := url.Parse(r.AppID); err == nil && u.Host != "" {
			return r.Mode + " on " + u.Host
		}
		return "Local database " + r.Mode
	}
	return cmp.Or(r.AppName, r.AppID) + " · " + r.Mode
}

// historyRowCells are the cells of one run; times are in now's zone (the user's).
func historyRowCells(r journal.Run, now time.Time) []string {
	took := "—"
	if !r.FinishedAt.IsZero() {
		took = elapsedText(r.FinishedAt.Sub(r.StartedAt))
	}
	return []string{madeText(r.StartedAt, now), r.Profile, runWhere(r), runKindText(r), fromText(r),
		r.Status.Label(), took}
}

// fromText names what a run restored as people know it: the file, or the backup's kind
// and date ("Nightly backup of 28 Nov 00:12", "Production's manual backup of …"); the id
// stays in the details.
func fromText(r journal.Run) string {
	switch {
	case r.FileName != "":
		return r.FileName
	case !r.SourceTakenAt.IsZero():
		kind := "backup"
		if r.SourceKind != "" {
			kind = strings.ToLower(cloud.SnapshotKind(r.SourceKind).Label()) + " backup"
		}
		if r.SourceMode != "" && r.SourceMode != r.Mode {
			return fmt.Sprintf("%s's %s of %s", r.SourceMode, kind, shortTime(r.SourceTakenAt))
		}
		return fmt.Sprintf("%s of %s", strings.ToUpper(kind[:1])+kind[1:], shortTime(r.SourceTakenAt))
	case r.SnapshotID != "":
		return "A backup" // recorded before dates were kept
	}
	return "—"
}

// historyWindow shows the journal: every run on this computer, filterable by account and
// app, exportable as CSV, with "Undo this restore" for runs that took a safety backup.
type historyWindow struct {
	lp      *loop
	now     func() time.Time
	journal *journal.Journal
	session func() *session // the signed-in account, which may undo its own runs
	undoRun func(s *session, runID int64, parent fyne.Window)

	win      fyne.Window
	runs     []journal.Run
	cells    [][]string
	selected int
	profile  *widget.Select
	app      *widget.Select
	table    *widget.Table
	details  *widget.Label
	status   *widget.Label
	undo     *widget.Button
	appIDs   map[string]string // option label → app id
	loads    latest
	closed   bool
}

// showHistory opens (or raises) the history window.
func (u *UI) showHistory() {
	if u.history != nil && !u.history.closed {
		u.history.win.RequestFocus()
		u.history.load()
		return
	}
	u.history = newHistoryWindow(u.k, u.deps.Journal, func() *session { return u.lists.sess },
		func(s *session, runID int64, over fyne.Window) { u.act.undoRun(s, runID, over) })
}

// reloadHistory reads the journal again into the History window, when it is open.
func (u *UI) reloadHistory() {
	if u.history != nil && !u.history.closed {
		u.history.load()
	}
}

// newHistoryWindow opens the history window.
func newHistoryWindow(k *kit, j *journal.Journal, sess func() *session, undo func(*session, int64, fyne.Window)) *historyWindow {
	h := &historyWindow{lp: k.loop, now: k.now, journal: j, session: sess, undoRun: undo, selected: -1, appIDs: map[string]string{}}
	h.win = k.app.NewWindow(AppTitle + " — History")
	h.profile = widget.NewSelect([]string{allProfilesOption}, nil)
	h.profile.SetSelected(allProfilesOption)
	h.app = widget.NewSelect([]string{allAppsOption}, nil)
	h.app.SetSelected(allAppsOption)
	h.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(h.cells), len(historyCols()) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("Upload + restore")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(h.cells) {
				o.(*widget.Label).SetText(h.cells[id.Row][id.Col])
			}
		})
	h.table.ShowHeaderColumn = false
	h.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("App · environment", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	h.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(historyCols()[id.Col])
		}
	}
	for i, w := range historyColWidths() {
		h.table.SetColumnWidth(i, w)
	}
	h.table.OnSelected = func(id widget.TableCellID) { h.selectRun(id.Row) }
	h.details = wrapped("Select a run to see its steps.")
	h.details.Selectable = true
	h.status = widget.NewLabel("")
	h.undo = widget.NewButtonWithIcon("Undo this restore…", theme.ContentUndoIcon(), h.undoSelected)
	h.undo.Disable()
	export := widget.NewButtonWithIcon("Export CSV…", theme.DocumentSaveIcon(), h.chooseExport)
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), h.load)
	top := container.NewHBox(widget.NewLabel("Account"), h.profile, widget.NewLabel("App"), h.app, refresh, export)
	split := container.NewVSplit(h.table, container.NewBorder(nil, container.NewHBox(h.undo), nil, nil,
		container.NewVScroll(h.details)))
	split.SetOffset(0.6)
	h.win.SetContent(container.NewBorder(top, h.status, nil, nil, split))
	h.profile.OnChanged = func(string) { h.load() }
	h.app.OnChanged = func(string) { h.load() }
	h.win.Resize(fyne.NewSize(1100, 640))
	h.win.SetOnClosed(func() { h.closed = true })
	h.win.Show()
	h.load()
	return h
}

// filter is the journal filter the selects describe.
func (h *historyWindow) filter() journal.Filter {
	f := journal.Filter{}
	if p := h.profile.Selected; p != "" && p != allProfilesOption {
		f.Profile = p
	}
	if a := h.app.Selected; a != "" && a != allAppsOption {
		f.AppID = h.appIDs[a]
	}
	return f
}

// load reads the journal again.
func (h *historyWindow) load() {
	f := h.filter()
	h.status.SetText("Reading the history…")
	h.loads.ask(h.lp, func(ctx context.Context) func() {
		all, err := h.journal.List(ctx, journal.Filter{})
		var runs []journal.Run
		if err == nil {
			runs, err = h.journal.List(ctx, f)
		}
		return func() {
			if err != nil {
				h.status.SetText("The history could not be read: " + explainSummary(err))
				return
			}
			h.setOptions(all)
			h.set(runs)
		}
	})
}

// setOptions offers the accounts and apps found in the journal.
func (h *historyWindow) setOptions(all []journal.Run) {
	profiles := []string{allProfilesOption}
	apps := []string{allAppsOption}
	for _, r := range all {
		if r.Profile != "" && !slices.Contains(profiles, r.Profile) {
			profiles = append(profiles, r.Profile)
		}
		if r.AppID == "" {
			continue
		}
		label := r.AppName
		if label == "" {
			label = r.AppID
		}
		if _, seen := h.appIDs[label]; !seen {
			h.appIDs[label] = r.AppID
		}
		if !slices.Contains(apps, label) {
			apps = append(apps, label)
		}
	}
	slices.Sort(profiles[1:])
	slices.Sort(apps[1:])
	h.profile.SetOptions(profiles)
	h.app.SetOptions(apps)
}

func (h *historyWindow) set(runs []journal.Run) {
	h.runs = runs
	h.cells = make([][]string, len(runs))
	now := h.now()
	for i, r := range runs {
		h.cells[i] = historyRowCells(r, now)
	}
	h.selected = -1
	h.table.UnselectAll()
	h.table.Refresh()
	h.undo.Disable()
	h.details.SetText("Select a run to see its steps.")
	h.status.SetText(fmt.Sprintf("%s. Journal: %s", countText(len(runs), "run"), h.journal.Path()))
}

func (h *historyWindow) selectRun(i int) {
	if i < 0 || i >= len(h.runs) {
		return
	}
	h.selected = i
	r := h.runs[i]
	h.details.SetText(runDetails(r))
	if r.CanUndo() {
		h.undo.Enable()
	} else {
		h.undo.Disable()
	}
}

// runDetails is a run told step by step.
func runDetails(r journal.Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s of %s by %s (%s), started %s\n", runKindText(r), runWhere(r), r.Profile, r.Username, exactTime(r.StartedAt))
	if src := r.Source(); src != "" {
		fmt.Fprintf(&b, "From: %s\n", fromText(r))
	}
	fmt.Fprintf(&b, "Status: %s", r.Status.Label())
	if r.Error != "" {
		fmt.Fprintf(&b, " — %s", r.Error)
	}
	b.WriteString("\n")
	if r.SafetySnapshotID != "" {
		fmt.Fprintf(&b, "Safety backup: %s\n", madeAt(r, restore.StepSafetyBackup))
	}
	if r.BackupSnapshotID != "" {
		fmt.Fprintf(&b, "Backup made: %s\n", madeAt(r, restore.StepBackup))
	}
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "  %s: %s", s.Title, s.Status)
		if s.Message != "" {
			fmt.Fprintf(&b, " — %s", s.Message)
		}
		if d := s.Duration(); d > 0 {
			fmt.Fprintf(&b, " (%s)", elapsedText(d))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// madeAt says when run r's step k made its backup: "taken Sat 5 Dec 2026 10:02", by the
// moment the step began (the backup holds the data of then), never the backup's id.
func madeAt(r journal.Run, k restore.StepKind) string {
	for _, s := range r.Steps {
		if s.Kind == string(k) && !s.StartedAt.IsZero() {
			return "taken " + exactTime(s.StartedAt)
		}
	}
	return "taken during this run"
}

// chooseExport asks where to save the CSV.
func (h *historyWindow) chooseExport() {
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			h.status.SetText("The file could not be created: " + explainSummary(err))
			return
		}
		if w != nil {
			h.exportTo(w)
		}
	}, h.win)
	fd.SetFileName("restoredesk-history.csv")
	fd.Show()
}

// exportTo writes the filtered history as CSV to w and closes it.
func (h *historyWindow) exportTo(w io.WriteCloser) {
	f := h.filter()
	h.lp.background(func(ctx context.Context) {
		err := h.journal.ExportCSV(ctx, w, f)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		h.lp.do(func() {
			if err != nil {
				h.status.SetText("The export failed: " + explainSummary(err))
				return
			}
			h.status.SetText("The history was exported.")
		})
	})
}

// undoSelected plans restoring the selected run's safety backup into its environment.
func (h *historyWindow) undoSelected() {
	if h.selected < 0 {
		return
	}
	r := h.runs[h.selected]
	s := h.session()
	if s == nil || s.profile != r.Profile {
		// Over the History window, where the user asked.
		d := dialog.NewCustom("Switch account first", "OK",
			wrapped(fmt.Sprintf("This restore was made with the account “%s”. Open that account, then undo it.", r.Profile)), h.win)
		d.Resize(fyne.NewSize(480, 0))
		d.Show()
		closeOnEscape(h.win, d)
		return
	}
	h.undoRun(s, r.ID, h.win)
}
