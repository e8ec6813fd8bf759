package ui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/progress"
)

// fixture copies an archive of core/archive/testdata into a fresh folder and returns its path.
func fixture(t *testing.T, name string) string {
	t.Helper()
	src, err := os.Open(filepath.Join("..", "core", "archive", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), name)
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// uploaded lists the backups of the environment made by uploads.
func uploaded(h *harness, appID, mode string) []cloud.Snapshot {
	var out []cloud.Snapshot
	for _, s := range h.snapshots(appID, mode) {
		if cloud.KindOf(s) == cloud.KindUploaded {
			out = append(out, s)
		}
	}
	return out
}

// chooseInFileDialog selects name in the open file chooser and presses its confirm button,
// as a user clicking would.
func chooseInFileDialog(t *testing.T, c fyne.Canvas, name string) {
	t.Helper()
	top := c.Overlays().Top()
	if top == nil {
		t.Fatal("no file chooser is open")
	}
	var item fyne.Tappable
	var walk func(o fyne.CanvasObject) bool
	walk = func(o fyne.CanvasObject) bool {
		children := []fyne.CanvasObject{}
		switch w := o.(type) {
		case *fyne.Container:
			children = w.Objects
		case fyne.Widget:
			children = test.WidgetRenderer(w).Objects()
		}
		for _, ch := range children {
			if l, ok := ch.(*widget.Label); ok && l.Text == name {
				if tp, ok := o.(fyne.Tappable); ok {
					item = tp
					return true
				}
			}
			if walk(ch) {
				return true
			}
		}
		return false
	}
	walk(top)
	if item == nil {
		t.Fatalf("%s is not offered in the chooser: %q", name, texts(c))
	}
	test.Tap(item)
	b := button(c, "Check this file")
	if b == nil || b.Disabled() {
		t.Fatal("the chooser's confirm button is missing or disabled after choosing a file")
	}
	test.Tap(b)
}

func TestUpload_FileChooser_UploadOnly(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "customerportal.backup")
	h.demo()
	h.open("customerportal", "Test")
	before := len(uploaded(h, "customerportal", "Test"))
	h.on(func() {
		h.u.act.chooserDir = filepath.Dir(path)
		test.Tap(h.u.bar.upload)
		if h.last.chooser == nil {
			t.Fatal("no file chooser")
		}
		chooseInFileDialog(t, h.u.k.win.Canvas(), "customerportal.backup")
	})
	h.idle()
	h.on(func() {
		d := h.last.inspection
		if d == nil {
			t.Fatal("no inspection report")
		}
		c := h.u.k.win.Canvas()
		for _, want := range []string{"customerportal.backup can be restored.", "Database only", "pg_dump " + d.report.PgDumpVersion, d.report.SHA256} {
			if !shows(c, want) {
				t.Errorf("the report does not show %q: %q", want, texts(c))
			}
		}
		d.restore.SetChecked(false) // upload only
		test.Tap(d.upload)
	})
	h.idle()
	st := h.finished(h.lastJob())
	if st.State != progress.RunCompleted {
		t.Fatalf("upload ended %v: %v", st.State, st.Err)
	}
	if got := len(uploaded(h, "customerportal", "Test")); got != before+1 {
		t.Errorf("uploaded backups: %d before, %d after", before, got)
	}
	runs := h.runsBut(h.env("customerportal", "Test"))
	if len(runs) != 1 || runs[0].Kind != journal.KindUpload || !runs[0].UploadOnly || runs[0].FileName != "customerportal.backup" {
		t.Fatalf("journal = %+v", runs)
	}
}

func TestUpload_DropAndRestore(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	h.demo()
	h.open("orderdesk", "Test")
	h.on(func() { h.u.act.handleDrop(fyne.NewPos(400, 300), []fyne.URI{storage.NewFileURI(path)}) })
	h.idle()
	h.on(func() {
		d := h.last.inspection
		if d == nil || !d.report.Restorable {
			t.Fatalf("no restorable report: %+v", d)
		}
		if !shows(h.u.k.win.Canvas(), "Full snapshot (database and files)") {
			t.Errorf("kind not shown: %q", texts(h.u.k.win.Canvas()))
		}
		if d.restore.Checked {
			t.Error("restoring another app's archive is ticked by default")
		}
		d.restore.SetChecked(true) // the user means it: the plan asks for the typed name
		test.Tap(d.upload)
	})
	h.idle() // the engine plans the restore (the file's check is remembered)
	h.on(func() {
		rd := h.last.planDlg
		if rd == nil || rd.current == nil {
			t.Fatal("no restore confirmation for the uploaded archive")
		}
		// Customer Portal's archive into Order Desk: the warning leads, and Test is typed.
		if !strings.Contains(rd.summary.Text, "from another line than the 2.3.0.351 that Test of Order Desk runs") {
			t.Errorf("summary = %q", rd.summary.Text)
		}
		if !rd.okBtn.Disabled() {
			t.Error("the restore can be confirmed without typing Test")
		}
		test.Type(rd.confirm, "Test")
		test.Tap(rd.okBtn)
	})
	h.idle()
	st := h.finished(h.lastJob())
	if st.State != progress.RunCompleted {
		t.Fatalf("run ended %v: %v", st.State, st.Err)
	}
	var kinds []string
	for _, s := range st.Steps {
		kinds = append(kinds, string(s.Kind))
	}
	if !slices.Contains(kinds, "upload") || !slices.Contains(kinds, "restore") {
		t.Errorf("steps = %v", kinds)
	}
	if len(uploaded(h, "orderdesk", "Test")) != 1 {
		t.Error("the upload did not become a backup")
	}
}

