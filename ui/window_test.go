package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/profiles"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// Issue 20: an owner's window. Dates, a window that fits, keys that work, one prompt in
// front, true words, a layout that holds.

// pressKey presses a key on c as the desktop driver delivers it: to the focused widget,
// or to the canvas's own handler when nothing has the focus.
func pressKey(c fyne.Canvas, name fyne.KeyName) {
	e := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(e)
		return
	}
	if on := c.OnTypedKey(); on != nil {
		on(e)
	}
}

// overlays is the number of dialogs and pop-ups open over c.
func overlays(c fyne.Canvas) int { return len(c.Overlays().List()) }

// Last night's backup (5 Dec 00:26 in the user's zone) and the one before it read by date
// and time first, in the user's zone, with the age after it: "10 h ago" and "34 h ago",
// never "10 hours ago" beside "yesterday". A clock in another zone shows other days.
func TestBackupDates_DateAndTimeFirstInTheUsersZone(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	lastNight := time.Date(2026, 12, 4, 23, 26, 0, 0, time.UTC) // 00:26 on 5 Dec in CET
	snaps := []cloud.Snapshot{
		{SnapshotID: "last", CreatedAt: lastNight},
		{SnapshotID: "before", CreatedAt: lastNight.Add(-24 * time.Hour)},
		{SnapshotID: "lastyear", CreatedAt: time.Date(2025, 12, 20, 1, 0, 0, 0, time.UTC)},
	}
	for _, c := range []struct {
		now  time.Time
		want []string
	}{
		{time.Date(2026, 12, 5, 10, 30, 0, 0, cet), []string{"Sat 5 Dec 00:26 · 10 h ago", "Fri 4 Dec 00:26 · 34 h ago", "Sat 20 Dec 2025 02:00 · "}},
		{time.Date(2026, 12, 5, 4, 30, 0, 0, time.FixedZone("EST", -5*3600)), []string{"Fri 4 Dec 18:26 · 10 h ago", "Thu 3 Dec 18:26 · 34 h ago", "Fri 19 Dec 2025 20:00 · "}},
	} {
		rows := makeBackupRows(snaps, c.now)
		for i, want := range c.want {
			if got := rows[i].cells[colCreated]; !strings.HasPrefix(got, want) {
				t.Errorf("%s at %v: Created reads %q, want %q", snaps[i].SnapshotID, c.now, got, want)
			}
		}
	}
}

// In the window, with a clock in a zone that is not the machine's, the table, the
// details and the restore dialog tell the backup's time in that zone, and say that the
// backup holds the data as it was at that moment.
func TestBackupDates_DetailsAndRestoreDialogSayWhatTheBackupHolds(t *testing.T) {
	zone := time.FixedZone("UTC+13", 13*3600)
	h := newHarness(t, withNow(func() time.Time { return time.Now().In(zone) }))
	h.demo()
	h.open("orderdesk", "Acceptance")
	snap := h.selectBackup(completedOfKind(cloud.KindNightly))
	made := snap.CreatedAt.In(zone)
	h.on(func() {
		p := h.u.lists.backups
		r := p.list.at(p.list.indexOf(snap.SnapshotID))
		if day := made.Format("Mon 2 Jan"); !strings.HasPrefix(r.cells[colCreated], day) || !strings.Contains(r.cells[colCreated], made.Format("15:04")+" · ") {
			t.Errorf("Created reads %q, want %s %s first", r.cells[colCreated], day, made.Format("15:04"))
		}
		for _, want := range []string{made.Format("Mon 2 Jan 2006 15:04 MST"), "It holds the data as it was at that moment."} {
			if !strings.Contains(p.details.Text, want) {
				t.Errorf("the details %q do not say %q", p.details.Text, want)
			}
		}
		test.Tap(h.u.bar.restore)
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		want := "The backup holds Acceptance's data as it was on " + made.Format("Mon 2 Jan 15:04")
		if d == nil || !d.moment.Visible() || !strings.HasPrefix(d.moment.Text, want) {
			t.Fatalf("the restore dialog does not say %q: %q", want, texts(h.u.k.win.Canvas()))
		}
	})
}

