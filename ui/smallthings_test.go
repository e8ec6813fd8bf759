package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/profiles"
)

// pressShortcut presses Ctrl(+Shift)+key on the main window, as the keyboard would.
func (h *harness) pressShortcut(key fyne.KeyName, shift bool) {
	h.t.Helper()
	mod := fyne.KeyModifierShortcutDefault
	if shift {
		mod |= fyne.KeyModifierShift
	}
	c, ok := h.u.k.win.Canvas().(interface{ TypedShortcut(fyne.Shortcut) })
	if !ok {
		h.t.Fatal("the test canvas takes no shortcuts")
	}
	h.on(func() { c.TypedShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: mod}) })
}

// The filter finds what the table shows: a date ("Dec"), an age ("h ago", "2 days ago").
func TestBackupsFilter_MatchesTheRelativeDatesShown(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Test")
	for _, q := range []string{"h ago", "2 days ago", h.u.k.now().Format("Jan")} {
		h.on(func() {
			p := h.u.lists.backups
			test.Type(p.search, q)
			if p.list.len() == 0 {
				t.Fatalf("filter %q shows no backup", q)
			}
			for i := 0; i < p.list.len(); i++ {
				// A backup is also found by its id, whose hex digits may spell "dec".
				r := p.list.at(i)
				byID := strings.Contains(strings.ToLower(r.snap.SnapshotID), strings.ToLower(q))
				if !strings.Contains(r.cells[colCreated], q) && !strings.Contains(r.cells[colExpires], q) && !byID {
					t.Errorf("filter %q shows a backup created %q, expiring %q", q, r.cells[colCreated], r.cells[colExpires])
				}
			}
			p.search.SetText("")
		})
	}
}

// "1 environment", not "1 environments".
func TestEnvironments_CountInWords(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.on(func() { h.u.lists.apps.selectApp("expensetracker") })
	h.idle()
	h.on(func() {
		if got := h.u.lists.envs.status.Text; got != "1 environment" {
			t.Errorf("status = %q, want \"1 environment\"", got)
		}
	})
}

// A long profile name is shown in full in the switcher; the API key's hint is readable
// in full on the sign-in screen.
func TestAccounts_NamesAndKeyHintNotCutOff(t *testing.T) {
	h := newHarness(t)
	long := "Van Dijk Installaties — support"
	h.on(func() {
		h.u.bar.setProfiles([]string{"Demo", long}, long)
		box := h.u.bar.profilesBox
		box.Resize(box.MinSize())
		need := fyne.MeasureText(long, theme.TextSize(), fyne.TextStyle{}).Width
		if w := h.u.bar.profiles.Size().Width; w < need+theme.IconInlineSize() {
			t.Errorf("the switcher is %.0f wide, the name needs %.0f plus its arrow", w, need)
		}
		h.u.acc.showSignIn(signInPrefill{})
	})
	h.on(func() {
		if !shows(h.u.k.win.Canvas(), "Create an API key in Mendix Portal › your profile › API Keys.") {
			t.Errorf("the API key hint is not on the sign-in screen: %q", texts(h.u.k.win.Canvas()))
		}
		if ph := h.u.acc.signin.apiKey.PlaceHolder; fyne.MeasureText(ph, theme.TextSize(), fyne.TextStyle{}).Width > 200 {
			t.Errorf("placeholder %q is too long for the entry", ph)
		}
	})
}

