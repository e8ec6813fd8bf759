package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// envVersions is the second line of an environment: "Model 1.4.0 · Mendix 10.6.1".
func envVersions(e cloud.Environment) string {
	var parts []string
	if e.ModelVersion != "" {
		parts = append(parts, "Model "+e.ModelVersion)
	}
	if e.MendixVersion != "" {
		parts = append(parts, "Mendix "+e.MendixVersion)
	}
	if len(parts) == 0 {
		return "No version information"
	}
	return strings.Join(parts, " · ")
}

// envsPanel lists the selected app's environments with status badges.
type envsPanel struct {
	envs     []cloud.Environment
	selected string // environment id
	list     *keyList
	title    *widget.Label
	status   *widget.Label
	loading  bool
	// live is what the engine says a run is doing to an environment, nil: none (livestatus.go).
	live func(cloud.Environment) *restore.Live

	onSelect func(e *cloud.Environment)
}

func newEnvsPanel(onSelect func(*cloud.Environment)) *envsPanel {
	p := &envsPanel{onSelect: onSelect}
	p.title = widget.NewLabelWithStyle("Environments", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.status = widget.NewLabel("Select an app.")
	p.status.Truncation = fyne.TextTruncateEllipsis
	p.list = newKeyList(
		func() int { return len(p.envs) },
		func() fyne.CanvasObject {
			mode := widget.NewLabelWithStyle("Acceptance", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			badge := newBadge("Running · receiving the upload") // the longest status: the list is made as wide
			versions := widget.NewLabel("Model 1.0.0 · Mendix 10.0.0")
			versions.SizeName = theme.SizeNameCaptionText
			versions.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(container.NewHBox(mode, badge), versions)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			e := p.envs[id]
			c := o.(*fyne.Container)
			head := c.Objects[0].(*fyne.Container)
			mode := head.Objects[0].(*widget.Label)
			versions := c.Objects[1].(*widget.Label)
			mode.SetText(e.Mode)
			if l := p.liveOf(e); l != nil {
				icon, label := liveBadge(l, e.Status)
				setBadge(head.Objects[1].(*fyne.Container), icon, label)
			} else {
				setBadge(head.Objects[1].(*fyne.Container), envStatusIcon(e.Status), e.Status.Label())
			}
			versions.SetText(envVersions(e))
		})
	p.list.OnSelected = func(id widget.ListItemID) {
		e := p.envs[id]
		if e.EnvironmentID == p.selected {
			return
		}
		p.selected = e.EnvironmentID
		env := e
		p.onSelect(&env)
	}
	return p
}

// setLoading shows that the environments of app are being fetched; the ones known so far
// stay visible and selectable.
func (p *envsPanel) setLoading(appName string) {
	p.loading = true
	p.title.SetText("Environments of " + appName)
	p.status.SetText("Checking their status…")
}

// setEnvs shows envs, keeping the selected environment selected if it is still there.
// note explains an empty or partial list.
func (p *envsPanel) setEnvs(appName string, envs []cloud.Environment, note string) {
	p.loading = false
	p.envs = envs
	p.title.SetText("Environments of " + appName)
	p.list.UnselectAll()
	p.list.Refresh()
	if i := p.indexOf(p.selected); i >= 0 {
		p.list.Select(i)
	} else {
		p.selected = ""
	}
	switch {
	case note != "":
		p.status.SetText(note)
	case len(envs) == 0:
		p.status.SetText("This app has no environments on Mendix Cloud.")
	default:
		p.status.SetText(countText(len(envs), "environment"))
	}
}

// clear empties the panel.
func (p *envsPanel) clear(msg string) {
	p.loading = false
	p.envs = nil
	p.selected = ""
	p.title.SetText("Environments")
	p.list.UnselectAll()
	p.list.Refresh()
	p.status.SetText(msg)
}

// liveOf is what the engine says a run is doing to e, or nil.
func (p *envsPanel) liveOf(e cloud.Environment) *restore.Live {
	if p.live == nil {
		return nil
	}
	return p.live(e)
}

func (p *envsPanel) indexOf(envID string) int {
	if envID == "" {
		return -1
	}
	return slices.IndexFunc(p.envs, func(e cloud.Environment) bool { return e.EnvironmentID == envID })
}

// current returns the selected environment, or nil.
func (p *envsPanel) current() *cloud.Environment {
	if i := p.indexOf(p.selected); i >= 0 {
		e := p.envs[i]
		return &e
	}
	return nil
}

// selectMode selects the environment named mode as if the user clicked it.
func (p *envsPanel) selectMode(mode string) bool {
	i := slices.IndexFunc(p.envs, func(e cloud.Environment) bool { return strings.EqualFold(e.Mode, mode) })
	if i < 0 {
		return false
	}
	p.list.Select(i)
	return true
}

func (p *envsPanel) content() fyne.CanvasObject {
	return container.NewBorder(p.title, p.status, nil, nil, p.list)
}
