package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/version"
)

// The About dialog shows the version with its commit (what support asks for) and the
// project's link.
func TestAboutShowsVersionAndLink(t *testing.T) {
	test.NewTempApp(t)
	info := version.Info{Number: "9.8.7", Commit: "0123456789abcdef0123"}
	content := aboutContent(info, version.Website)
	var texts []string
	var link *widget.Hyperlink
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			texts = append(texts, w.Text)
		case *widget.Hyperlink:
			link = w
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(content)
	found := false
	for _, s := range texts {
		if s == "Version 9.8.7 (commit 0123456789ab)" {
			found = true
		}
	}
	if !found {
		t.Errorf("labels %q lack the version with its commit", texts)
	}
	if link == nil || link.URL == nil || link.URL.String() != version.Website {
		t.Errorf("hyperlink = %+v, want %s", link, version.Website)
	}
}
