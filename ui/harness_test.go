package ui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/profiles"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// harness is the UI against a real embedded cloud on loopback, a temporary journal and an
// in-memory secret store, in Fyne's test driver (no display).
type harness struct {
	t       *testing.T
	app     fyne.App
	u       *UI
	last    *lastShown // the dialogs the window showed last
	srv     *localcloud.Server
	journal *journal.Journal
	store   *profiles.Store
	cloud   *cloud.Client // the test's own client, to check what changed in the cloud
	dir     string        // holds journal.db and profiles.json
}

type harnessConfig struct {
	cloudOpts []localcloudtest.Option
	secrets   profiles.SecretStore
	now       func() time.Time // the window's clock (nil: time.Now)
}

type harnessOption func(*harnessConfig)

func withCloud(opts ...localcloudtest.Option) harnessOption {
	return func(c *harnessConfig) { c.cloudOpts = append(c.cloudOpts, opts...) }
}

// withNow gives the window a clock; its times' zone is the user's.
func withNow(now func() time.Time) harnessOption {
	return func(c *harnessConfig) { c.now = now }
}

func withSecrets(s profiles.SecretStore) harnessOption {
	return func(c *harnessConfig) { c.secrets = s }
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	cfg := harnessConfig{secrets: profiles.NewSessionStore()}
	for _, o := range opts {
		o(&cfg)
	}
	srv := localcloudtest.Start(t, cfg.cloudOpts...)
	dir := t.TempDir()
	j, err := journal.Open(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	store, err := profiles.Open(filepath.Join(dir, "profiles.json"), cfg.secrets)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloud.New(srv.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	u := New(a, Deps{
		Journal:  j,
		Profiles: store,
		Now:      cfg.now,
		StartDemo: func(context.Context) (*Demo, error) {
			return &Demo{URL: srv.URL(), Credentials: cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
				Close: func() error { return nil }}, nil
		},
		RestoreOptions: []restore.Option{restore.WithPollInterval(5 * time.Millisecond)},
	})
	last := &lastShown{}
	last.follow(u.k)
	u.k.win.Resize(fyne.NewSize(1280, 800))
	u.k.win.Show()
	t.Cleanup(u.Close)
	return &harness{t: t, app: a, u: u, last: last, srv: srv, journal: j, store: store, cloud: c, dir: dir}
}

// on runs fn as the UI goroutine would, kept apart from the workers' updates.
func (h *harness) on(fn func()) {
	h.u.k.mu.Lock()
	defer h.u.k.mu.Unlock()
	fn()
}

// idle waits until every background call has finished and its result is on screen.
func (h *harness) idle() {
	h.t.Helper()
	if !h.u.k.wait(60 * time.Second) {
		h.t.Fatal("background work did not finish within 60 s")
	}
}

// runs reads the journal for an assertion; a failed read fails the test, so "nothing was
// recorded" is never concluded from a read that did not happen.
func (h *harness) runs() []journal.Run {
	h.t.Helper()
	runs, err := h.journal.List(context.Background(), journal.Filter{})
	if err != nil {
		h.t.Fatalf("read the journal: %v", err)
	}
	return runs
}

// runsBut are the journal's runs without the wrong-app check's reads of a backup's table
// list (restore.KindTableRead), which a plan of a file makes before anything is
// confirmed; each of those must be a completed read of target's environment.
func (h *harness) runsBut(target cloud.Environment) []journal.Run {
	h.t.Helper()
	var out []journal.Run
	for _, r := range h.runs() {
		switch {
		case r.Kind != restore.KindTableRead:
			out = append(out, r)
		case r.EnvID != target.EnvironmentID || r.Status != journal.StatusCompleted:
			h.t.Errorf("a table read of %s (%s), want only completed ones of %s", r.Mode, r.Status, target.Mode)
		}
	}
	return out
}

// waitFor polls cond (run as the UI goroutine) until it holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok := false
		h.on(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// demo opens the demo account and waits for its apps.
func (h *harness) demo() {
	h.t.Helper()
	h.on(func() { h.u.Start(StartOptions{Demo: true}) })
	h.idle()
	h.on(func() {
		if h.u.lists.sess == nil || len(h.u.lists.apps.apps) == 0 {
			h.t.Fatal("the demo account did not open with its apps")
		}
	})
}

// open selects app and environment mode as a user clicking them would, and waits for the
// backups.
func (h *harness) open(appID, mode string) {
	h.t.Helper()
	h.on(func() {
		if !h.u.lists.apps.selectApp(appID) {
			h.t.Fatalf("app %s is not in the list", appID)
		}
	})
	h.idle()
	h.on(func() {
		if !h.u.lists.envs.selectMode(mode) {
			h.t.Fatalf("environment %s is not in the list", mode)
		}
	})
	h.idle()
}

// selectBackup selects the first backup row for which match holds.
func (h *harness) selectBackup(match func(cloud.Snapshot) bool) cloud.Snapshot {
	h.t.Helper()
	var got cloud.Snapshot
	h.on(func() {
		for i := 0; i < h.u.lists.backups.list.len(); i++ {
			if s := h.u.lists.backups.list.at(i).snap; match(s) {
				h.u.lists.backups.table.Select(widget.TableCellID{Row: i, Col: 0})
				got = s
				return
			}
		}
		h.t.Fatal("no backup matches")
	})
	return got
}

// completedOfKind matches completed backups of kind.
func completedOfKind(k cloud.SnapshotKind) func(cloud.Snapshot) bool {
	return func(s cloud.Snapshot) bool { return s.State == cloud.StateCompleted && cloud.KindOf(s) == k }
}

// env reads an environment from the cloud, bypassing the UI.
func (h *harness) env(appID, mode string) cloud.Environment {
	h.t.Helper()
	e, err := h.cloud.GetEnvironment(context.Background(), appID, mode)
	if err != nil {
		h.t.Fatal(err)
	}
	return *e
}

// snapshots lists an environment's backups from the cloud, bypassing the UI.
func (h *harness) snapshots(appID, mode string) []cloud.Snapshot {
	h.t.Helper()
	apps, err := h.cloud.ListApps(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, a := range apps {
		if a.AppID == appID {
			e := h.env(appID, mode)
			s, err := h.cloud.ListAllSnapshots(context.Background(), a.ProjectID, e.EnvironmentID)
			if err != nil {
				h.t.Fatal(err)
			}
			return s
		}
	}
	h.t.Fatalf("no app %s", appID)
	return nil
}

// lastJob is the job added last.
func (h *harness) lastJob() *job {
	h.t.Helper()
	var j *job
	h.on(func() {
		if n := len(h.u.jobs.jobs); n > 0 {
			j = h.u.jobs.jobs[n-1]
		}
	})
	if j == nil {
		h.t.Fatal("no job was started")
	}
	return j
}

// confirmPlan waits for the engine's plan in the dialog last shown, lets change set its
// options (which plans again; change may be nil), waits again, and confirms the plan.
func (h *harness) confirmPlan(change func(d *planDialog)) {
	h.t.Helper()
	h.idle()
	if change != nil {
		h.on(func() { change(h.last.planDlg) })
		h.idle()
	}
	h.on(func() {
		d := h.last.planDlg
		if d == nil || d.current == nil || d.okBtn.Disabled() {
			h.t.Fatalf("no plan to confirm: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(d.okBtn)
	})
}

// finished waits for j to end and returns its final state.
func (h *harness) finished(j *job) progress.View {
	h.t.Helper()
	select {
	case <-j.done:
	case <-time.After(60 * time.Second):
		h.t.Fatal("the job did not finish within 60 s")
	}
	h.idle()
	return h.u.jobs.snapshot(j)
}

// texts lists the text of every label, button and entry on the canvas's top overlay (or
// the content when there is none).
func texts(c fyne.Canvas) []string {
	root := c.Content()
	if top := c.Overlays().Top(); top != nil {
		root = top
	}
	var out []string
	for _, o := range test.LaidOutObjects(root) {
		if !o.Visible() {
			continue
		}
		switch w := o.(type) {
		case *widget.Card:
			out = append(out, w.Title, w.Subtitle)
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.Entry:
			out = append(out, w.Text)
		case *widget.Check:
			out = append(out, w.Text)
		}
	}
	return out
}

// shows reports whether some text on the canvas's top layer contains sub.
func shows(c fyne.Canvas, sub string) bool {
	for _, s := range texts(c) {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// button finds the button labelled text on the top layer.
func button(c fyne.Canvas, text string) *widget.Button {
	root := c.Content()
	if top := c.Overlays().Top(); top != nil {
		root = top
	}
	for _, o := range test.LaidOutObjects(root) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	return nil
}

// fakeUnavailableKeyring is a stand-in for a system keyring that cannot be reached (no
// D-Bus session), used where the real one cannot be made to fail on demand.
type fakeUnavailableKeyring struct {
	mu   sync.Mutex
	sets int
}

func (f *fakeUnavailableKeyring) err() error {
	return &profiles.UnavailableError{Cause: "there is no D-Bus session to reach a keyring through", Err: context.DeadlineExceeded}
}

func (f *fakeUnavailableKeyring) Get(context.Context, string) (string, error) { return "", f.err() }
func (f *fakeUnavailableKeyring) Set(context.Context, string, string) error {
	f.mu.Lock()
	f.sets++
	f.mu.Unlock()
	return f.err()
}
func (f *fakeUnavailableKeyring) setCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sets
}
func (f *fakeUnavailableKeyring) Delete(context.Context, string) error { return f.err() }

// tableCell is the first cell of row.
func tableCell(row int) widget.TableCellID { return widget.TableCellID{Row: row, Col: 0} }

// restoreDialog selects a completed nightly backup of appID's mode environment and opens
// the restore dialog on it, as the toolbar's Restore does, waiting for its first plan.
func (h *harness) restoreDialog(appID, mode string) {
	h.t.Helper()
	h.open(appID, mode)
	h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.idle()
}
