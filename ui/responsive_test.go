package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/localcloud/localcloudtest"
)

// With a server that answers every request after 2 s, clicking, typing and selecting
// return at once: the lists say they are loading while the user goes on working, and the
// results arrive later. Asserted by state, not by timing: each interaction returns while
// the load it started is still pending, which a UI waiting on the network could not do.
func TestResponsive_SlowServerNeverBlocksTheWindow(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithLatency(2*time.Second)))
	h.on(func() { h.u.Start(StartOptions{Demo: true}) })
	h.waitFor("the demo session", func() bool { return h.u.lists.sess != nil })
	h.on(func() {
		// The account is loading (≥ 2 s); the window already answers.
		if h.u.lists.apps.status.Text != "Loading apps…" {
			t.Fatalf("apps status = %q while loading", h.u.lists.apps.status.Text)
		}
		test.Type(h.u.lists.apps.search, "desk")
		if h.u.lists.apps.search.Text != "desk" {
			t.Fatal("typing in the search did not take effect at once")
		}
		h.u.lists.apps.search.SetText("")
	})
	h.idle()

	h.on(func() {
		h.u.lists.apps.selectApp("orderdesk")
		// The environments known from the account are shown and selectable at once,
		// while their status is refreshed in the background.
		if !h.u.lists.envs.loading {
			t.Fatal("the environments' refresh is not pending after selecting the app")
		}
		if len(h.u.lists.envs.envs) != 3 {
			t.Fatalf("%d environments shown while refreshing", len(h.u.lists.envs.envs))
		}
		h.u.lists.envs.selectMode("Production")
		if !h.u.lists.backups.loading {
			t.Fatal("the backups load is not pending after selecting the environment")
		}
		test.Type(h.u.lists.backups.search, "nightly")
		test.Type(h.u.lists.apps.search, "order")
		if !h.u.lists.envs.loading || !h.u.lists.backups.loading {
			t.Fatal("a load finished during the interaction: the window waited on the network")
		}
	})
	h.idle()
	h.on(func() {
		if h.u.lists.envs.loading || h.u.lists.backups.loading {
			t.Fatal("loads still pending after they finished")
		}
		if h.u.lists.backups.list.len() == 0 {
			t.Fatal("no nightly backups arrived after the slow load")
		}
		for i := 0; i < h.u.lists.backups.list.len(); i++ {
			if h.u.lists.backups.list.at(i).cells[colKind] != "Nightly" {
				t.Fatal("the filter typed while loading was not applied to the results")
			}
		}
	})
}
