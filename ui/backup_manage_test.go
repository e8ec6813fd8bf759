package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/progress"
)

// manualBackup makes a manual backup of appID/mode through the cloud, waits until it is
// completed, and shows the environment with it selected.
func (h *harness) manualBackup(appID, mode, comment string) cloud.Snapshot {
	h.t.Helper()
	ctx := context.Background()
	env := h.env(appID, mode)
	s, err := h.cloud.CreateSnapshot(ctx, localcloud.ProjectID(appID), env.EnvironmentID, comment)
	if err != nil {
		h.t.Fatal(err)
	}
	h.waitFor("the backup to complete", func() bool {
		got, err := h.cloud.GetSnapshot(ctx, localcloud.ProjectID(appID), env.EnvironmentID, s.SnapshotID)
		return err == nil && got.State == cloud.StateCompleted
	})
	h.open(appID, mode)
	return h.selectBackup(func(x cloud.Snapshot) bool { return x.SnapshotID == s.SnapshotID })
}

// tapManage taps the selected backup's button called label and returns the dialog it opens.
func (h *harness) tapManage(label string) *manageDialog {
	h.t.Helper()
	var d *manageDialog
	h.on(func() {
		b := button(h.u.k.win.Canvas(), label)
		if b == nil {
			h.t.Fatalf("the selected backup has no %q button: %q", label, texts(h.u.k.win.Canvas()))
		}
		h.last.manageDlg = nil
		test.Tap(b)
		d = h.last.manageDlg
	})
	if d == nil {
		h.t.Fatalf("%q opened no dialog", label)
	}
	return d
}

func TestCommentABackupFromTheWindow(t *testing.T) {
	h := newHarness(t)
	h.demo()
	snap := h.manualBackup("orderdesk", "Test", "before")
	d := h.tapManage("Edit comment…")
	h.idle()
	h.on(func() {
		if d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("no plan for the comment: %q", texts(h.u.k.win.Canvas()))
		}
		d.comment.SetText("before (known good)")
		if !d.okBtn.Disabled() {
			t.Fatal("Save is enabled before the new comment was checked")
		}
	})
	h.idle()
	h.on(func() { test.Tap(d.okBtn) })
	h.idle()
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("comment job ended %v: %v", st.State, st.Err)
	}
	if got := h.commentOf("orderdesk", "Test", snap.SnapshotID); got != "before (known good)" {
		t.Errorf("comment is %q", got)
	}
}

func TestDeleteABackupFromTheWindow(t *testing.T) {
	h := newHarness(t)
	h.demo()
	snap := h.manualBackup("orderdesk", "Production", "to delete")
	d := h.tapManage("Delete…")
	h.idle()
	h.on(func() {
		if d.current == nil || !d.okBtn.Disabled() || !strings.Contains(strings.Join(texts(h.u.k.win.Canvas()), "\n"), "Type Production to confirm.") {
			t.Fatalf("a production backup is offered for deletion without its name: %q", texts(h.u.k.win.Canvas()))
		}
		test.Type(d.confirm, "Production")
		if d.okBtn.Disabled() {
			t.Fatal("typing the name does not allow the deletion")
		}
		test.Tap(d.okBtn)
	})
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("delete job ended %v: %v", st.State, st.Err)
	}
	for _, s := range h.snapshots("orderdesk", "Production") {
		if s.SnapshotID == snap.SnapshotID {
			t.Error("the backup is still there")
		}
	}

	// A nightly backup is not offered for deletion: the engine's rule is shown instead.
	h.open("orderdesk", "Test")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	d = h.tapManage("Delete…")
	h.idle()
	h.on(func() {
		if !d.okBtn.Disabled() || !strings.Contains(d.status.Text, "only manual backups can be deleted") {
			t.Errorf("nightly backup: button enabled %v, status %q", !d.okBtn.Disabled(), d.status.Text)
		}
	})
}

// A comment with a character the list shows escaped (here a right-to-left override) is
// saved untouched when the user saves without editing it: the escapes shown are not
// written back as the new comment.
func TestCommentWithEscapedCharacters_SavedUnchangedStaysTheSame(t *testing.T) {
	const comment = "release \u202e1v"
	h := newHarness(t)
	h.demo()
	snap := h.manualBackup("orderdesk", "Test", comment)
	d := h.tapManage("Edit comment…")
	h.idle()
	h.on(func() {
		if d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("no plan for the comment: %q", texts(h.u.k.win.Canvas()))
		}
		if d.comment.Text == comment {
			t.Fatalf("the entry shows the comment unescaped: %q", d.comment.Text)
		}
		test.Tap(d.okBtn)
	})
	h.idle()
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("comment job ended %v: %v", st.State, st.Err)
	}
	if got := h.commentOf("orderdesk", "Test", snap.SnapshotID); got != comment {
		t.Errorf("saving the comment unchanged made it %q, want %q", got, comment)
	}
}

// Cancelling while a new comment is being checked cancels it: when the check comes back,
// nothing runs and the comment stays as it was.
func TestCommentCancelledWhileCheckedIsNotSaved(t *testing.T) {
	h := newHarness(t)
	h.demo()
	snap := h.manualBackup("orderdesk", "Test", "before")
	d := h.tapManage("Edit comment…")
	h.idle()
	h.on(func() {
		if d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("no plan for the comment: %q", texts(h.u.k.win.Canvas()))
		}
		d.comment.SetText("after")                     // the new comment is planned in the background…
		test.Tap(d.okBtn)                              // …Save waits for that plan…
		test.Tap(button(h.u.k.win.Canvas(), "Cancel")) // …and the dialog is cancelled meanwhile
	})
	h.idle()
	h.on(func() {
		if n := len(h.u.jobs.jobs); n != 0 {
			t.Errorf("%d jobs started after Cancel", n)
		}
	})
	if got := h.commentOf("orderdesk", "Test", snap.SnapshotID); got != "before" {
		t.Errorf("the cancelled comment was saved: %q", got)
	}
}

// A comment the engine refuses (here one with a line break, which the Portal's one-line
// field cannot hold) says why as the dialog opens, and mending it enables Save.
func TestCommentRefusedThenMendedIsSaved(t *testing.T) {
	h := newHarness(t)
	h.demo()
	snap := h.manualBackup("orderdesk", "Test", "two\nlines")
	d := h.tapManage("Edit comment…")
	h.idle()
	h.on(func() {
		if d.current != nil || !d.okBtn.Disabled() {
			t.Fatalf("a comment with a line break can be saved as it is: %q", texts(h.u.k.win.Canvas()))
		}
		if d.status.Text == "" || d.status.Text == "Checking the backup…" {
			t.Fatalf("the refusal is not said: %q", d.status.Text)
		}
		d.comment.SetText("two lines")
	})
	h.idle()
	h.on(func() {
		if d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("the mended comment cannot be saved: %q", d.status.Text)
		}
		test.Tap(d.okBtn)
	})
	h.idle()
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("comment job ended %v: %v", st.State, st.Err)
	}
	if got := h.commentOf("orderdesk", "Test", snap.SnapshotID); got != "two lines" {
		t.Errorf("comment is %q", got)
	}
}

// commentOf is the comment the cloud holds for one of env's backups.
func (h *harness) commentOf(app, env, id string) string {
	h.t.Helper()
	for _, s := range h.snapshots(app, env) {
		if s.SnapshotID == id {
			return s.Comment
		}
	}
	h.t.Fatalf("backup %s is gone from %s", id, env)
	return ""
}