// The main window can be made as small as 800×600 (so it fits a 1024×768 screen), and
// at 800 px every toolbar action is still a click away: in the row, or in its More menu;
// the account switcher and the accounts menu stay in the window.
func TestMainWindow_FitsA1024x768Screen(t *testing.T) {
	h := newHarness(t)
	h.on(func() { h.app.Settings().SetTheme(focusTheme{theme.DefaultTheme()}) }) // the real window's sizes
	h.demo()
	h.open("orderdesk", "Production")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	// A finished job with a long title and its buttons, as after a local restore.
	var j *job
	h.on(func() {
		j = h.u.jobs.add("Restore Order-Desk-Test-20261205-0015.tar.gz into orderdesk_test", nil, nil)
		h.u.jobs.offerAction(j, "Show in folder", theme.FolderOpenIcon(), func() {})
		h.u.jobs.offerAction(j, "Open in local database…", theme.StorageIcon(), func() {})
	})
	h.u.jobs.finish(j, &restore.Result{Status: journal.StatusCompleted}, nil)
	h.idle()
	h.on(func() {
		// Laid out wide first, as a window opens: what wraps on a narrow window must not
		// keep the width it had on a wide one.
		h.u.k.win.Resize(fyne.NewSize(1280, 800))
		test.LaidOutObjects(h.u.k.win.Content())
		minSize := h.u.k.win.Content().MinSize()
		if minSize.Width > 1024 || minSize.Height > 768 {
			t.Fatalf("the main window cannot be smaller than %v: more than 1024×768", minSize)
		}
		if minSize.Width > 800 || minSize.Height > 600 {
			t.Errorf("the main window cannot be smaller than %v: more than 800×600", minSize)
		}
	})
	for _, width := range []float32{1024, 800} {
		h.on(func() {
			h.u.k.win.Resize(fyne.NewSize(width, 600))
			test.LaidOutObjects(h.u.k.win.Content()) // lay it out at that size
			drv := fyne.CurrentApp().Driver()
			inside := func(o fyne.CanvasObject) bool {
				p := drv.AbsolutePositionForObject(o)
				return o.Visible() && p.X >= 0 && p.X+o.Size().Width <= width+1
			}
			bar := h.u.bar
			for name, o := range map[string]fyne.CanvasObject{"account switcher": bar.profiles, "accounts menu": bar.accounts} {
				if !inside(o) {
					t.Errorf("at %.0f px the %s is out of the window", width, name)
				}
			}
			offered := map[string]bool{}
			for _, it := range bar.more.menu().Items {
				offered[it.Label] = true
			}
			for _, b := range []*widget.Button{bar.refresh, bar.restore, bar.upload, bar.create, bar.download, bar.start, bar.stop, bar.history, bar.keys} {
				if !inside(b) && !offered[b.Text] {
					t.Errorf("at %.0f px %q is neither in the toolbar nor in its More menu", width, b.Text)
				}
			}
			if width == 800 && (!inside(bar.more.more) || len(offered) == 0) {
				t.Errorf("at 800 px there is no More menu in the window (offers %v)", offered)
			}
		})
	}
}

// The sign-in page, with Advanced open and an error shown, fits 800×600 and scrolls, so
// its buttons can always be reached.
func TestSignIn_FitsAndScrollsInASmallWindow(t *testing.T) {
	h := newHarness(t)
	h.on(func() {
		f := h.u.acc.showSignIn(signInPrefill{message: strings.Repeat("The API key was refused by Mendix Cloud. ", 6)})
		h.u.k.win.Resize(fyne.NewSize(800, 600))
		for _, o := range test.LaidOutObjects(h.u.k.win.Content()) {
			if a, ok := o.(*widget.Accordion); ok {
				a.OpenAll()
			}
		}
		content := h.u.k.win.Content()
		if m := content.MinSize(); m.Width > 800 || m.Height > 600 {
			t.Errorf("the sign-in page needs %v, more than 800×600", m)
		}
		scroll, ok := content.(*container.Scroll)
		if !ok {
			t.Fatalf("the sign-in page does not scroll: %T", content)
		}
		scroll.ScrollToBottom()
		test.LaidOutObjects(content)
		p := fyne.CurrentApp().Driver().AbsolutePositionForObject(f.signIn)
		if !f.signIn.Visible() || p.Y < 0 || p.Y+f.signIn.Size().Height > 600 {
			t.Errorf("scrolled down, Sign in is at y %.0f, outside the 600 px window", p.Y)
		}
	})
}