// Restore has a shortcut, and the shortcuts are listed (Keys button, F1).
func TestShortcuts_RestoreHasOneAndTheyAreListed(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Acceptance")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { h.u.updateActions() })
	h.pressShortcut(fyne.KeyR, true)
	h.idle()
	h.on(func() {
		if h.last.planDlg == nil || !shows(h.u.k.win.Canvas(), "What happens:") {
			t.Fatalf("Ctrl+Shift+R did not open the restore: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(h.last.planDlg.cancelBtn)
		test.Tap(h.u.bar.keys)
	})
	h.on(func() {
		list := strings.Join(texts(h.u.k.win.Canvas()), "\n")
		for _, want := range []string{"Ctrl+Shift+R", "Restore the selected backup", "Ctrl+U", "Ctrl+H", "F5"} {
			if !strings.Contains(list, want) {
				t.Errorf("the keyboard list lacks %q:\n%s", want, list)
			}
		}
	})
}

// The default window, title bar and a panel included, fits a 1280×800 screen, and the
// window's content fits in it.
func TestWindow_DefaultFitsA1280x800Screen(t *testing.T) {
	const titleBarAndPanel = 60
	if defaultWindowSize.Width > 1280 || defaultWindowSize.Height+titleBarAndPanel > 800 {
		t.Fatalf("default window %v does not fit 1280×800 with its title bar", defaultWindowSize)
	}
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Test")
	h.on(func() {
		min := h.u.main.MinSize()
		if min.Width > defaultWindowSize.Width || min.Height > defaultWindowSize.Height {
			t.Errorf("the window needs %v, more than its default %v", min, defaultWindowSize)
		}
	})
}

// With several accounts, a job says whose it is, so it reads true after switching.
func TestJobs_LabelledWithTheirAccount(t *testing.T) {
	h := newHarness(t)
	for _, name := range []string{"Acme", "Globex"} {
		if err := h.store.Save(context.Background(), profiles.Profile{Name: name, Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, localcloud.DemoAPIKey); err != nil {
			t.Fatal(err)
		}
	}
	h.on(func() { h.u.Start(StartOptions{Profile: "Acme"}) })
	h.idle()
	h.open("orderdesk", "Acceptance")
	h.on(func() { h.u.act.createBackup() })
	h.confirmPlan(nil)
	st := h.finished(h.lastJob())
	if !strings.HasSuffix(st.Title, " · account Acme") {
		t.Errorf("job title %q does not name its account", st.Title)
	}
	h.on(func() { h.u.bar.profiles.SetSelected("Globex") })
	h.idle()
	h.on(func() {
		if !shows(h.u.k.win.Canvas(), "account Acme") {
			t.Errorf("after switching to Globex the Acme job is not labelled: %q", texts(h.u.k.win.Canvas()))
		}
	})
}

// Escape closes the message, error and keyboard dialogs too.
func TestDialogs_EscapeCloses(t *testing.T) {
	h := newHarness(t)
	h.demo()
	escape := func() { h.u.k.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) }
	for name, open := range map[string]func(){
		"message": func() { h.u.k.showMessage("Hello", "Just saying.") },
		"error":   func() { h.u.k.showError("It failed", context.DeadlineExceeded) },
		"keys":    h.u.showKeys,
	} {
		h.on(func() {
			open()
			if h.u.k.win.Canvas().Overlays().Top() == nil {
				t.Fatalf("%s: no dialog", name)
			}
			escape()
			if h.u.k.win.Canvas().Overlays().Top() != nil {
				t.Errorf("%s: Escape did not close it", name)
			}
		})
	}
}

// The focused widget is marked strongly enough to be seen: Fyne's default tint (alpha
// 0x2a) is raised; the app's theme is wrapped, its other colours kept.
func TestTheme_FocusIsVisible(t *testing.T) {
	h := newHarness(t)
	if _, ok := h.app.Settings().Theme().(focusTheme); !ok {
		t.Fatal("the app's theme is not wrapped")
	}
	th := focusTheme{theme.DefaultTheme()}
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		if _, _, _, a := th.Color(theme.ColorNameFocus, v).RGBA(); a>>8 < 0x80 {
			t.Errorf("variant %d: focus colour alpha %#x, want at least 0x80", v, a>>8)
		}
		if th.Color(theme.ColorNameBackground, v) != theme.DefaultTheme().Color(theme.ColorNameBackground, v) {
			t.Errorf("variant %d: the other colours changed", v)
		}
	}
}

// Every option's label names the chosen target, also after choosing another one.
func TestRestoreDialog_OptionLabelsFollowTheTarget(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.restoreDialog("orderdesk", "Acceptance")
	h.on(func() { h.last.planDlg.targetSel.SetSelected("Test") })
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		for _, c := range []string{d.safety.Text, d.startAfter.Text} {
			if strings.Contains(c, "Acceptance") || !strings.Contains(c, "Test") {
				t.Errorf("option %q does not follow the chosen target Test", c)
			}
		}
	})
}

// On a low window the production restore dialog keeps what must be seen in view: the
// plan's sentences scroll, and the name to type and the buttons stay inside the window
// (before, they fell below its edge at the default 700 px height).
func TestRestoreDialog_NameAndButtonsStayInALowWindow(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Production")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() {
		h.u.k.win.Resize(fyne.NewSize(1200, 600))
		h.u.act.restoreSelected()
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if d == nil || d.current == nil || d.current.Allows.ConfirmName == "" {
			t.Fatalf("no production plan: %q", texts(h.u.k.win.Canvas()))
		}
		canvas := h.u.k.win.Canvas().Size()
		drv := fyne.CurrentApp().Driver()
		for name, o := range map[string]fyne.CanvasObject{"the name to type": d.confirm, "Restore": d.okBtn, "Cancel": d.cancelBtn} {
			pos := drv.AbsolutePositionForObject(o)
			if !o.Visible() || pos.Y < 0 || pos.Y+o.Size().Height > canvas.Height {
				t.Errorf("%s is at y %.0f–%.0f, outside the %.0f px window", name, pos.Y, pos.Y+o.Size().Height, canvas.Height)
			}
		}
		if d.scroll.Size().Height >= d.info.MinSize().Height {
			t.Errorf("the plan's sentences do not scroll (%.0f px shown of %.0f)", d.scroll.Size().Height, d.info.MinSize().Height)
		}
	})
}

// Whatever the window's height, a selected backup's actions and details do not push the
// backups out of view: wherever the panel has room for its filters, the actions and the
// table's title row with three backups, the table gets them, the details' text giving
// way (at 1024×700, what a 768-pixel screen leaves, it showed one row); with room to
// spare the text has its full height again.
func TestBackups_ATableOfThreeRowsStaysBesideTheActions(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("customerportal", "Acceptance")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	p := h.u.lists.backups
	pad := theme.Padding()
	sawBoth := [2]bool{}
	for height := float32(600); height <= 1500; height += 50 {
		h.on(func() { h.u.k.win.Resize(fyne.NewSize(1024, height)) })
		h.on(func() {
			l := p.layout
			if !p.actions.Visible() {
				t.Fatal("the selected backup's actions are not shown")
			}
			room := l.size.Height - l.top.Size().Height - p.actions.Size().Height - 2*pad
			want := 4 * l.rowHeight // the title row and three backups
			if room >= want && p.table.Size().Height < want {
				t.Errorf("window 1024×%.0f: the table is %.0f high with %.0f of room, want at least %.0f", height, p.table.Size().Height, room, want)
			}
			if full := l.text.MinSize().Height; room >= want+full+pad {
				sawBoth[1] = true
				if l.text.Size().Height < full {
					t.Errorf("window 1024×%.0f: the details' text is %.0f high with room to spare, want %.0f", height, l.text.Size().Height, full)
				}
			} else if room >= want {
				sawBoth[0] = true
			}
		})
	}
	if !sawBoth[0] || !sawBoth[1] {
		t.Errorf("the heights tried did not cover both a short panel and a high one: %v", sawBoth)
	}
}
