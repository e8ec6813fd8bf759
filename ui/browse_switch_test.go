package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/profiles"
)

// gatedKeyring is the in-memory secret store whose answer for one account waits until the
// test lets it go: a slow system keyring (an unlock prompt), which the real one cannot be
// made to be on demand here.
type gatedKeyring struct {
	profiles.SecretStore
	slow string
	gate chan struct{}
	once sync.Once
}

func (g *gatedKeyring) Get(ctx context.Context, name string) (string, error) {
	if name == g.slow {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return g.SecretStore.Get(ctx, name)
}

func (g *gatedKeyring) open() { g.once.Do(func() { close(g.gate) }) }

// Switching from Acme to Globex while Globex's key is still being read: the window never
// shows Acme's backups while the switcher says Globex, and Restore… waits, until Globex's
// own lists have arrived and one of its backups is chosen.
func TestSwitchingCustomers_NeverShowsTheOldCustomersBackups(t *testing.T) {
	keys := &gatedKeyring{SecretStore: profiles.NewSessionStore(), slow: "Globex", gate: make(chan struct{})}
	h := newHarness(t, withSecrets(keys))
	t.Cleanup(keys.open)
	for _, name := range []string{"Acme", "Globex"} {
		if err := h.store.Save(context.Background(), profiles.Profile{Name: name, Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, localcloud.DemoAPIKey); err != nil {
			t.Fatal(err)
		}
	}
	h.on(func() { h.u.Start(StartOptions{Profile: "Acme"}) })
	h.idle()
	h.open("orderdesk", "Production")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() {
		if h.u.bar.restore.Disabled() {
			t.Fatal("Restore… is not offered for Acme's backup")
		}
		h.u.bar.profiles.SetSelected("Globex")
	})
	h.on(func() {
		if n := h.u.lists.backups.list.len(); n != 0 {
			t.Errorf("while Globex opens, %d of Acme's backups are shown", n)
		}
		if len(h.u.lists.apps.apps) != 0 || len(h.u.lists.envs.envs) != 0 {
			t.Errorf("while Globex opens, Acme's apps or environments are shown")
		}
		if !shows(h.u.k.win.Canvas(), "Opening Globex") {
			t.Errorf("the window does not say Globex is opening: %q", texts(h.u.k.win.Canvas()))
		}
		if !h.u.bar.restore.Disabled() || h.u.act.restoreSelected() != nil { // Ctrl+Enter's way in too
			t.Error("Restore… is offered while Globex opens")
		}
	})
	keys.open()
	h.idle()
	h.on(func() {
		if got := h.u.k.win.Title(); got != "Restore Desk — Globex" || len(h.u.lists.apps.apps) == 0 {
			t.Fatalf("after switching: title %q, %d apps", got, len(h.u.lists.apps.apps))
		}
		if h.u.lists.backups.list.len() != 0 || !h.u.bar.restore.Disabled() {
			t.Error("Globex opened with a backup shown or Restore… offered before anything was chosen")
		}
	})
	h.open("orderdesk", "Production")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() {
		if h.u.bar.restore.Disabled() {
			t.Error("Restore… is not offered once Globex's backup is chosen")
		}
	})
}

// The account asked for does not open (no key saved): the sign-in form asks for it, and
// going back shows the account that was open before, with its lists.
func TestSwitchingCustomers_BackToTheAccountBeforeWhenTheNewOneDoesNotOpen(t *testing.T) {
	h := newHarness(t)
	if err := h.store.Save(context.Background(), profiles.Profile{Name: "Acme", Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, localcloud.DemoAPIKey); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Save(context.Background(), profiles.Profile{Name: "Globex", Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, localcloud.DemoAPIKey); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Secrets().Delete(context.Background(), "Globex"); err != nil {
		t.Fatal(err)
	}
	h.on(func() { h.u.Start(StartOptions{Profile: "Acme"}) })
	h.idle()
	h.on(func() { h.u.bar.profiles.SetSelected("Globex") })
	h.idle()
	h.on(func() {
		if !shows(h.u.k.win.Canvas(), "No API key is saved") {
			t.Fatalf("no sign-in for Globex: %q", texts(h.u.k.win.Canvas()))
		}
		h.u.acc.back()
	})
	h.idle()
	h.on(func() {
		if s := h.u.lists.sess; s == nil || s.profile != "Acme" || len(h.u.lists.apps.apps) == 0 {
			t.Fatalf("back from the sign-in: session %v, %d apps", s != nil, len(h.u.lists.apps.apps))
		}
		if h.u.bar.profiles.Selected != "Acme" || !strings.HasSuffix(h.u.k.win.Title(), "Acme") {
			t.Errorf("the switcher says %q, the title %q", h.u.bar.profiles.Selected, h.u.k.win.Title())
		}
	})
}
