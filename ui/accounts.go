package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/profiles"
)

// connectTimeout bounds "Test connection" and the check made when signing in.
const connectTimeout = 30 * time.Second

// signInPrefill is what the sign-in screen opens with.
type signInPrefill struct {
	profile     profiles.Profile
	message     string
	sessionOnly bool   // the keyring is unavailable: keep the key for this session only
	editing     string // the profile being edited; empty for a new one
}

// signInForm is the sign-in screen: a new account, or an existing one that needs its key
// or is being edited.
type signInForm struct {
	name, username, apiKey, apiURL *widget.Entry
	message                        *widget.Label
	messageIcon                    *widget.Icon    // carries the message's status colour
	messageRow                     *fyne.Container // the icon and the message
	test, signIn, demo, cancel     *widget.Button
	busy                           *widget.ProgressBarInfinite
	sessionOnly                    bool
	editing                        string
}

func (f *signInForm) setMessage(text string, imp widget.Importance) {
	setStatusIcon(f.messageIcon, imp)
	f.message.SetText(text)
	f.message.Show()
	f.messageRow.Show()
}

func (f *signInForm) setBusy(busy bool, text string) {
	for _, b := range []*widget.Button{f.test, f.signIn, f.demo} {
		if busy {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if busy {
		f.busy.Show()
		f.busy.Start()
		f.setMessage(text, widget.MediumImportance)
	} else {
		f.busy.Stop()
		f.busy.Hide()
	}
}

// profile is the profile the form describes.
func (f *signInForm) profile() profiles.Profile {
	return profiles.Profile{
		Name:     strings.TrimSpace(f.name.Text),
		Username: strings.TrimSpace(f.username.Text),
		APIURL:   strings.TrimRight(strings.TrimSpace(f.apiURL.Text), "/"),
	}
}

// showSignIn replaces the window's content with the sign-in screen.
func (u *UI) showSignIn(pre signInPrefill) *signInForm {
	f := &signInForm{sessionOnly: pre.sessionOnly, editing: pre.editing}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder("e.g. the customer's name, or “My apps”")
	f.name.SetText(pre.profile.Name)
	f.username = widget.NewEntry()
	f.username.SetPlaceHolder("you@example.com")
	f.username.SetText(pre.profile.Username)
	f.apiKey = widget.NewPasswordEntry()
	if pre.editing != "" {
		f.apiKey.SetPlaceHolder("Leave empty to keep the saved key")
	} else {
		f.apiKey.SetPlaceHolder("Paste the API key")
	}
	f.apiURL = widget.NewEntry()
	f.apiURL.SetText(pre.profile.APIURL)
	if f.apiURL.Text == "" {
		f.apiURL.SetText(profiles.DefaultAPIURL)
	}
	f.message = wrapped("")
	f.message.Hide()
	f.messageIcon = widget.NewIcon(nil)
	f.messageRow = statusRow(f.messageIcon, widget.MediumImportance, f.message)
	f.messageRow.Hide()
	f.busy = widget.NewProgressBarInfinite()
	f.busy.Stop()
	f.busy.Hide()
	if pre.message != "" {
		f.setMessage(pre.message, widget.WarningImportance)
	}

	f.test = widget.NewButtonWithIcon("Test connection", theme.SearchIcon(), func() { u.submitSignIn(f, false) })
	f.signIn = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), func() { u.submitSignIn(f, true) })
	f.signIn.Importance = widget.HighImportance
	f.demo = widget.NewButtonWithIcon("Try the demo", theme.MediaPlayIcon(), u.startDemo)
	f.cancel = widget.NewButton("Back", func() {
		if u.sess != nil {
			u.win.SetContent(u.main)
		}
	})
	if u.sess == nil {
		f.cancel.Hide()
	}
	f.apiKey.OnSubmitted = func(string) { u.submitSignIn(f, true) }

	form := widget.NewForm(
		widget.NewFormItem("Profile name", f.name),
		widget.NewFormItem("Mendix username", f.username),
		widget.NewFormItem("API key", f.apiKey),
	)
	advanced := widget.NewAccordion(widget.NewAccordionItem("Advanced",
		widget.NewForm(widget.NewFormItem("API URL", f.apiURL))))
	// Said in full below the form: a placeholder this long is cut off in the entry.
	keyNote := wrapped("Create an API key in Mendix Portal › your profile › API Keys. It is kept in the system keyring, never in a file.")
	if f.sessionOnly {
		keyNote.SetText("Create an API key in Mendix Portal › your profile › API Keys. The system keyring is unavailable: the API key is kept for this session only.")
	}
	title := "Sign in to Mendix Cloud"
	if pre.editing != "" {
		title = "Edit account “" + pre.editing + "”"
	}
	signInCard := widget.NewCard(title, "Use one account per customer if you restore for others.",
		container.NewVBox(form, advanced, keyNote, f.messageRow, f.busy,
			container.NewHBox(f.cancel, f.test, f.signIn)))

	demoText := wrapped("The demo runs a practice cloud on this computer with three example apps " +
		"and their backups. Nothing you do there touches real apps.")
	demoCard := widget.NewCard("Just looking?", "", container.NewVBox(demoText, f.demo))
	if u.deps.StartDemo == nil {
		demoCard.Hide()
	}

	heading := widget.NewLabelWithStyle("Restore Desk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText
	sub := widget.NewLabelWithStyle("Restore backups of your Mendix apps, safely.", fyne.TextAlignCenter, fyne.TextStyle{})
	cards := container.NewGridWithColumns(2, signInCard, container.NewVBox(demoCard))
	page := container.NewVBox(heading, sub, cards)
	u.win.SetContent(container.NewCenter(container.NewGridWrap(fyne.NewSize(860, page.MinSize().Height), page)))
	u.signin = f
	if f.name.Text == "" {
		u.win.Canvas().Focus(f.name)
	} else {
		u.win.Canvas().Focus(f.apiKey)
	}
	return f
}

// submitSignIn checks the account against the cloud and, when save is set, keeps the
// profile and its key and opens it.
func (u *UI) submitSignIn(f *signInForm, save bool) {
	p := f.profile()
	if p.APIURL == "" {
		p.APIURL = profiles.DefaultAPIURL
	}
	if err := profiles.Validate(p); err != nil {
		f.setMessage(sentence(err.Error()), widget.DangerImportance)
		return
	}
	key := f.apiKey.Text
	if key == "" && f.editing == "" {
		f.setMessage("Enter the API key. Create one in Mendix Portal under your profile › API Keys.", widget.DangerImportance)
		return
	}
	if _, taken := u.deps.Profiles.Get(p.Name); taken && save && f.editing != p.Name {
		f.setMessage(fmt.Sprintf("A profile named “%s” exists already. Choose another name, or pick it in the account switcher.", p.Name), widget.DangerImportance)
		return
	}
	f.setBusy(true, "Checking the username and API key with "+p.APIURL+"…")
	editing, sessionOnly := f.editing, f.sessionOnly
	u.background(func(ctx context.Context) {
		if key == "" { // editing without a new key: check with the saved one
			var err error
			if key, err = u.deps.Profiles.APIKey(ctx, editing); err != nil {
				u.do(func() {
					f.setBusy(false, "")
					f.setMessage("The saved API key could not be read: "+explainSummary(err)+" Enter the key again.", widget.DangerImportance)
				})
				return
			}
		}
		client, n, err := u.checkAccount(ctx, p, key)
		if err != nil {
			u.do(func() {
				f.setBusy(false, "")
				f.setMessage(explainLine(err), widget.DangerImportance)
			})
			return
		}
		if !save {
			u.do(func() {
				f.setBusy(false, "")
				f.setMessage(fmt.Sprintf("Connected: this account sees %s.", countText(n, "app")), widget.SuccessImportance)
			})
			return
		}
		if sessionOnly {
			u.useSessionStore()
		}
		err = u.saveProfile(ctx, editing, p, key)
		u.do(func() {
			f.setBusy(false, "")
			switch {
			case errors.Is(err, profiles.ErrKeyringUnavailable):
				u.askSessionOnly(err, func() {
					f.sessionOnly = true
					u.submitSignIn(f, true)
				})
			case err != nil:
				f.setMessage("The account could not be saved: "+explainLine(err), widget.DangerImportance)
			default:
				u.openSession(p.Name, client)
			}
		})
	})
}

// checkAccount makes a client and lists the apps once, so a wrong key or URL is found now.
func (u *UI) checkAccount(ctx context.Context, p profiles.Profile, key string) (*cloud.Client, int, error) {
	client, err := u.deps.NewClient(p.APIURL, cloud.Credentials{Username: p.Username, APIKey: key})
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	apps, err := client.ListApps(ctx)
	if err != nil {
		return nil, 0, err
	}
	return client, len(apps), nil
}

// saveProfile saves p with key, renaming the profile being edited first.
func (u *UI) saveProfile(ctx context.Context, editing string, p profiles.Profile, key string) error {
	if editing != "" && editing != p.Name {
		if err := u.deps.Profiles.Rename(ctx, editing, p.Name); err != nil {
			return err
		}
	}
	return u.deps.Profiles.Save(ctx, p, key)
}

// useSessionStore keeps API keys in memory from now on (the keyring is unavailable).
func (u *UI) useSessionStore() {
	if _, ok := u.deps.Profiles.Secrets().(*profiles.SessionStore); !ok {
		u.deps.Profiles.SetSecrets(profiles.NewSessionStore())
	}
}

// askSessionOnly says that the keyring is unavailable, and why, and offers to keep the
// key for this session only. UI goroutine.
func (u *UI) askSessionOnly(err error, keep func()) *dialog.ConfirmDialog {
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
		}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
	u.keyringPrompt = d
	return d
}

