package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/progress"
)

func TestHistory_ListsRunsAndUndoesARestore(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Acceptance")
	snap := h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.confirmPlan(nil)
	h.idle()
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("restore ended %v: %v", st.State, st.Err)
	}

	h.on(func() { test.Tap(h.u.bar.history) })
	h.idle()
	hw := h.u.history
	h.on(func() {
		if len(hw.runs) != 1 {
			t.Fatalf("history lists %d runs", len(hw.runs))
		}
		row := strings.Join(hw.cells[0], " | ")
		// "From" names the backup as the Backups table does, never by its id.
		from := "Nightly backup of " + shortTime(snap.CreatedAt)
		if hw.cells[0][4] != from {
			t.Errorf("From = %q, want %q", hw.cells[0][4], from)
		}
		for _, want := range []string{"Demo", "Order Desk · Acceptance", "Restore", "Completed"} {
			if !strings.Contains(row, want) {
				t.Errorf("row %q lacks %q", row, want)
			}
		}
		if !hw.undo.Disabled() {
			t.Error("Undo is enabled before a run is selected")
		}
		hw.table.Select(tableCell(0))
		if hw.undo.Disabled() {
			t.Fatal("Undo is disabled for a restore that took a safety backup")
		}
		if !strings.Contains(hw.details.Text, "Safety backup:") {
			t.Errorf("details = %q", hw.details.Text)
		}
		test.Tap(hw.undo)
	})
	h.idle()
	h.on(func() {
		// The confirmation belongs to the History window, where Undo was pressed.
		if h.u.k.win.Canvas().Overlays().Top() != nil {
			t.Errorf("the undo confirmation opened over the main window: %q", texts(h.u.k.win.Canvas()))
		}
		top := hw.win.Canvas().Overlays().Top()
		if top == nil || !shows(hw.win.Canvas(), "This undoes run") {
			t.Fatalf("no undo confirmation over History: %q", texts(hw.win.Canvas()))
		}
		b := button(hw.win.Canvas(), "Undo restore")
		if b == nil {
			t.Fatal("no Undo button")
		}
		test.Tap(b)
	})
	h.idle()
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("undo ended %v: %v", st.State, st.Err)
	}
	runs := h.runs()
	if len(runs) != 2 || runs[0].Kind != journal.KindUndo {
		t.Fatalf("journal = %+v", runs)
	}
	h.idle()
	h.on(func() {
		if len(hw.runs) != 2 {
			t.Errorf("the open history shows %d runs after the undo", len(hw.runs))
		}
		// Filtering by an app without runs empties the table.
		hw.app.SetOptions(append(hw.app.Options, "Expense Tracker"))
		hw.appIDs["Expense Tracker"] = "expensetracker"
		hw.app.SetSelected("Expense Tracker")
	})
	h.idle()
	h.on(func() {
		if len(hw.runs) != 0 {
			t.Errorf("filter by another app lists %d runs", len(hw.runs))
		}
	})
}
