package ui

import (
	"cmp"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
)

// backupCol is a column of the backups table.
type backupCol int

const (
	colCreated backupCol = iota
	colKind
	colState
	colModel
	colExpires
	numBackupCols
)

func (c backupCol) title() string {
	return [...]string{"Created", "Kind", "State", "Model", "Expires"}[c] // "Model" as the environments say it
}

// width is the column's width when there is room: the date and time of Created and its
// age fit whole. minWidth is what it shrinks to on a small screen (fitColumns); Created
// keeps its date and time.
func (c backupCol) width() float32 {
	return [...]float32{215, 100, 110, 110, 120}[c]
}

func (c backupCol) minWidth() float32 {
	return [...]float32{150, 75, 95, 80, 90}[c]
}

// allKinds lists the kinds the kind filter offers.
func allKinds() []cloud.SnapshotKind { return cloud.Kinds() }

// backupRow is one snapshot with its display strings computed once, so that drawing a
// cell is a lookup (the table redraws cells while scrolling).
type backupRow struct {
	snap    cloud.Snapshot
	kind    cloud.SnapshotKind
	cells   [numBackupCols]string
	search  string // lower-case text the filter matches against
	version versionKey
}

// backupList is the backups table's state: all rows, and the sorted, filtered view the
// table shows. It holds no widgets.
type backupList struct {
	rows  []backupRow
	view  []int // indexes into rows, in display order
	col   backupCol
	desc  bool
	query string
	kind  cloud.SnapshotKind // "" shows every kind
}

func newBackupList() *backupList { return &backupList{col: colCreated, desc: true} }

// makeBackupRows computes the display strings of snaps once; relative times are computed
// against now. It runs off the UI goroutine (thousands of rows take milliseconds).
func makeBackupRows(snaps []cloud.Snapshot, now time.Time) []backupRow {
	rows := make([]backupRow, len(snaps))
	for i, s := range snaps {
		k := cloud.KindOf(s)
		r := backupRow{snap: s, kind: k, version: parseVersion(s.ModelVersion)}
		r.cells[colCreated] = madeWithAge(s.CreatedAt, now) // when first: "10 hours ago" misled
		r.cells[colKind] = k.Label()
		r.cells[colState] = s.State.Label()
		r.cells[colModel] = cmp.Or(explain.Printable(s.ModelVersion), "—")
		r.cells[colExpires] = relativeTime(s.ExpiresAt, now)
		comment := s.Comment
		if strings.HasPrefix(strings.ToLower(comment), "automatically created") {
			comment = "" // "…nightly snapshot" is on weekly and monthly backups too: the kind says it
		}
		// The filter matches what the table shows ("yesterday", "2 days ago") too.
		r.search = strings.ToLower(strings.Join([]string{r.cells[colCreated], r.cells[colExpires], r.cells[colKind], r.cells[colState],
			s.ModelVersion, comment, s.StatusMessage, s.SnapshotID, s.CreatedAt.In(now.Location()).Format(exactTimeLayout)}, "\n"))
		rows[i] = r
	}
	return rows
}

// set replaces the rows with those of snaps.
func (l *backupList) set(snaps []cloud.Snapshot, now time.Time) {
	l.setRows(makeBackupRows(snaps, now))
}

// setRows replaces the rows and applies the sort and filter.
func (l *backupList) setRows(rows []backupRow) {
	l.rows = rows
	l.apply()
}

// sortBy sorts by col; choosing the sorted column again reverses the order. Times sort
// newest first at the first click, text A to Z.
func (l *backupList) sortBy(col backupCol) {
	if l.col == col {
		l.desc = !l.desc
	} else {
		l.col = col
		l.desc = col == colCreated || col == colExpires
	}
	l.apply()
}

// filter keeps the rows whose text contains query (any case) and, unless kind is empty,
// that are of that kind.
func (l *backupList) filter(query string, kind cloud.SnapshotKind) {
	l.query = strings.ToLower(strings.TrimSpace(query))
	l.kind = kind
	l.apply()
}

func (l *backupList) apply() {
	l.view = l.view[:0]
	for i := range l.rows {
		r := &l.rows[i]
		if l.kind != "" && r.kind != l.kind {
			continue
		}
		if l.query != "" && !strings.Contains(r.search, l.query) {
			continue
		}
		l.view = append(l.view, i)
	}
	slices.SortStableFunc(l.view, func(a, b int) int {
		c := l.compare(&l.rows[a], &l.rows[b])
		if l.desc {
			return -c
		}
		return c
	})
}