// openProfile signs in with a saved profile: its key comes from the secret store.
func (u *UI) openProfile(name string) {
	p, ok := u.deps.Profiles.Get(name)
	if !ok {
		u.showSignIn(signInPrefill{message: fmt.Sprintf("There is no saved account named “%s”. Sign in to add it.", name),
			profile: profiles.Profile{Name: name}})
		return
	}
	u.status.SetText("Opening " + name + "…")
	u.background(func(ctx context.Context) {
		key, err := u.deps.Profiles.APIKey(ctx, name)
		var client *cloud.Client
		if err == nil {
			client, err = u.deps.NewClient(p.APIURL, cloud.Credentials{Username: p.Username, APIKey: key})
		}
		u.do(func() {
			switch {
			case errors.Is(err, profiles.ErrNoKey):
				u.showSignIn(signInPrefill{profile: p, editing: name,
					message: fmt.Sprintf("No API key is saved for “%s”. Enter it to sign in.", name)})
			case errors.Is(err, profiles.ErrKeyringUnavailable):
				cause := err.Error()
				var ue *profiles.UnavailableError
				if errors.As(err, &ue) {
					cause = ue.Cause
				}
				u.showSignIn(signInPrefill{profile: p, editing: name, sessionOnly: true,
					message: fmt.Sprintf("The system keyring is unavailable: %s. Enter the API key of “%s”; it will be kept for this session only.", cause, name)})
			case err != nil:
				u.showSignIn(signInPrefill{profile: p, editing: name, message: explainLine(err)})
			default:
				u.openSession(name, client)
			}
		})
	})
}

