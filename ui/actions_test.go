package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/profiles"
	"restoredesk/core/progress"
)

func TestErrorDialog_PlainWordsDetailsAndCopyForSupport(t *testing.T) {
	h := newHarness(t)
	err := &cloud.APIError{StatusCode: 403, Code: "NO_ACCESS", Message: "no backups access", Method: "GET", Path: "/api/v2/apps/x/environments/y/snapshots"}
	h.on(func() {
		d := h.u.k.showError("The backups could not be loaded", err)
		if d.summary.Text == "" || strings.Contains(d.summary.Text, "NO_ACCESS") {
			t.Errorf("summary is not plain words: %q", d.summary.Text)
		}
		if !strings.Contains(d.detail.Text, "NO_ACCESS") || !strings.Contains(d.detail.Text, "403") {
			t.Errorf("details lack the technical facts: %q", d.detail.Text)
		}
		test.Tap(d.copy)
		clip := h.app.Clipboard().Content()
		if !strings.Contains(clip, "Restore Desk problem report") || !strings.Contains(clip, "NO_ACCESS") {
			t.Errorf("clipboard = %q", clip)
		}
		if d.copy.Text != "Copied" {
			t.Errorf("the button does not confirm the copy: %q", d.copy.Text)
		}
	})
}

func TestShortcuts_CtrlUOpensUploadAndCtrlRRefreshes(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Test")
	press := func(k fyne.KeyName) {
		h.u.k.win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault})
	}
	h.on(func() {
		h.u.act.chooserDir = t.TempDir()
		press(fyne.KeyU)
		if h.last.chooser == nil {
			t.Fatal("Ctrl+U opened no file chooser")
		}
		h.last.chooser.Dismiss()
		seq := h.u.lists.backupLoads.asked()
		press(fyne.KeyR)
		if h.u.lists.backupLoads.asked() == seq || !h.u.lists.backups.loading {
			t.Error("Ctrl+R did not reload the backups")
		}
	})
	h.idle()
}

func TestCreateBackup_FreeAppSaysWhy_LicensedMakesOne(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("expensetracker", "Sandbox")
	h.on(func() { h.u.act.createBackup() })
	h.idle()
	h.on(func() {
		// The dialog says the engine's refusal and offers nothing to confirm.
		if d := h.last.planDlg; d == nil || d.current != nil || !d.okBtn.Disabled() {
			t.Fatal("a Free App was offered a manual backup")
		}
		if !shows(h.u.k.win.Canvas(), "Mendix Cloud makes the backups of a Free App by itself") {
			t.Errorf("no explanation: %q", texts(h.u.k.win.Canvas()))
		}
		h.last.planDlg.dialog.Hide()
	})
	h.open("customerportal", "Acceptance")
	before := len(h.snapshots("customerportal", "Acceptance"))
	h.on(func() { h.u.act.createBackup() })
	h.confirmPlan(nil)
	st := h.finished(h.lastJob())
	if st.State != progress.RunCompleted {
		t.Fatalf("backup ended %v: %v", st.State, st.Err)
	}
	after := h.snapshots("customerportal", "Acceptance")
	if len(after) != before+1 {
		t.Fatalf("backups: %d → %d", before, len(after))
	}
	h.on(func() {
		if h.u.lists.backups.list.len() != len(after) {
			t.Errorf("the table shows %d backups, the cloud has %d", h.u.lists.backups.list.len(), len(after))
		}
	})
	// The backup is a journaled run of the engine, as restorectl create-backup is; the Free
	// App's refusal is not.
	runs := h.runs()
	if len(runs) != 1 || runs[0].Kind != journal.KindBackup || runs[0].Status != journal.StatusCompleted ||
		!slices.ContainsFunc(after, func(s cloud.Snapshot) bool { return s.SnapshotID == runs[0].BackupSnapshotID }) {
		t.Errorf("journal = %+v", runs)
	}
}

func TestStopAndStart_FromTheToolbar(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("customerportal", "Production")
	h.on(func() {
		if h.u.bar.stop.Disabled() || !h.u.bar.start.Disabled() {
			t.Fatal("Stop/Start do not match a running environment")
		}
		h.u.act.stopSelected()
	})
	// Stopping production takes it offline: the plan asks for its name (the rule is the
	// engine's, the dialog only draws it).
	h.idle()
	h.on(func() {
		if d := h.last.planDlg; d == nil || d.current == nil || !d.okBtn.Disabled() || d.current.Allows.ConfirmName != "Production" {
			t.Fatal("stopping production is offered without its name typed")
		}
	})
	h.confirmPlan(func(d *planDialog) { test.Type(d.confirm, "Production") })
	stop := h.lastJob()
	if st := h.finished(stop); st.State != progress.RunCompleted {
		t.Fatalf("stop ended %v: %v", st.State, st.Err)
	}
	h.on(func() {
		if stop.card.start.Visible() {
			t.Error("the job that stopped Production on request offers to start it again")
		}
	})
	if e := h.env("customerportal", "Production"); e.Status != cloud.StatusStopped {
		t.Fatalf("Production is %s after Stop", e.Status)
	}
	h.on(func() {
		if h.u.lists.curEnv == nil || h.u.lists.curEnv.Status != cloud.StatusStopped || h.u.bar.start.Disabled() {
			t.Fatal("the window does not show Production stopped")
		}
		test.Tap(h.u.bar.start)
	})
	h.confirmPlan(nil)
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("start ended %v: %v", st.State, st.Err)
	}
	if e := h.env("customerportal", "Production"); e.Status != cloud.StatusRunning {
		t.Fatalf("Production is %s after Start", e.Status)
	}
	// Both are journaled runs of the engine, as restorectl's stop and start are.
	runs := h.runs()
	if len(runs) != 2 || runs[0].Kind != journal.KindStart || runs[1].Kind != journal.KindStop ||
		runs[0].Status != journal.StatusCompleted || runs[1].Status != journal.StatusCompleted {
		t.Errorf("journal = %+v", runs)
	}
}

