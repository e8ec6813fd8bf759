package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/progress"
)

// recordingOpener stands in for the system's file manager: installed as handoff.go's
// openURL, it records the links it was asked to open instead of launching a program.
type recordingOpener struct {
	mu     sync.Mutex
	opened []string
}

func (r *recordingOpener) install(t *testing.T) {
	old := openURL
	openURL = func(_ fyne.App, u *url.URL) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.opened = append(r.opened, u.String())
		return nil
	}
	t.Cleanup(func() { openURL = old })
}

func (r *recordingOpener) links() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.opened...)
}

func sha256Of(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

const fullFixture = "files_and_database-1a2b3c4d-202611250130.tar.gz"

// downloadHarness is the UI on a cloud that refuses Mendix headers on archive links, with
// a backup of customerportal's Acceptance made from the full-snapshot fixture selected,
// downloads going to a temporary folder and folders "opened" by a recordingOpener.
func downloadHarness(t *testing.T, opts ...localcloudtest.Option) (*harness, cloud.Snapshot, *recordingOpener) {
	t.Helper()
	h := newHarness(t, withCloud(append(opts, localcloudtest.WithStrictDownloads())...))
	env := h.env("customerportal", "Acceptance")
	rec, err := h.srv.Cloud().AddSnapshot(env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: fixture(t, fullFixture)})
	if err != nil {
		t.Fatal(err)
	}
	opener := &recordingOpener{}
	opener.install(t)
	h.on(func() { h.u.act.downloadDir = t.TempDir() })
	h.demo()
	h.open("customerportal", "Acceptance")
	snap := h.selectBackup(func(s cloud.Snapshot) bool { return s.SnapshotID == rec.SnapshotID })
	t.Cleanup(func() {
		for _, r := range h.srv.Cloud().DownloadRequests() {
			if r.MendixHeaders {
				t.Errorf("a request to archive link %s carried Mendix headers", r.ArchiveID)
			}
		}
	})
	return h, snap, opener
}

func TestDownload_FromToolbar_SavedCheckedAndShownInFolder(t *testing.T) {
	h, _, opener := downloadHarness(t)
	h.on(func() { test.Tap(h.u.bar.download) })
	h.idle()
	var dir, name string
	h.on(func() {
		d := h.last.downloadDlg
		if d == nil || d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("no download plan to confirm: %q", texts(h.u.k.win.Canvas()))
		}
		dir, name = d.folder.Text, d.name.Text
		if !strings.HasPrefix(name, "Customer-Portal-Acceptance-") || !strings.HasSuffix(name, ".tar.gz") {
			t.Errorf("suggested name %q, want core/download's Customer-Portal-Acceptance-<time>.tar.gz", name)
		}
		if !shows(h.u.k.win.Canvas(), "Ask Mendix Cloud for an archive") {
			t.Errorf("the dialog does not show the engine's steps: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(d.okBtn)
	})
	j := h.lastJob()
	v := h.finished(j)
	if v.State != progress.RunCompleted {
		t.Fatalf("the download ended %s: %v", v.State, v.Err)
	}
	path := filepath.Join(dir, name)
	if got, want := sha256Of(t, path), sha256Of(t, fixture(t, fullFixture)); got != want {
		t.Fatalf("saved file SHA-256 %s, want the server's %s", got, want)
	}
	h.on(func() {
		if !strings.Contains(j.card.state.Objects[1].(*widget.Label).Text, progress.RunCompleted.Label()) {
			t.Errorf("the job's badge does not say it finished: %q", texts(h.u.k.win.Canvas()))
		}
		b := cardButtonOf(j, "Show in folder")
		if b == nil {
			t.Fatal("the finished download offers no Show in folder")
		}
		test.Tap(b)
	})
	h.idle()
	want := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
	if got := opener.links(); len(got) != 1 || got[0] != want {
		t.Errorf("opened %q, want the folder %s", got, want)
	}
}

func TestDownload_DatabaseOnlyGivesADump(t *testing.T) {
	h, _, _ := downloadHarness(t)
	h.on(func() { h.u.act.downloadSelected() })
	h.idle()
	h.on(func() { h.last.downloadDlg.dbOnly.SetChecked(true) })
	h.idle()
	var path string
	h.on(func() {
		d := h.last.downloadDlg
		if !strings.HasSuffix(d.name.Text, ".backup") {
			t.Errorf("database only suggests %q, want a .backup name", d.name.Text)
		}
		if d.current == nil || !d.current.Request.DBOnly {
			t.Fatalf("no database-only plan: %q", texts(h.u.k.win.Canvas()))
		}
		path = filepath.Join(d.folder.Text, d.name.Text)
		test.Tap(d.okBtn)
	})
	if v := h.finished(h.lastJob()); v.State != progress.RunCompleted {
		t.Fatalf("the download ended %s: %v", v.State, v.Err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "PGDMP") {
		t.Errorf("%s is not a PostgreSQL custom-format dump (starts %q)", path, b[:min(len(b), 8)])
	}
}

// An existing file is not replaced unasked: the engine refuses, the dialog offers to
// replace it on purpose, and nothing can be confirmed until then.
func TestDownload_ExistingFileNeedsReplace(t *testing.T) {
	h, _, _ := downloadHarness(t)
	h.on(func() { h.u.act.downloadSelected() })
	h.idle()
	var path string
	h.on(func() { path = filepath.Join(h.last.downloadDlg.folder.Text, h.last.downloadDlg.name.Text) })
	if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.on(func() { h.last.downloadDlg.replan() })
	h.idle()
	h.on(func() {
		d := h.last.downloadDlg
		if d.current != nil || !d.okBtn.Disabled() || !d.replace.Visible() {
			t.Fatalf("an existing file can be replaced unasked: %q", texts(h.u.k.win.Canvas()))
		}
		d.replace.SetChecked(true)
	})
	h.idle()
	h.on(func() {
		if h.last.downloadDlg.current == nil || h.last.downloadDlg.okBtn.Disabled() {
			t.Fatalf("replacing on purpose is not allowed: %q", texts(h.u.k.win.Canvas()))
		}
	})
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Error("the existing file changed before anything was confirmed")
	}
}

// A download can be cancelled from its job while the cloud prepares the archive: the job
// ends cancelled and no file is saved under the name.
func TestDownload_CancelFromTheJob(t *testing.T) {
	h, _, _ := downloadHarness(t, localcloudtest.WithJobDelay(30*time.Second))
	h.on(func() { h.u.act.downloadSelected() })
	h.idle()
	var path string
	h.on(func() {
		d := h.last.downloadDlg
		path = filepath.Join(d.folder.Text, d.name.Text)
		test.Tap(d.okBtn)
	})
	j := h.lastJob()
	h.waitFor("the job's Cancel button", func() bool { return j.card.cancel.Visible() })
	h.on(func() { test.Tap(j.card.cancel) })
	if v := h.finished(j); v.State != progress.RunCancelled {
		t.Fatalf("the cancelled download ended %s: %v", v.State, v.Err)
	}
	h.on(func() {
		if !strings.Contains(h.u.k.status.Text, "cancelled") {
			t.Errorf("status %q does not say the download was cancelled", h.u.k.status.Text)
		}
	})
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a cancelled download left %s (%v)", path, err)
	}
}