// startDemo opens the embedded demo cloud (started once, kept until the UI closes).
func (u *UI) startDemo() {
	if u.deps.StartDemo == nil {
		u.showMessage("No demo", "This build of Restore Desk has no demo cloud.")
		return
	}
	if u.signin != nil {
		u.signin.setBusy(true, "Starting the demo cloud…")
	}
	var running *Demo
	if len(u.demos) > 0 {
		running = u.demos[0]
	}
	form := u.signin
	u.background(func(ctx context.Context) {
		d := running
		var err error
		if d == nil {
			d, err = u.deps.StartDemo(ctx)
		}
		var client *cloud.Client
		if err == nil {
			client, err = u.deps.NewClient(d.URL, d.Credentials)
		}
		u.do(func() {
			if form != nil {
				form.setBusy(false, "")
			}
			if err != nil {
				u.showError("The demo could not start", err)
				return
			}
			if running == nil {
				u.demos = append(u.demos, d)
			}
			u.openSession(DemoProfile, client)
		})
	})
}

// showAccountsMenu offers to add, edit or delete accounts, or to try the demo.
func (u *UI) showAccountsMenu(anchor fyne.CanvasObject) {
	items := []*fyne.MenuItem{fyne.NewMenuItem("Add account…", func() { u.showSignIn(signInPrefill{}) })}
	if s := u.sess; s != nil && s.profile != DemoProfile {
		name := s.profile
		items = append(items,
			fyne.NewMenuItem("Edit “"+name+"”…", func() { u.editProfile(name) }),
			fyne.NewMenuItem("Delete “"+name+"”…", func() { u.confirmDeleteProfile(name) }))
	}
	if u.deps.StartDemo != nil {
		items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Try the demo", u.startDemo))
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("About Restore Desk", func() { u.showAbout() }))
	menu := fyne.NewMenu("Accounts", items...)
	pos := u.app.Driver().AbsolutePositionForObject(anchor).Add(fyne.NewPos(0, anchor.Size().Height))
	widget.ShowPopUpMenuAtPosition(menu, u.win.Canvas(), pos)
}

// editProfile opens the sign-in screen on a saved profile.
func (u *UI) editProfile(name string) {
	p, ok := u.deps.Profiles.Get(name)
	if !ok {
		return
	}
	u.showSignIn(signInPrefill{profile: p, editing: name})
}

// confirmDeleteProfile asks, then removes the profile and its key from the keyring.
func (u *UI) confirmDeleteProfile(name string) *dialog.ConfirmDialog {
	d := dialog.NewConfirm("Delete “"+name+"”?",
		"The account and its API key are removed from this computer. Nothing changes in Mendix Cloud, "+
			"and the history of its restores is kept.", func(ok bool) {
			if ok {
				u.deleteProfile(name)
			}
		}, u.win)
	d.SetConfirmText("Delete")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
	return d
}

func (u *UI) deleteProfile(name string) {
	u.background(func(ctx context.Context) {
		err := u.deps.Profiles.Delete(ctx, name)
		u.do(func() {
			if err != nil {
				u.showError("The account could not be deleted", err)
				return
			}
			if u.sess != nil && u.sess.profile == name {
				u.sess.cancel()
				u.sess = nil
				u.win.SetTitle(AppTitle)
				u.showSignIn(signInPrefill{message: fmt.Sprintf("“%s” was deleted. Sign in with another account.", name)})
				return
			}
			if u.sess != nil {
				u.bar.setProfiles(u.profileNames(), u.sess.profile)
			}
		})
	})
}