func (l *backupList) compare(a, b *backupRow) int {
	switch l.col {
	case colCreated:
		return a.snap.CreatedAt.Compare(b.snap.CreatedAt)
	case colExpires:
		return a.snap.ExpiresAt.Compare(b.snap.ExpiresAt)
	case colModel:
		return cmp.Or(slices.Compare(a.version, b.version), strings.Compare(a.snap.ModelVersion, b.snap.ModelVersion))
	}
	return strings.Compare(a.cells[l.col], b.cells[l.col])
}

// versionKey is a model version split into its numbers once, so sorting thousands of
// rows does not parse text in every comparison.
type versionKey []int

// parseVersion turns "1.10.0.340" into [1 10 0 340]; a part that is not a number counts
// as -1, so such versions sort first.
func parseVersion(s string) versionKey {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ".")
	k := make(versionKey, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1
		}
		k[i] = n
	}
	return k
}

// compareVersions orders "1.10.0" after "1.9.2": by number, part by part.
func compareVersions(a, b string) int { return slices.Compare(parseVersion(a), parseVersion(b)) }

// len is the number of rows shown.
func (l *backupList) len() int { return len(l.view) }

// at is the i-th row shown.
func (l *backupList) at(i int) *backupRow { return &l.rows[l.view[i]] }

// indexOf is the display index of the snapshot with id, or -1.
func (l *backupList) indexOf(id string) int {
	for i, r := range l.view {
		if l.rows[r].snap.SnapshotID == id {
			return i
		}
	}
	return -1
}

// backupsPanel shows the selected environment's backups: a filter, the table, and the
// selected backup's details.
type backupsPanel struct {
	list     *backupList
	table    *keyTable
	search   *widget.Entry
	kindSel  *widget.Select
	status   *widget.Label // "12 backups", "Loading backups…"
	details  *widget.Label
	actions  *fyne.Container // what can be done with the selected backup (addActions)
	selected string          // snapshot id
	loading  bool
	layout   *backupsLayout // set by content

	onSelect func(s *cloud.Snapshot) // nil when nothing is selected
	now      func() time.Time
}

const allKindsOption = "All kinds"

func newBackupsPanel(now func() time.Time, onSelect func(*cloud.Snapshot)) *backupsPanel {
	p := &backupsPanel{list: newBackupList(), onSelect: onSelect, now: now}
	p.table = p.newTable()
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Filter backups (comment, kind, version, date)")
	p.search.OnChanged = func(string) { p.refilter() }
	opts := []string{allKindsOption}
	for _, k := range allKinds() {
		opts = append(opts, k.Label())
	}
	p.status = widget.NewLabel("Select an environment to see its backups.")
	p.details = widget.NewLabel("")
	p.details.Wrapping = fyne.TextWrapWord
	p.details.Selectable = true
	p.actions = wrapRow() // wraps on a narrow window
	p.actions.Hide()
	p.kindSel = widget.NewSelect(opts, nil)
	p.kindSel.SetSelected(allKindsOption)
	p.kindSel.OnChanged = func(string) { p.refilter() }
	return p
}