// Ticking "Replace the file" confirms replacing one file: another name or another folder
// clears the tick, and a file that is there too needs it ticked again.
func TestDownload_ReplaceIsConfirmedAgainForAnotherFile(t *testing.T) {
	h, _, _ := downloadHarness(t)
	h.on(func() { h.u.act.downloadSelected() })
	h.idle()
	var dir string
	h.on(func() { dir = h.last.downloadDlg.folder.Text })
	other := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "b.tar.gz"), filepath.Join(other, "b.tar.gz")} {
		if err := os.WriteFile(p, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// refusedUntilTicked checks that the file named now is refused with Replace offered
	// unticked, then ticks it.
	refusedUntilTicked := func(what string) {
		t.Helper()
		h.idle()
		h.on(func() {
			d := h.last.downloadDlg
			if d.current != nil || !d.okBtn.Disabled() || !d.replace.Visible() || d.replace.Checked {
				t.Fatalf("%s: can be replaced without ticking Replace for it (ticked %v): %q", what, d.replace.Checked, texts(h.u.k.win.Canvas()))
			}
			d.replace.SetChecked(true)
		})
		h.idle()
		h.on(func() {
			if d := h.last.downloadDlg; d.current == nil || d.okBtn.Disabled() {
				t.Fatalf("%s: replacing on purpose is not allowed: %q", what, texts(h.u.k.win.Canvas()))
			}
		})
	}
	h.on(func() { h.last.downloadDlg.name.SetText("a.tar.gz") })
	refusedUntilTicked("a.tar.gz")
	h.on(func() { h.last.downloadDlg.name.SetText("b.tar.gz") })
	refusedUntilTicked("another name")
	h.on(func() { h.last.downloadDlg.folder.SetText(other) })
	refusedUntilTicked("another folder")
	h.on(func() { h.last.downloadDlg.dialog.Hide() })
	for _, p := range []string{filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "b.tar.gz"), filepath.Join(other, "b.tar.gz")} {
		if b, _ := os.ReadFile(p); string(b) != "mine" {
			t.Errorf("%s changed before anything was confirmed", p)
		}
	}
}

// requestCounter counts the requests the window's client sends.
type requestCounter struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}

// Typing a file name letter by letter asks the cloud once, after the typing paused, not
// once a letter.
func TestDownload_TypingANamePlansOnceTypingPauses(t *testing.T) {
	h := newHarness(t)
	rc := &requestCounter{next: http.DefaultTransport}
	h.u.deps.NewClient = func(baseURL string, creds cloud.Credentials) (*cloud.Client, error) {
		return cloud.New(baseURL, creds, cloud.WithHTTPClient(&http.Client{Transport: rc}))
	}
	h.on(func() { h.u.act.downloadDir = t.TempDir() })
	h.demo()
	h.open("customerportal", "Acceptance")
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { h.u.act.downloadSelected() })
	h.idle()
	// What one plan asks of the cloud.
	before := rc.n.Load()
	h.on(func() { h.last.downloadDlg.replan() })
	h.idle()
	one := rc.n.Load() - before
	if one == 0 {
		t.Fatal("a plan asked nothing of the cloud: the window's client is not counted")
	}
	before = rc.n.Load()
	h.on(func() {
		d := h.last.downloadDlg
		d.name.SetText("")
		test.Type(d.name, "before-the-release.tar.gz")
	})
	h.idle()
	if got := rc.n.Load() - before; got > one {
		t.Errorf("typing a name sent %d requests; one plan sends %d", got, one)
	}
	h.on(func() {
		d := h.last.downloadDlg
		if d.current == nil || !strings.HasSuffix(d.current.Path, "before-the-release.tar.gz") {
			t.Errorf("the plan shown is not for the name typed: %q", texts(h.u.k.win.Canvas()))
		}
		d.dialog.Hide()
	})
}