// Escape closes the About dialog, the file check and the Delete dialog, also while the
// typed name, which has the focus when the Delete dialog asks for it, holds the keyboard;
// a Delete closed so deletes nothing.
func TestKeyboard_EscapeClosesEveryDialog(t *testing.T) {
	h := newHarness(t)
	h.demo()
	c := h.u.k.win.Canvas()
	escape := func(what string) {
		t.Helper()
		h.on(func() {
			if overlays(c) == 0 {
				t.Fatalf("%s is not open", what)
			}
			pressKey(c, fyne.KeyEscape)
			if n := overlays(c); n != 0 {
				t.Errorf("Escape left %s open (%d overlays)", what, n)
			}
		})
	}
	h.on(func() { h.u.k.showAbout() })
	escape("About")

	path := fixture(t, "customerportal.backup")
	h.open("customerportal", "Test")
	h.on(func() { h.u.act.inspectFile(path) })
	h.idle()
	escape("the file check")

	snap := h.manualBackup("orderdesk", "Production", "keep me")
	d := h.tapManage("Delete…")
	h.idle()
	h.on(func() {
		if d.current == nil || !d.confirm.Visible() {
			t.Fatalf("the Delete dialog asks for no name: %q", texts(c))
		}
		if c.Focused() != d.confirm {
			t.Fatalf("the typed name does not have the focus (%T has)", c.Focused())
		}
		test.Type(d.confirm, "Produ")
	})
	escape("the Delete dialog")
	h.idle()
	if got := h.commentOf("orderdesk", "Production", snap.SnapshotID); got != "keep me" {
		t.Errorf("the backup changed after Escape: %q", got)
	}
}

// Enter in the comment field saves the comment.
func TestKeyboard_EnterSavesAComment(t *testing.T) {
	h := newHarness(t)
	h.demo()
	snap := h.manualBackup("orderdesk", "Test", "before")
	d := h.tapManage("Edit comment…")
	h.idle()
	h.on(func() { d.comment.SetText("after") })
	h.idle()
	h.on(func() {
		c := h.u.k.win.Canvas()
		c.Focus(d.comment)
		pressKey(c, fyne.KeyReturn)
	})
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("the comment job ended %v: %v", st.State, st.Err)
	}
	if got := h.commentOf("orderdesk", "Test", snap.SnapshotID); got != "after" {
		t.Errorf("comment is %q after Enter", got)
	}
}

// Enter signs in from any field of the sign-in form, not only the API key.
func TestKeyboard_EnterSignsInFromAnyField(t *testing.T) {
	for _, field := range []string{"name", "username", "apiURL"} {
		t.Run(field, func(t *testing.T) {
			h := newHarness(t)
			h.on(func() {
				f := h.u.acc.showSignIn(signInPrefill{})
				f.name.SetText("Acme")
				f.username.SetText(localcloud.DemoUsername)
				f.apiKey.SetText(localcloud.DemoAPIKey)
				f.apiURL.SetText(h.srv.URL())
				for _, o := range test.LaidOutObjects(h.u.k.win.Content()) {
					if a, ok := o.(*widget.Accordion); ok {
						a.OpenAll() // Advanced, where the API URL is
					}
				}
				e := map[string]*widget.Entry{"name": f.name, "username": f.username, "apiURL": f.apiURL}[field]
				c := h.u.k.win.Canvas()
				c.Focus(e)
				pressKey(c, fyne.KeyReturn)
			})
			h.idle()
			h.on(func() {
				if s := h.u.lists.sess; s == nil || s.profile != "Acme" {
					t.Fatalf("Enter in %s did not sign in: %q", field, texts(h.u.k.win.Canvas()))
				}
			})
		})
	}
}

