package ui

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/journal"
	"restoredesk/core/progress"
)

// "Copy download link…" on a backup: the engine's plan says how long the link works and
// that anyone holding it can download the backup; once asked for, the link is on the
// clipboard (and works), the message says until when, and the link is nowhere on screen,
// in the jobs panel or in the journal.
func TestCopyDownloadLink_OnTheClipboardOnly(t *testing.T) {
	h, snap, _ := downloadHarness(t)
	var d *linkDialog
	h.on(func() {
		prev := h.u.k.seen
		h.u.k.seen = func(x any) {
			if ld, ok := x.(*linkDialog); ok {
				d = ld
			}
			if prev != nil {
				prev(x)
			}
		}
		b := button(h.u.k.win.Canvas(), "Copy download link…")
		if b == nil {
			t.Fatalf("the selected backup has no Copy download link… button: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(b)
	})
	h.idle()
	h.on(func() {
		if d == nil || d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("no link plan to confirm: %q", texts(h.u.k.win.Canvas()))
		}
		if !shows(h.u.k.win.Canvas(), "8 hours") || !shows(h.u.k.win.Canvas(), "Anyone who has it can download the backup") {
			t.Errorf("the dialog does not say how long the link works and who can use it: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(d.okBtn)
	})
	if st := h.finished(h.lastJob()); st.State != progress.RunCompleted {
		t.Fatalf("link job ended %v: %v", st.State, st.Err)
	}
	h.idle()
	link := h.app.Clipboard().Content()
	if !strings.HasPrefix(link, h.srv.URL()+"/downloads/") || !strings.Contains(link, "signature=") {
		t.Fatalf("the clipboard holds %q, not a download link", link)
	}
	_, sig, _ := strings.Cut(link, "signature=")
	h.on(func() {
		if !shows(h.u.k.win.Canvas(), "it works until") || !shows(h.u.k.win.Canvas(), "on the clipboard") {
			t.Errorf("the message does not say the link is copied and until when: %q", texts(h.u.k.win.Canvas()))
		}
		all := strings.Join(texts(h.u.k.win.Canvas()), "\n") + h.u.k.status.Text
		for _, j := range h.u.jobs.jobs {
			all += h.u.jobs.snapshot(j).Message
		}
		if strings.Contains(all, sig) {
			t.Errorf("the link shows in the window:\n%s", all)
		}
	})
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, rerr := os.ReadFile(fixture(t, fullFixture))
	if err != nil || rerr != nil || !bytes.Equal(body, want) {
		t.Fatalf("the copied link brought %d bytes (%v, %v), not the backup", len(body), err, rerr)
	}
	runs, err := h.journal.List(t.Context(), journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 || runs[0].Kind != journal.KindDownloadLink || runs[0].SnapshotID != snap.SnapshotID || runs[0].Status != journal.StatusCompleted {
		t.Fatalf("journal runs = %+v", runs)
	}
	raw, err := os.ReadFile(h.journal.Path())
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(h.journal.Path() + "-wal")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if bytes.Contains(append(raw, wal...), []byte(sig)) {
		t.Error("the journal's file holds the link")
	}
}