func TestHistory_ExportCSV(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Test")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(func(d *planDialog) { d.safety.SetChecked(false) })
	h.idle()
	h.finished(h.lastJob())
	h.on(func() { h.u.showHistory() })
	h.idle()
	path := filepath.Join(t.TempDir(), "history.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h.on(func() {
		if !h.u.history.undo.Disabled() {
			t.Error("Undo offered before selecting")
		}
		h.u.history.exportTo(f)
	})
	h.idle()
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "orderdesk") {
		t.Fatalf("CSV = %q", b)
	}
	h.on(func() {
		h.u.history.table.Select(tableCell(0))
		if !h.u.history.undo.Disabled() {
			t.Error("Undo offered for a restore without a safety backup")
		}
	})
}

// A restore still running when the window closed is found in the journal at the next
// start, shown in the jobs panel and followed to its end.
func TestReattach_RunInterruptedByClosingIsFollowedAtNextStart(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(2*time.Second)))
	u2 := h.reopen(h.closedWhileRestoring())
	h.waitFor("the re-attached run", func() bool { return len(u2.jobs.jobs) > 0 })
	j2 := h.lastJob()
	st2 := h.finished(j2)
	if st2.State != progress.RunCompleted || !strings.Contains(st2.Title, "re-attached") {
		t.Fatalf("re-attached run: %q ended %v: %v", st2.Title, st2.State, st2.Err)
	}
	runs := h.runs()
	if len(runs) != 1 || runs[0].Status != journal.StatusCompleted {
		t.Fatalf("journal = %+v", runs)
	}
	if errors.Is(st2.Err, context.Canceled) {
		t.Error("cancelled")
	}
}

func TestClose_AsksWhileAJobRuns(t *testing.T) {
	h := newHarness(t, withCloud(localcloudtest.WithJobDelay(time.Second)))
	quits := 0
	h.u.deps.Quit = func() { quits++ }
	h.demo()
	h.on(func() {
		h.u.requestClose()
		if quits != 1 || h.last.closePrompt != nil {
			t.Fatalf("with no job running: %d quits, prompt %v", quits, h.last.closePrompt != nil)
		}
	})
	h.open("orderdesk", "Acceptance")
	h.on(func() { h.u.act.createBackup() })
	h.confirmPlan(nil)
	h.on(func() {
		h.u.requestClose()
		if h.last.closePrompt == nil || quits != 1 {
			t.Fatal("closing during a job did not ask")
		}
		h.last.closePrompt.Dismiss() // Keep open
		if quits != 1 {
			t.Error("Keep open closed the window")
		}
	})
	h.finished(h.lastJob())
}

func TestProfileSwitcher_OpensTheChosenAccount(t *testing.T) {
	h := newHarness(t)
	for _, name := range []string{"Acme", "Globex"} {
		if err := h.store.Save(context.Background(), profiles.Profile{Name: name, Username: localcloud.DemoUsername, APIURL: h.srv.URL()}, localcloud.DemoAPIKey); err != nil {
			t.Fatal(err)
		}
	}
	h.on(func() { h.u.Start(StartOptions{Profile: "Acme"}) })
	h.idle()
	h.on(func() {
		if got := h.u.k.win.Title(); got != "Restore Desk — Acme" {
			t.Fatalf("title = %q", got)
		}
		if !slices.Equal(h.u.bar.profiles.Options, []string{"Acme", "Globex"}) {
			t.Errorf("switcher offers %v", h.u.bar.profiles.Options)
		}
		h.u.bar.profiles.SetSelected("Globex")
	})
	h.idle()
	h.on(func() {
		if got := h.u.k.win.Title(); got != "Restore Desk — Globex" || len(h.u.lists.apps.apps) != 3 {
			t.Fatalf("after switching: title %q, %d apps", got, len(h.u.lists.apps.apps))
		}
	})
	if p, _ := h.store.Last(); p.Name != "Globex" {
		t.Errorf("the account opened last is %q", p.Name)
	}
}
