package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
)

// appRow is one line of the apps list: a group heading or an app.
type appRow struct {
	heading string
	app     *cloud.AppWithEnvironments
}

// groupApps lists the apps matching query (name or app id, any case) under two headings,
// licensed nodes first, each sorted by name. A group without matches has no heading.
func groupApps(apps []cloud.AppWithEnvironments, query string) []appRow {
	q := strings.ToLower(strings.TrimSpace(query))
	var licensed, free []*cloud.AppWithEnvironments
	for i := range apps {
		a := &apps[i]
		if q != "" && !strings.Contains(strings.ToLower(a.Name), q) && !strings.Contains(strings.ToLower(a.AppID), q) {
			continue
		}
		if a.FreeApp {
			free = append(free, a)
		} else {
			licensed = append(licensed, a)
		}
	}
	byName := func(a, b *cloud.AppWithEnvironments) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.AppID, b.AppID))
	}
	slices.SortFunc(licensed, byName)
	slices.SortFunc(free, byName)
	var rows []appRow
	if len(licensed) > 0 {
		rows = append(rows, appRow{heading: fmt.Sprintf("Licensed nodes (%d)", len(licensed))})
		for _, a := range licensed {
			rows = append(rows, appRow{app: a})
		}
	}
	if len(free) > 0 {
		rows = append(rows, appRow{heading: fmt.Sprintf("Free Apps (%d)", len(free))})
		for _, a := range free {
			rows = append(rows, appRow{app: a})
		}
	}
	return rows
}

// appsPanel is the searchable list of the account's apps.
type appsPanel struct {
	apps     []cloud.AppWithEnvironments
	rows     []appRow
	selected string // app id
	search   *widget.Entry
	list     *keyList
	status   *widget.Label

	onSelect func(a *cloud.AppWithEnvironments)
}

func newAppsPanel(onSelect func(*cloud.AppWithEnvironments)) *appsPanel {
	p := &appsPanel{onSelect: onSelect}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search apps")
	p.search.OnChanged = func(string) { p.regroup() }
	p.status = widget.NewLabel("")
	p.status.Truncation = fyne.TextTruncateEllipsis
	p.list = newKeyList(
		func() int { return len(p.rows) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("Customer Portal")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, widget.NewIcon(theme.ComputerIcon()), nil, l)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			l := c.Objects[0].(*widget.Label)
			icon := c.Objects[1].(*widget.Icon)
			r := p.rows[id]
			if r.app == nil {
				l.TextStyle = fyne.TextStyle{Bold: true}
				l.SetText(r.heading)
				icon.Hide()
				return
			}
			l.TextStyle = fyne.TextStyle{}
			l.SetText(r.app.Name)
			icon.Show()
			if r.app.FreeApp {
				icon.SetResource(theme.HomeIcon())
			} else {
				icon.SetResource(theme.ComputerIcon())
			}
		})
	p.list.OnSelected = func(id widget.ListItemID) {
		r := p.rows[id]
		if r.app == nil { // a heading is not selectable
			p.list.Unselect(id)
			if i := p.indexOf(p.selected); i >= 0 {
				p.list.Select(i)
			}
			return
		}
		if r.app.AppID == p.selected {
			return
		}
		p.selected = r.app.AppID
		p.onSelect(r.app)
	}
	return p
}

// setApps shows the account's apps, keeping the selection when the app is still there.
func (p *appsPanel) setApps(apps []cloud.AppWithEnvironments) {
	p.apps = apps
	if p.find(p.selected) == nil {
		p.selected = ""
	}
	p.regroup()
	switch n := len(apps); n {
	case 0:
		p.status.SetText("No apps: this API key has access to none.")
	case 1:
		p.status.SetText("1 app")
	default:
		p.status.SetText(fmt.Sprintf("%d apps", n))
	}
}

func (p *appsPanel) setStatus(s string) { p.status.SetText(s) }

func (p *appsPanel) regroup() {
	p.rows = groupApps(p.apps, p.search.Text)
	p.list.UnselectAll()
	p.list.Refresh()
	if i := p.indexOf(p.selected); i >= 0 {
		p.list.Select(i) // same app: OnSelected does not reload it
	}
}

func (p *appsPanel) indexOf(appID string) int {
	if appID == "" {
		return -1
	}
	return slices.IndexFunc(p.rows, func(r appRow) bool { return r.app != nil && r.app.AppID == appID })
}

// find returns the app with id, or nil.
func (p *appsPanel) find(appID string) *cloud.AppWithEnvironments {
	for i := range p.apps {
		if p.apps[i].AppID == appID && appID != "" {
			return &p.apps[i]
		}
	}
	return nil
}

// selectApp selects the app with id as if the user clicked it.
func (p *appsPanel) selectApp(appID string) bool {
	i := p.indexOf(appID)
	if i < 0 {
		return false
	}
	p.list.Select(i)
	return true
}

func (p *appsPanel) content() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Apps", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewBorder(container.NewVBox(title, p.search), p.status, nil, nil, p.list)
}