// Apps, environments and backups are reached with Tab, moved through with the arrow keys
// and chosen with Enter, without a mouse.
func TestKeyboard_ListsByTabArrowsAndEnter(t *testing.T) {
	h := newHarness(t)
	h.demo()
	c := h.u.k.win.Canvas()
	tabTo := func(what string, is func(fyne.Focusable) bool) {
		t.Helper()
		h.on(func() {
			for range 60 {
				c.FocusNext()
				if f := c.Focused(); f != nil && is(f) {
					return
				}
			}
			t.Fatalf("Tab never reaches the %s", what)
		})
	}
	isList := func(l *keyList) func(fyne.Focusable) bool {
		return func(f fyne.Focusable) bool { k, ok := f.(*keyList); return ok && k == l }
	}
	tabTo("apps", isList(h.u.lists.apps.list))
	h.on(func() {
		pressKey(c, fyne.KeyDown) // past the "Licensed nodes" heading
		pressKey(c, fyne.KeyReturn)
		if h.u.lists.curApp == nil {
			t.Fatal("Enter chose no app")
		}
	})
	h.idle()
	tabTo("environments", isList(h.u.lists.envs.list))
	h.on(func() {
		pressKey(c, fyne.KeyDown)
		pressKey(c, fyne.KeyUp)
		pressKey(c, fyne.KeyReturn)
		if h.u.lists.curEnv == nil {
			t.Fatal("Enter chose no environment")
		}
	})
	h.idle()
	tabTo("backups", func(f fyne.Focusable) bool { k, ok := f.(*keyTable); return ok && k == h.u.lists.backups.table })
	h.on(func() {
		if h.u.lists.backups.list.len() < 2 {
			t.Fatalf("%d backups listed", h.u.lists.backups.list.len())
		}
		pressKey(c, fyne.KeyDown)
		pressKey(c, fyne.KeyReturn)
		want := h.u.lists.backups.list.at(1).snap.SnapshotID
		if s := h.u.lists.curSnap; s == nil || s.SnapshotID != want {
			t.Fatalf("Down, Enter chose %v, want the second backup %s", s, want)
		}
	})
}

// The stop prompt of History's Undo opens over History, in front of the user, not behind
// it over the main window; confirming the undo again while it is open opens no second
// prompt; Escape answers it with Cancel.
func TestStopPrompt_OverHistoryAndOnlyOnce(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Production")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(func(d *planDialog) { d.confirm.SetText("Production") })
	h.on(func() { h.last.stopPrompt.Confirm() })
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("restore ended %v: %v", st.State, st.Err)
	}
	h.on(func() { test.Tap(h.u.bar.history) })
	h.idle()
	hw := h.u.history
	main, over := h.u.k.win.Canvas(), hw.win.Canvas()
	var first *planDialog
	confirmUndo := func() {
		t.Helper()
		h.on(func() { hw.table.Select(tableCell(0)); test.Tap(hw.undo) })
		h.idle()
		h.on(func() {
			d := h.last.planDlg
			if d == nil || d.current == nil || d.parent != hw.win {
				t.Fatalf("no undo plan over History: %q", texts(over))
			}
			if over.Focused() != d.confirm {
				t.Errorf("the undo's typed name does not have the focus")
			}
			test.Type(d.confirm, "Production")
			test.Tap(d.okBtn)
		})
	}
	confirmUndo()
	h.on(func() {
		first = h.last.planDlg
		if h.last.stopPrompt == nil || overlays(over) != 1 || overlays(main) != 0 {
			t.Fatalf("the stop prompt is not over History: %d over History, %d over the main window", overlays(over), overlays(main))
		}
	})
	prompt := h.last.stopPrompt
	confirmUndo()
	h.on(func() {
		if h.last.planDlg == first {
			t.Fatal("the second undo opened no dialog")
		}
		if h.last.stopPrompt != prompt || overlays(over) != 1 {
			t.Fatalf("a second stop prompt: %d dialogs over History", overlays(over))
		}
		pressKey(over, fyne.KeyEscape)
		if overlays(over) != 0 {
			t.Fatal("Escape left the stop prompt open")
		}
	})
	runs, err := h.journal.List(context.Background(), journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Errorf("%d runs after the undo was cancelled, want the restore only", len(runs))
	}
}

