package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/localcloud"
	"restoredesk/core/profiles"
)

// fill types the account into the sign-in screen.
func fill(h *harness, name, username, key string) *signInForm {
	var f *signInForm
	h.on(func() {
		f = h.u.acc.signin
		if f == nil {
			h.t.Fatal("the sign-in screen is not shown")
		}
		test.Type(f.name, name)
		test.Type(f.username, username)
		test.Type(f.apiKey, key)
		f.apiURL.SetText(h.srv.URL())
	})
	return f
}

func TestSignIn_FirstStartSavesProfileAndKeyAndShowsApps(t *testing.T) {
	h := newHarness(t)
	h.on(func() { h.u.Start(StartOptions{}) })
	h.on(func() {
		if !shows(h.u.k.win.Canvas(), "Sign in to Mendix Cloud") || !shows(h.u.k.win.Canvas(), "Try the demo") {
			t.Fatalf("first start shows no sign-in screen: %q", texts(h.u.k.win.Canvas()))
		}
	})
	f := fill(h, "Acme", localcloud.DemoUsername, localcloud.DemoAPIKey)
	h.on(func() { test.Tap(f.signIn) })
	h.idle()

	h.on(func() {
		if got := h.u.k.win.Title(); got != "Restore Desk — Acme" {
			t.Errorf("title = %q", got)
		}
		var rows []string
		for _, r := range h.u.lists.apps.rows {
			if r.app == nil {
				rows = append(rows, "# "+r.heading)
			} else {
				rows = append(rows, r.app.Name)
			}
		}
		want := "# Licensed nodes (2)|Customer Portal|Order Desk|# Free Apps (1)|Expense Tracker"
		if got := strings.Join(rows, "|"); got != want {
			t.Errorf("apps list = %s, want %s", got, want)
		}
	})
	p, ok := h.store.Get("Acme")
	if !ok || p.Username != localcloud.DemoUsername || p.APIURL != h.srv.URL() {
		t.Fatalf("profile saved = %+v, %v", p, ok)
	}
	if key, err := h.store.APIKey(context.Background(), "Acme"); err != nil || key != localcloud.DemoAPIKey {
		t.Fatalf("key in the secret store = %q, %v", key, err)
	}
}

func TestSignIn_WrongKeySaysSoInPlainWordsAndSavesNothing(t *testing.T) {
	h := newHarness(t)
	h.on(func() { h.u.Start(StartOptions{}) })
	f := fill(h, "Acme", localcloud.DemoUsername, "not-the-key")
	h.on(func() { test.Tap(f.signIn) })
	h.idle()
	h.on(func() {
		msg := f.message.Text
		if !f.message.Visible() || msg == "" {
			t.Fatal("no message after a wrong key")
		}
		low := strings.ToLower(msg)
		if !strings.Contains(low, "api key") || strings.Contains(msg, "401") || strings.Contains(msg, "not-the-key") {
			t.Errorf("message is not plain words about the key (or leaks it): %q", msg)
		}
		if h.u.lists.sess != nil {
			t.Error("a session was opened with a wrong key")
		}
	})
	if _, ok := h.store.Get("Acme"); ok {
		t.Error("the profile was saved although the key was refused")
	}
}

func TestSignIn_TestConnectionCountsAppsWithoutSaving(t *testing.T) {
	h := newHarness(t)
	h.on(func() { h.u.Start(StartOptions{}) })
	f := fill(h, "Acme", localcloud.DemoUsername, localcloud.DemoAPIKey)
	h.on(func() { test.Tap(f.test) })
	h.idle()
	h.on(func() {
		if !strings.Contains(f.message.Text, "3 apps") {
			t.Errorf("test connection said %q", f.message.Text)
		}
	})
	if len(h.store.List()) != 0 {
		t.Error("Test connection saved a profile")
	}
}