func (p *backupsPanel) newTable() *keyTable {
	t := newKeyTable(
		func() (int, int) { return p.list.len(), int(numBackupCols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("Automatically created")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < 0 || id.Row >= p.list.len() {
				o.(*widget.Label).SetText("")
				return
			}
			// Fyne's table marks only the selected cell; bold text marks the whole row.
			l := o.(*widget.Label)
			r := p.list.at(id.Row)
			l.TextStyle.Bold = r.snap.SnapshotID == p.selected && p.selected != ""
			l.SetText(r.cells[id.Col])
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		// The sort arrow is a theme icon: a "▼" character is missing from some fonts
		// (Windows' showed "�").
		b := widget.NewButtonWithIcon("Expires", theme.MenuDropDownIcon(), nil)
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		b.IconPlacement = widget.ButtonIconTrailingText
		return b
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 {
			return
		}
		col := backupCol(id.Col)
		b.SetText(col.title())
		b.SetIcon(sortIcon(p.list.col == col, p.list.desc))
		b.OnTapped = func() { p.sortBy(col) }
	}
	t.OnSelected = func(id widget.TableCellID) {
		if id.Row < 0 || id.Row >= p.list.len() {
			return
		}
		r := p.list.at(id.Row)
		changed := p.selected != r.snap.SnapshotID
		p.selected = r.snap.SnapshotID
		if changed {
			p.table.Refresh() // re-bold the selected row
		}
		p.showDetails(r)
		snap := r.snap
		p.onSelect(&snap)
	}
	return t
}

func (p *backupsPanel) sortBy(col backupCol) {
	p.list.sortBy(col)
	p.reselect()
}

func (p *backupsPanel) refilter() {
	kind := cloud.SnapshotKind("")
	for _, k := range allKinds() {
		if k.Label() == p.kindSel.Selected {
			kind = k
		}
	}
	p.list.filter(p.search.Text, kind)
	p.reselect()
}

// reselect keeps the selected backup selected after the view changed, or clears the
// selection when the filter hides it.
func (p *backupsPanel) reselect() {
	p.table.Refresh()
	p.updateStatus()
	if p.selected == "" {
		return
	}
	if i := p.list.indexOf(p.selected); i >= 0 {
		p.table.Select(widget.TableCellID{Row: i, Col: 0})
		return
	}
	p.clearSelection()
}

func (p *backupsPanel) clearSelection() {
	p.selected = ""
	p.table.UnselectAll()
	p.details.SetText("")
	p.actions.Hide()
	p.onSelect(nil)
}

// setLoading shows that the backups of an environment are being fetched.
func (p *backupsPanel) setLoading(env string) {
	p.loading = true
	p.list.set(nil, time.Time{})
	p.clearSelection()
	p.table.Refresh()
	p.status.SetText(fmt.Sprintf("Loading the backups of %s…", env))
}

// setRefreshing shows that the backups shown are being fetched again: they stay, and so
// does the selected one, until the new list comes (setBackups).
func (p *backupsPanel) setRefreshing(env string) {
	p.loading = true
	p.status.SetText(fmt.Sprintf("Refreshing the backups of %s…", env))
}

// refreshFailed keeps the backups shown when fetching them again failed, and says why.
func (p *backupsPanel) refreshFailed(msg string) {
	p.loading = false
	p.status.SetText(msg)
}

// clear empties the panel (no environment selected).
func (p *backupsPanel) clear(msg string) {
	p.loading = false
	p.list.set(nil, time.Time{})
	p.clearSelection()
	p.table.Refresh()
	p.status.SetText(msg)
}

// setBackups shows rows (see makeBackupRows); keepID stays selected if present.
func (p *backupsPanel) setBackups(rows []backupRow, keepID string) {
	p.loading = false
	p.list.setRows(rows)
	p.selected = keepID
	p.table.Refresh()
	if keepID == "" || p.list.indexOf(keepID) < 0 {
		p.table.ScrollToTop() // else selecting it again scrolls to it
	}
	if keepID == "" {
		p.clearSelection()
	}
	p.reselect()
}

func (p *backupsPanel) updateStatus() {
	if p.loading {
		return
	}
	total, shown := len(p.list.rows), p.list.len()
	switch {
	case total == 0:
		p.status.SetText("This environment has no backups yet.")
	case shown == total:
		p.status.SetText(fmt.Sprintf("%d backups. Click a column title to sort.", total))
	default:
		p.status.SetText(fmt.Sprintf("%d of %d backups match the filter.", shown, total))
	}
}

func (p *backupsPanel) showDetails(r *backupRow) {
	s := r.snap
	now := p.now()
	var lines []string
	if s.Comment != "" {
		// First: the table's row does not show it, and on a small screen the text may
		// have room for a line or two only.
		lines = append(lines, "Comment: "+explain.Printable(s.Comment))
	}
	lines = append(lines,
		fmt.Sprintf("%s backup made %s (%s).", r.kind.Label(), madeInZone(s.CreatedAt, now), ageText(s.CreatedAt, now)),
		"It holds the data as it was at that moment.")
	if s.StatusMessage != "" {
		lines = append(lines, "Status: "+explain.Printable(s.StatusMessage))
	}
	if !s.ExpiresAt.IsZero() {
		lines = append(lines, "Kept until "+madeText(s.ExpiresAt, now))
	}
	lines = append(lines, "Backup ID: "+s.SnapshotID)
	p.details.SetText(strings.Join(lines, "\n"))
	p.actions.Show()
}

// content lays the panel out.
func (p *backupsPanel) content() fyne.CanvasObject {
	filters := container.NewBorder(nil, nil, nil, p.kindSel, p.search)
	top := container.NewVBox(filters, p.status)
	// The details keep a fixed height, so selecting a backup never shifts the table.
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSize(10, 5*theme.TextSize()+theme.Padding()*4))
	text := container.NewStack(room, container.NewVScroll(p.details))
	table := fitColumns(p.table, backupColWidths())
	p.layout = &backupsLayout{top: top, table: table, text: text, actions: p.actions,
		rowHeight: widget.NewLabel("Ag").MinSize().Height + theme.Padding()} // a cell and its divider
	return container.New(p.layout, top, table, text, p.actions)
}

// minTableRows is how many backups the table keeps in view on a short panel.
const minTableRows = 3

// backupsLayout lays the backups panel out: the filters and the status on top, the
// selected backup's details and actions at the bottom, the table between. On a short
// panel (a small screen: at 1024×768 the table showed one row) the details' text gives
// room to the table, which keeps its title row and minTableRows rows in view: the table
// is where a backup is chosen, and its row says most of what the text says (which
// scrolls, its comment first, or goes when less than a line of it would be left).
type backupsLayout struct {
	top, table, text, actions fyne.CanvasObject
	rowHeight                 float32
	size                      fyne.Size // the panel's, at the last layout
}

func (l *backupsLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	w := max(l.top.MinSize().Width, l.table.MinSize().Width, l.text.MinSize().Width)
	h := l.top.MinSize().Height + pad + l.table.MinSize().Height
	if l.actions.Visible() {
		w = max(w, l.actions.MinSize().Width)
		h += pad + l.actions.MinSize().Height
	}
	return fyne.NewSize(w, h)
}

func (l *backupsLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	l.size = size
	pad := theme.Padding()
	topH := l.top.MinSize().Height
	l.top.Move(fyne.NewPos(0, 0))
	l.top.Resize(fyne.NewSize(size.Width, topH))
	y, bottom := topH+pad, size.Height
	if l.actions.Visible() {
		h := l.actions.MinSize().Height
		bottom -= h
		l.actions.Move(fyne.NewPos(0, bottom))
		l.actions.Resize(fyne.NewSize(size.Width, h))
		bottom -= pad
	}
	// The text gets what the table leaves, up to its height (it scrolls); less than a
	// line of it is not worth showing.
	textH := min(l.text.MinSize().Height, bottom-pad-y-float32(minTableRows+1)*l.rowHeight)
	if textH < l.rowHeight-pad {
		textH = 0
	}
	bottom -= textH
	l.text.Move(fyne.NewPos(0, bottom))
	l.text.Resize(fyne.NewSize(size.Width, textH))
	if textH > 0 {
		bottom -= pad
	}
	l.table.Move(fyne.NewPos(0, y))
	l.table.Resize(fyne.NewSize(size.Width, max(bottom-y, 0)))
}

// backupColWidths are the backups table's columns as fitColumns shrinks them.
func backupColWidths() []colWidth {
	out := make([]colWidth, numBackupCols)
	for c := range numBackupCols {
		// Never narrower than its title and sort icon: titles do not shorten, they overlap.
		title := fyne.MeasureText(c.title(), theme.TextSize(), fyne.TextStyle{Bold: true}).Width +
			theme.IconInlineSize() + 5*theme.Padding()
		out[c] = colWidth{want: max(c.width(), title), least: max(c.minWidth(), title)}
	}
	return out
}

// sortIcon marks the column the table is sorted by: down for newest or Z first, up
// otherwise; no icon on the other columns.
func sortIcon(sorted, desc bool) fyne.Resource {
	switch {
	case !sorted:
		return nil
	case desc:
		return theme.MenuDropDownIcon()
	}
	return theme.MenuDropUpIcon()
}

// addActions puts buttons below the selected backup's details.
func (p *backupsPanel) addActions(objs []fyne.CanvasObject) {
	for _, o := range objs {
		p.actions.Add(o)
	}
}