// Saving an edited account says Save: it is not signing in.
func TestSignIn_EditingAnAccountSaysSave(t *testing.T) {
	h := newHarness(t)
	p := profiles.Profile{Name: "Acme", Username: localcloud.DemoUsername, APIURL: "https://cloud.example.com"}
	if err := h.store.Save(context.Background(), p, "key"); err != nil {
		t.Fatal(err)
	}
	h.on(func() {
		if f := h.u.acc.showSignIn(signInPrefill{profile: p, editing: "Acme"}); f.signIn.Text != "Save" {
			t.Errorf("the edit form's button says %q", f.signIn.Text)
		}
		if f := h.u.acc.showSignIn(signInPrefill{}); f.signIn.Text != "Sign in" {
			t.Errorf("the new account's button says %q", f.signIn.Text)
		}
	})
}

// A refused plan shows no "What happens:" heading with nothing under it; a plan with
// steps shows it over them.
func TestPlanDialog_NoHeadingWithoutSteps(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open(localcloud.DemoAppExpenseTracker, "Sandbox")
	h.on(func() { h.u.act.createBackup() }) // a Free App: refused
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if d == nil || d.err == nil {
			t.Fatalf("the Free App's backup was not refused: %q", texts(h.u.k.win.Canvas()))
		}
		if shows(h.u.k.win.Canvas(), "What happens:") {
			t.Errorf("a refused plan shows the steps' heading: %q", texts(h.u.k.win.Canvas()))
		}
		d.dialog.Hide()
	})
	h.restoreDialog("orderdesk", "Acceptance")
	h.on(func() {
		if !shows(h.u.k.win.Canvas(), "What happens:") {
			t.Errorf("a plan's steps have no heading: %q", texts(h.u.k.win.Canvas()))
		}
	})
}

// Ticking an option plans again without moving the dialog's controls: the option and the
// buttons stay under the pointer while the new plan is made and once it is drawn.
func TestPlanDialog_OptionsDoNotMoveWhenTicked(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.restoreDialog("orderdesk", "Acceptance")
	drv := fyne.CurrentApp().Driver()
	var check, ok fyne.Position
	where := func() (fyne.Position, fyne.Position) {
		test.LaidOutObjects(h.u.k.win.Canvas().Overlays().Top())
		d := h.last.planDlg
		return drv.AbsolutePositionForObject(d.safety), drv.AbsolutePositionForObject(d.okBtn)
	}
	h.on(func() {
		check, ok = where()
		h.last.planDlg.safety.SetChecked(false)
		if c, o := where(); c != check || o != ok {
			t.Errorf("while planning the option moved %v → %v, the button %v → %v", check, c, ok, o)
		}
	})
	h.idle()
	h.on(func() {
		if h.last.planDlg.current == nil || h.last.planDlg.current.Request.Options.SafetyBackup {
			t.Fatal("the new plan did not come")
		}
		if c, o := where(); c.Y != check.Y || o.Y != ok.Y {
			t.Errorf("with the new plan the option moved %v → %v, the button %v → %v", check, c, ok, o)
		}
	})
}

// The backups' columns fit the table's width: with room each has its width and Created
// the rest; on a narrow window the others shrink to their least first, then Created, and
// no column goes below its least (the table then scrolls sideways).
func TestColumnWidths_ShrinkTheOthersBeforeTheDate(t *testing.T) {
	cols := []colWidth{{want: 200, least: 150}, {want: 100, least: 80}, {want: 100, least: 60}}
	for _, c := range []struct {
		room float32
		want []float32
	}{
		{500, []float32{300, 100, 100}}, // room to spare goes to the first
		{340, []float32{200, 80, 60}},   // the others give way first
		{320, []float32{180, 80, 60}},   // then the first
		{100, []float32{150, 80, 60}},   // never below the least
	} {
		got := columnWidths(cols, c.room)
		for i := range got {
			if d := got[i] - c.want[i]; d < -0.01 || d > 0.01 {
				t.Errorf("room %.0f: widths %v, want %v", c.room, got, c.want)
				break
			}
		}
	}
}
