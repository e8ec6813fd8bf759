package ui

import (
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
)

// recordOpened makes openURL record what it would have opened, until the test ends; the
// function returned gives what was opened so far.
func recordOpened(t *testing.T) func() []string {
	var mu sync.Mutex
	var opened []string
	old := openURL
	openURL = func(_ fyne.App, u *url.URL) error {
		mu.Lock()
		opened = append(opened, u.String())
		mu.Unlock()
		return nil
	}
	t.Cleanup(func() { openURL = old })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(opened)
	}
}

// The hand-over to the Portal shows the engine's steps, opens the Portal, and for an
// upload shows the file's full path and opens its folder.
func TestHandoffBoxOpensThePortalAndTheFolder(t *testing.T) {
	h := newHarness(t)
	openedLinks := recordOpened(t)

	ho := explain.UploadHandoff("Order Desk", "Test", "/home/me/backups/db.backup", "db.backup was checked and can be restored.")
	var box fyne.CanvasObject
	h.on(func() { box = h.u.k.handoffBox(ho) })
	w := test.NewTempWindow(t, box)
	var labels []string
	var buttons []*widget.Button
	for _, o := range test.LaidOutObjects(w.Content()) {
		switch x := o.(type) {
		case *widget.Label:
			labels = append(labels, x.Text)
		case *widget.Button:
			buttons = append(buttons, x)
		}
	}
	all := strings.Join(labels, "\n")
	for _, want := range []string{"1. Open Order Desk in the Mendix Portal", "Upload Archive", "/home/me/backups/db.backup"} {
		if !strings.Contains(all, want) {
			t.Errorf("the hand-over lacks %q:\n%s", want, all)
		}
	}
	if len(buttons) != 2 {
		t.Fatalf("%d buttons, want Open the Mendix Portal and Show in folder", len(buttons))
	}
	for _, b := range buttons {
		h.on(func() { test.Tap(b) })
	}
	h.idle()
	// Each opens off the UI goroutine, so they may be recorded in either order.
	opened := openedLinks()
	slices.Sort(opened)
	if len(opened) != 2 || opened[0] != "file:///home/me/backups" || opened[1] != cloud.PortalURL {
		t.Errorf("opened %q", opened)
	}
}