func TestUpload_BadFileRejectedBeforeAnythingChanges(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "truncated-snapshot.tar.gz")
	h.demo()
	h.open("orderdesk", "Production")
	before := h.snapshots("orderdesk", "Production")
	h.on(func() { h.u.act.handleDrop(fyne.Position{}, []fyne.URI{storage.NewFileURI(path)}) })
	h.idle()
	h.on(func() {
		d := h.last.inspection
		if d == nil {
			t.Fatal("no inspection report")
		}
		if d.report.Restorable || len(d.report.Problems) == 0 {
			t.Fatalf("a truncated archive passed: %+v", d.report)
		}
		c := h.u.k.win.Canvas()
		if !shows(c, "cannot be restored, so it will not be uploaded") || !shows(c, d.report.Problems[0]) {
			t.Errorf("verdict or problem not shown: %q", texts(c))
		}
		if d.upload != nil || button(c, "Upload") != nil {
			t.Error("an unrestorable file can be uploaded")
		}
	})
	if after := h.snapshots("orderdesk", "Production"); len(after) != len(before) {
		t.Errorf("backups changed: %d → %d", len(before), len(after))
	}
	if e := h.env("orderdesk", "Production"); e.Status != cloud.StatusRunning {
		t.Errorf("Production is %s", e.Status)
	}
	if runs := h.runs(); len(runs) != 0 {
		t.Errorf("%d runs recorded", len(runs))
	}
}

func TestUpload_CancelWhileUploadingLeavesEverythingAsItWas(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	h.demo()
	h.open("orderdesk", "Production")
	before := h.snapshots("orderdesk", "Production")
	h.on(func() { h.u.act.handleDrop(fyne.Position{}, []fyne.URI{storage.NewFileURI(path)}) })
	h.idle()
	h.srv.Cloud().SetLatency(time.Second) // the upload's requests now take a while
	h.on(func() {
		h.last.inspection.restore.SetChecked(false)
		test.Tap(h.last.inspection.upload)
	})
	h.waitFor("the upload job", func() bool { return len(h.u.jobs.jobs) > 0 })
	j := h.lastJob()
	h.waitFor("the upload step", func() bool {
		st := h.u.jobs.snapshot(j)
		return slices.ContainsFunc(st.Steps, func(s progress.Step) bool { return s.Kind == "upload" && s.State == progress.StepRunning })
	})
	// The card is drawn at the presenter's pace, a moment after the step starts.
	h.waitFor("Cancel on the uploading card", func() bool { return j.card.cancel.Visible() })
	h.on(func() { test.Tap(j.card.cancel) })
	st := h.finished(j)
	h.srv.Cloud().SetLatency(0)
	if st.State != progress.RunCancelled {
		t.Fatalf("outcome %v: %v", st.State, st.Err)
	}
	if after := h.snapshots("orderdesk", "Production"); len(after) != len(before) {
		t.Errorf("backups changed: %d → %d", len(before), len(after))
	}
	if e := h.env("orderdesk", "Production"); e.Status != cloud.StatusRunning {
		t.Errorf("Production is %s", e.Status)
	}
	runs := h.runsBut(h.env("orderdesk", "Production"))
	if len(runs) != 1 || runs[0].Status != journal.StatusCancelled {
		t.Fatalf("journal = %+v", runs)
	}
}

func TestDrop_SaysWhyItCannotUpload(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "customerportal.backup")
	uri := storage.NewFileURI(path)
	h.demo()
	drop := func(uris ...fyne.URI) string {
		var got []string
		h.on(func() {
			h.u.act.handleDrop(fyne.Position{}, uris)
			got = texts(h.u.k.win.Canvas())
			if top := h.u.k.win.Canvas().Overlays().Top(); top != nil {
				h.u.k.win.Canvas().Overlays().Remove(top)
			}
		})
		return strings.Join(got, " | ")
	}
	if got := drop(uri); !strings.Contains(got, "Choose an environment first") {
		t.Errorf("no environment: %s", got)
	}
	h.open("expensetracker", "Sandbox")
	if got := drop(uri); !strings.Contains(got, "A Free App cannot receive an uploaded archive") {
		t.Errorf("Free App: %s", got)
	}
	h.open("orderdesk", "Test")
	if got := drop(uri, uri); !strings.Contains(got, "One file at a time") {
		t.Errorf("two files: %s", got)
	}
	h.idle()
	h.on(func() {
		if h.last.inspection != nil || len(h.u.jobs.jobs) != 0 {
			t.Error("a refused drop started something")
		}
	})
}

// The inspection report counts file documents only where an archive can hold them.
func TestReportItems_FileDocumentsOnlyForSnapshots(t *testing.T) {
	ctx := context.Background()
	value := func(items [][2]string, label string) (string, bool) {
		for _, it := range items {
			if it[0] == label {
				return it[1], true
			}
		}
		return "", false
	}
	dump, err := archive.Inspect(ctx, filepath.Join("..", "core", "archive", "testdata", "customerportal.backup"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := value(reportItems(dump), "File documents"); ok {
		t.Errorf("a database-only dump lists file documents: %q", v)
	}
	snap, err := archive.Inspect(ctx, filepath.Join("..", "core", "archive", "testdata", "files_and_database-1a2b3c4d-202611250130.tar.gz"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := value(reportItems(snap), "File documents"); v != "5" {
		t.Errorf("full snapshot file documents = %q, want 5", v)
	}
}
