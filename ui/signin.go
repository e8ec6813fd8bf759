package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
func (ac *accounts) showSignIn(pre signInPrefill) *signInForm {
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

	f.test = widget.NewButtonWithIcon("Test connection", theme.SearchIcon(), func() { ac.submitSignIn(f, false) })
	f.signIn = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), func() { ac.submitSignIn(f, true) })
	if pre.editing != "" {
		// Saving an edited account is not signing in: the button says what it does.
		f.signIn.SetText("Save")
		f.signIn.SetIcon(theme.DocumentSaveIcon())
	}
	f.signIn.Importance = widget.HighImportance
	f.demo = widget.NewButtonWithIcon("Try the demo", theme.MediaPlayIcon(), ac.startDemo)
	f.cancel = widget.NewButton("Back", func() {
		if ac.lists.sess != nil {
			ac.back()
		}
	})
	if ac.lists.sess == nil {
		f.cancel.Hide()
	}
	// Enter in any field does what the main button does.
	for _, e := range []*widget.Entry{f.name, f.username, f.apiKey, f.apiURL} {
		e.OnSubmitted = func(string) { ac.submitSignIn(f, true) }
	}

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
	if ac.deps.StartDemo == nil {
		demoCard.Hide()
	}

	heading := widget.NewLabelWithStyle("Restore Desk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText
	sub := widget.NewLabelWithStyle("Restore backups of your Mendix apps, safely.", fyne.TextAlignCenter, fyne.TextStyle{})
	cards := container.NewGridWithColumns(2, signInCard, container.NewVBox(demoCard))
	page := container.NewVBox(heading, sub, cards)
	// The page scrolls when the window is too low for it (Advanced open, a message shown)
	// and narrows with a small window, so its buttons are always reachable.
	ac.k.setContent(container.NewVScroll(container.New(centredUpTo{width: 860}, page)))
	// No field takes the focus until the user clicks or tabs into one: a focused field's
	// blinking cursor redraws the window while nobody types.
	ac.signin = f
	return f
}

// submitSignIn checks the account against the cloud and, when save is set, keeps the
// profile and its key and opens it.
func (ac *accounts) submitSignIn(f *signInForm, save bool) {
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
	if _, taken := ac.deps.Profiles.Get(p.Name); taken && save && f.editing != p.Name {
		f.setMessage(fmt.Sprintf("A profile named “%s” exists already. Choose another name, or pick it in the account switcher.", p.Name), widget.DangerImportance)
		return
	}
	f.setBusy(true, "Checking the username and API key with "+p.APIURL+"…")
	editing, sessionOnly := f.editing, f.sessionOnly
	ac.k.background(func(ctx context.Context) {
		if key == "" { // editing without a new key: check with the saved one
			var err error
			if key, err = ac.deps.Profiles.APIKey(ctx, editing); err != nil {
				ac.k.do(func() {
					f.setBusy(false, "")
					f.setMessage("The saved API key could not be read: "+explainSummary(err)+" Enter the key again.", widget.DangerImportance)
				})
				return
			}
		}
		client, n, err := ac.checkAccount(ctx, p, key)
		if err != nil {
			ac.k.do(func() {
				f.setBusy(false, "")
				f.setMessage(explainLine(err), widget.DangerImportance)
			})
			return
		}
		if !save {
			ac.k.do(func() {
				f.setBusy(false, "")
				f.setMessage(fmt.Sprintf("Connected: this account sees %s.", countText(n, "app")), widget.SuccessImportance)
			})
			return
		}
		if sessionOnly {
			ac.useSessionStore()
		}
		err = ac.saveProfile(ctx, editing, p, key)
		ac.k.do(func() {
			f.setBusy(false, "")
			switch {
			case errors.Is(err, profiles.ErrKeyringUnavailable):
				ac.askSessionOnly(err, func() {
					f.sessionOnly = true
					ac.submitSignIn(f, true)
				})
			case err != nil:
				f.setMessage("The account could not be saved: "+explainLine(err), widget.DangerImportance)
			default:
				ac.open(p.Name, client)
			}
		})
	})
}

// checkAccount makes a client and lists the apps once, so a wrong key or URL is found now.
func (ac *accounts) checkAccount(ctx context.Context, p profiles.Profile, key string) (*cloud.Client, int, error) {
	client, err := ac.deps.NewClient(p.APIURL, cloud.Credentials{Username: p.Username, APIKey: key})
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
func (ac *accounts) saveProfile(ctx context.Context, editing string, p profiles.Profile, key string) error {
	if editing != "" && editing != p.Name {
		if err := ac.deps.Profiles.Rename(ctx, editing, p.Name); err != nil {
			return err
		}
	}
	return ac.deps.Profiles.Save(ctx, p, key)
}

// centredUpTo lays its one object out centred, at most width wide and at its least height
// (centred vertically when there is room).
type centredUpTo struct{ width float32 }

func (c centredUpTo) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (c centredUpTo) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	m := objs[0].MinSize()
	w := max(min(size.Width, c.width), m.Width)
	objs[0].Resize(fyne.NewSize(w, m.Height))
	objs[0].Move(fyne.NewPos(max(0, (size.Width-w)/2), max(0, (size.Height-m.Height)/2)))
}