func TestSignIn_KeyringUnavailable_FakeStore(t *testing.T) {
	fake := &fakeUnavailableKeyring{}
	h := newHarness(t, withSecrets(fake))
	h.on(func() { h.u.Start(StartOptions{}) })
	f := fill(h, "Acme", localcloud.DemoUsername, localcloud.DemoAPIKey)
	h.on(func() { test.Tap(f.signIn) })
	h.idle()
	h.on(func() {
		if h.last.keyringPrompt == nil {
			t.Fatal("no question about the unavailable keyring")
		}
		c := h.u.k.win.Canvas()
		if !shows(c, "no D-Bus session") || !shows(c, "this session only") {
			t.Fatalf("the prompt does not say why or what it offers: %q", texts(c))
		}
		h.last.keyringPrompt.Confirm()
	})
	h.idle()
	h.on(func() {
		if h.u.lists.sess == nil || h.u.lists.sess.profile != "Acme" {
			t.Fatal("the account did not open with a session-only key")
		}
	})
	if _, ok := h.store.Secrets().(*profiles.SessionStore); !ok {
		t.Fatalf("keys are kept in %T, not for this session only", h.store.Secrets())
	}
	if key, err := h.store.APIKey(context.Background(), "Acme"); err != nil || key != localcloud.DemoAPIKey {
		t.Fatalf("session key = %q, %v", key, err)
	}
}

func TestOpenProfile_KeyringUnavailable_FakeStore_AsksForKeyForThisSession(t *testing.T) {
	fake := &fakeUnavailableKeyring{}
	h := newHarness(t, withSecrets(profiles.NewSessionStore()))
	if err := h.store.Save(context.Background(), profiles.Profile{Name: "Acme", Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, "x"); err != nil {
		t.Fatal(err)
	}
	h.store.SetSecrets(fake)
	h.on(func() { h.u.Start(StartOptions{Profile: "Acme"}) })
	h.idle()
	h.on(func() {
		f := h.u.acc.signin
		if f == nil || !f.sessionOnly {
			t.Fatal("no sign-in for this session after the keyring failed")
		}
		if !strings.Contains(f.message.Text, "keyring is unavailable") || !strings.Contains(f.message.Text, "D-Bus") {
			t.Errorf("message = %q", f.message.Text)
		}
		if f.name.Text != "Acme" || f.username.Text != localcloud.DemoUsername {
			t.Errorf("the profile is not filled in: %q %q", f.name.Text, f.username.Text)
		}
		test.Type(f.apiKey, localcloud.DemoAPIKey)
		test.Tap(f.signIn)
	})
	h.idle()
	h.on(func() {
		if h.u.lists.sess == nil || h.u.lists.sess.profile != "Acme" {
			t.Fatal("the account did not open")
		}
	})
	if n := fake.setCalls(); n != 0 {
		t.Errorf("the unavailable keyring was asked to store the key %d times", n)
	}
}

func TestOpenProfile_NoKeySavedAsksToSignIn(t *testing.T) {
	h := newHarness(t)
	if err := h.store.Save(context.Background(), profiles.Profile{Name: "Acme", Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, ""); err != nil {
		t.Fatal(err)
	}
	h.on(func() { h.u.Start(StartOptions{}) }) // the only profile opens
	h.idle()
	h.on(func() {
		f := h.u.acc.signin
		if f == nil || !strings.Contains(f.message.Text, "No API key is saved") {
			t.Fatalf("no request for the key")
		}
	})
}

func TestDeleteProfile_RemovesKeyToo(t *testing.T) {
	h := newHarness(t)
	if err := h.store.Save(context.Background(), profiles.Profile{Name: "Acme", Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, localcloud.DemoAPIKey); err != nil {
		t.Fatal(err)
	}
	h.on(func() { h.u.Start(StartOptions{Profile: "Acme"}) })
	h.idle()
	h.on(func() { h.u.acc.confirmDeleteProfile("Acme").Confirm() })
	h.idle()
	if _, ok := h.store.Get("Acme"); ok {
		t.Error("the profile is still there")
	}
	if _, err := h.store.Secrets().Get(context.Background(), "Acme"); err != profiles.ErrNoKey {
		t.Errorf("the key is still kept: %v", err)
	}
	h.on(func() {
		if h.u.lists.sess != nil || h.u.acc.signin == nil {
			t.Error("deleting the open account did not return to the sign-in screen")
		}
	})
}
