package ui

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/profiles"
)

// accounts is the sign-in screen and the accounts menu: adding, editing and deleting
// accounts, opening a saved one, and the demo.
type accounts struct {
	k     *kit
	deps  *Deps
	lists *browser // whose session is the signed-in account
	// open makes an account the signed-in one; back shows the lists again; signedOut
	// closes the signed-in account (it was deleted); listed lists the accounts anew in
	// the switcher.
	open      func(profile string, client *cloud.Client)
	back      func()
	signedOut func()
	listed    func()

	demos  []*Demo     // started once, kept until the window closes
	signin *signInForm // the sign-in screen last shown
}

// keyringPrompt is the question asked when the keyring is unavailable.
type keyringPrompt struct{ *dialog.ConfirmDialog }

// useSessionStore keeps API keys in memory from now on (the keyring is unavailable).
func (ac *accounts) useSessionStore() {
	if _, ok := ac.deps.Profiles.Secrets().(*profiles.SessionStore); !ok {
		ac.deps.Profiles.SetSecrets(profiles.NewSessionStore())
	}
}

// askSessionOnly says that the keyring is unavailable, and why, and offers to keep the
// key for this session only. UI goroutine.
func (ac *accounts) askSessionOnly(err error, keep func()) *dialog.ConfirmDialog {
	cause := err.Error()
	var ue *profiles.UnavailableError
	if errors.As(err, &ue) {
		cause = ue.Cause
	}
	text := fmt.Sprintf("Restore Desk cannot keep the API key in the system keyring: %s.\n\n"+
		"It can keep the key for this session only. Nothing is written to disk; "+
		"you will enter the key again the next time you start Restore Desk.", cause)
	d := dialog.NewCustomConfirm("The system keyring is unavailable", "Keep for this session only", "Cancel",
		wrapped(text), func(ok bool) {
			if ok {
				keep()
			}
		}, ac.k.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
	ac.k.shown(keyringPrompt{d})
	return d
}

// openProfile signs in with a saved profile: its key comes from the secret store.
func (ac *accounts) openProfile(name string) {
	p, ok := ac.deps.Profiles.Get(name)
	if !ok {
		ac.showSignIn(signInPrefill{message: fmt.Sprintf("There is no saved account named “%s”. Sign in to add it.", name),
			profile: profiles.Profile{Name: name}})
		return
	}
	ac.k.say("Opening " + name + "…")
	ac.lists.leave("Opening " + name + "…") // never the last account's lists under this name
	ac.k.background(func(ctx context.Context) {
		key, err := ac.deps.Profiles.APIKey(ctx, name)
		var client *cloud.Client
		if err == nil {
			client, err = ac.deps.NewClient(p.APIURL, cloud.Credentials{Username: p.Username, APIKey: key})
		}
		ac.k.do(func() {
			if err != nil { // back to the account shown before, should the user go back
				ac.lists.resume()
				ac.listed()
			}
			switch {
			case errors.Is(err, profiles.ErrNoKey):
				ac.showSignIn(signInPrefill{profile: p, editing: name,
					message: fmt.Sprintf("No API key is saved for “%s”. Enter it to sign in.", name)})
			case errors.Is(err, profiles.ErrKeyringUnavailable):
				cause := err.Error()
				var ue *profiles.UnavailableError
				if errors.As(err, &ue) {
					cause = ue.Cause
				}
				ac.showSignIn(signInPrefill{profile: p, editing: name, sessionOnly: true,
					message: fmt.Sprintf("The system keyring is unavailable: %s. Enter the API key of “%s”; it will be kept for this session only.", cause, name)})
			case err != nil:
				ac.showSignIn(signInPrefill{profile: p, editing: name, message: explainLine(err)})
			default:
				ac.open(name, client)
			}
		})
	})
}

// startDemo opens the embedded demo cloud (started once, kept until the UI closes).
func (ac *accounts) startDemo() {
	if ac.deps.StartDemo == nil {
		ac.k.showMessage("No demo", "This build of Restore Desk has no demo cloud.")
		return
	}
	if ac.signin != nil {
		ac.signin.setBusy(true, "Starting the demo cloud…")
	}
	ac.lists.leave("Opening the demo…")
	var running *Demo
	if len(ac.demos) > 0 {
		running = ac.demos[0]
	}
	form := ac.signin
	ac.k.background(func(ctx context.Context) {
		d := running
		var err error
		if d == nil {
			d, err = ac.deps.StartDemo(ctx)
		}
		var client *cloud.Client
		if err == nil {
			client, err = ac.deps.NewClient(d.URL, d.Credentials)
		}
		ac.k.do(func() {
			if form != nil {
				form.setBusy(false, "")
			}
			if err != nil {
				ac.lists.resume()
				ac.listed()
				ac.k.showError("The demo could not start", err)
				return
			}
			if running == nil {
				ac.demos = append(ac.demos, d)
			}
			ac.open(DemoProfile, client)
		})
	})
}

// showAccountsMenu offers to add, edit or delete accounts, or to try the demo.
func (ac *accounts) showAccountsMenu(anchor fyne.CanvasObject) {
	items := []*fyne.MenuItem{fyne.NewMenuItem("Add account…", func() { ac.showSignIn(signInPrefill{}) })}
	if s := ac.lists.sess; s != nil && s.profile != DemoProfile {
		name := s.profile
		items = append(items,
			fyne.NewMenuItem("Edit “"+name+"”…", func() { ac.editProfile(name) }),
			fyne.NewMenuItem("Delete “"+name+"”…", func() { ac.confirmDeleteProfile(name) }))
	}
	if ac.deps.StartDemo != nil {
		items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Try the demo", ac.startDemo))
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("About Restore Desk", func() { ac.k.showAbout() }))
	menu := fyne.NewMenu("Accounts", items...)
	pos := ac.k.app.Driver().AbsolutePositionForObject(anchor).Add(fyne.NewPos(0, anchor.Size().Height))
	widget.ShowPopUpMenuAtPosition(menu, ac.k.win.Canvas(), pos)
}

// editProfile opens the sign-in screen on a saved profile.
func (ac *accounts) editProfile(name string) {
	p, ok := ac.deps.Profiles.Get(name)
	if !ok {
		return
	}
	ac.showSignIn(signInPrefill{profile: p, editing: name})
}

// confirmDeleteProfile asks, then removes the profile and its key from the keyring.
func (ac *accounts) confirmDeleteProfile(name string) *dialog.ConfirmDialog {
	d := dialog.NewConfirm("Delete “"+name+"”?",
		"The account and its API key are removed from this computer. Nothing changes in Mendix Cloud, "+
			"and the history of its restores is kept.", func(ok bool) {
			if ok {
				ac.deleteProfile(name)
			}
		}, ac.k.win)
	d.SetConfirmText("Delete")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
	closeOnEscape(ac.k.win, d)
	return d
}

func (ac *accounts) deleteProfile(name string) {
	ac.k.background(func(ctx context.Context) {
		err := ac.deps.Profiles.Delete(ctx, name)
		ac.k.do(func() {
			if err != nil {
				ac.k.showError("The account could not be deleted", err)
				return
			}
			if ac.lists.sess != nil && ac.lists.sess.profile == name {
				ac.signedOut()
				ac.showSignIn(signInPrefill{message: fmt.Sprintf("“%s” was deleted. Sign in with another account.", name)})
				return
			}
			ac.listed()
		})
	})
}

// closeDemos stops the demo clouds started.
func (ac *accounts) closeDemos() {
	for _, d := range ac.demos {
		if err := d.Close(); err != nil {
			ac.k.log.Warn("stop the demo cloud", "err", err)
		}
	}
}
