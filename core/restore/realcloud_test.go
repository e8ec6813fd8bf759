package restore_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// The Free App and upload flows against the embedded cloud in both of its modes: as
// before (it manages Free Apps and takes uploads) and like Mendix Cloud (it refuses a Free
// App's environment read, stop, start and restore with a 4xx, and has no upload route).

// Like Mendix Cloud, a Free App's restore is refused: nothing changes, and the engine
// hands over to the Portal with the how-to's Free App steps and the link.
func TestFreeAppRefusedLikeMendixHandsOverToThePortal(t *testing.T) {
	ctx := context.Background()
	normal := newBed(t)
	b := newBedOn(t, localcloudtest.Start(t, localcloudtest.LikeMendix()), filepath.Join(t.TempDir(), "journal.db"),
		localcloud.DemoUsername, localcloud.DemoAPIKey)
	// The target as the account loader sees it: the Free App's environment comes from the
	// list (a single read is what Mendix refuses).
	tg := normal.target(localcloud.DemoAppExpenseTracker, "Sandbox")
	snap := b.completedSnapshot(tg)
	before := b.digest(tg.Env.EnvironmentID)

	_, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg,
		Options: restore.Options{Start: true}})
	if !errors.Is(err, restore.ErrFreeAppRefused) {
		t.Fatalf("Plan = %v, want ErrFreeAppRefused", err)
	}
	ex := explain.Explain(err)
	if strings.Contains(ex.Summary, "not hosted") || !strings.Contains(ex.Summary, "Nothing was changed") {
		t.Errorf("summary %q", ex.Summary)
	}
	if ex.Handoff == nil {
		t.Fatal("no hand-off to the Portal")
	}
	txt := ex.Handoff.Text()
	for _, want := range []string{"Backups", snap.SnapshotID, "Stop Application", "Restore Backup", cloud.PortalURL} {
		if !strings.Contains(txt, want) {
			t.Errorf("hand-off lacks %q:\n%s", want, txt)
		}
	}
	if b.digest(tg.Env.EnvironmentID) != before || len(b.lc.Restores(tg.Env.EnvironmentID)) != 0 || b.status(tg.Env.EnvironmentID) != "Running" {
		t.Error("the Free App changed although the cloud refused")
	}

	// Stopping it by hand is refused the same way, with the same hand-off.
	res, err := act(ctx, b.e, journal.KindStop, tg, "", restore.BackupOptions{}, nil)
	if !errors.Is(err, restore.ErrFreeAppRefused) || explain.Explain(err).Handoff == nil {
		t.Errorf("StopTarget = %v, want a Free App hand-off", err)
	}
	if res != nil && res.StoppedEnv {
		t.Error("StopTarget says it stopped the Free App")
	}
	if b.status(tg.Env.EnvironmentID) != "Running" {
		t.Error("the Free App was stopped")
	}

	// In the normal mode the same restore goes through (flow 1).
	ntg := normal.target(localcloud.DemoAppExpenseTracker, "Sandbox")
	p, err := normal.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: normal.completedSnapshot(ntg).SnapshotID}, Target: ntg})
	if err != nil {
		t.Fatalf("normal mode Plan: %v", err)
	}
	if _, err := normal.e.Run(ctx, p, nil); err != nil {
		t.Fatalf("normal mode Run: %v", err)
	}
}

// recordingTransport sends every request to the embedded cloud, whatever the URL's host,
// and records what was asked: it lets a client believe it talks to deploy.mendix.com.
type recordingTransport struct {
	to   *url.URL
	mu   sync.Mutex
	seen []string
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.seen = append(rt.seen, r.Method+" "+r.URL.Path)
	rt.mu.Unlock()
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rt.to.Scheme, rt.to.Host, rt.to.Host
	return http.DefaultTransport.RoundTrip(r2)
}

// Against Mendix's own URL an upload is inspected and handed over to the Portal at once,
// with the file's full path and the verdict, and no request goes to an upload route.
func TestUploadAgainstMendixURLHandsOverWithoutAnyUploadRequest(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []struct {
		name string
		opts []localcloudtest.Option
	}{{"normal", nil}, {"like-mendix", []localcloudtest.Option{localcloudtest.LikeMendix()}}} {
		t.Run(mode.name, func(t *testing.T) {
			b := newBed(t, mode.opts...)
			to, _ := url.Parse(b.srv.URL())
			rt := &recordingTransport{to: to}
			c, err := cloud.New(cloud.DefaultBaseURL, cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
				cloud.WithHTTPClient(&http.Client{Transport: rt}))
			if err != nil {
				t.Fatal(err)
			}
			e := restore.New(c, b.j, fastEngineOpts()...)
			tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
			before, snaps := b.digest(tg.Env.EnvironmentID), b.snapshotCount(tg.Env.EnvironmentID)
			file := fixture("customerportal.backup")
			_, err = e.Plan(ctx, restore.Request{Source: restore.Source{File: file}, Target: tg, Options: restore.Options{UploadOnly: true}})
			if !errors.Is(err, restore.ErrUploadHandoff) {
				t.Fatalf("Plan = %v, want the upload hand-off", err)
			}
			var he *restore.HandoffError
			if !errors.As(err, &he) || he.Report == nil || !he.Report.Restorable {
				t.Fatalf("the inspection verdict is not kept: %+v", he)
			}
			abs, _ := filepath.Abs(file)
			ex := explain.Explain(err)
			if ex.Handoff == nil || ex.Handoff.File != abs || !strings.Contains(ex.Handoff.Text(), "Upload Archive") ||
				!strings.Contains(ex.Handoff.Text(), "Acceptance") || !strings.Contains(ex.Summary, "can be restored") {
				t.Errorf("explanation %+v / %+v", ex, ex.Handoff)
			}
			rt.mu.Lock()
			for _, s := range rt.seen {
				if strings.Contains(s, "/uploads") {
					t.Errorf("a request went to an upload route: %s", s)
				}
			}
			rt.mu.Unlock()
			if b.digest(tg.Env.EnvironmentID) != before || b.snapshotCount(tg.Env.EnvironmentID) != snaps {
				t.Error("something changed")
			}
		})
	}
}

// Like Mendix Cloud on another URL (no upload route): the upload is tried, found missing,
// and handed over the same way; nothing changes. In the normal mode the upload goes through.
func TestUploadFlowInBothModes(t *testing.T) {
	ctx := context.Background()
	for _, likeMendix := range []bool{false, true} {
		var opts []localcloudtest.Option
		if likeMendix {
			opts = append(opts, localcloudtest.LikeMendix())
		}
		b := newBed(t, opts...)
		tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
		snaps := b.snapshotCount(tg.Env.EnvironmentID)
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: fixture("customerportal.backup")}, Target: tg, Options: restore.Options{UploadOnly: true}})
		if err != nil {
			t.Fatalf("like-mendix %v: Plan: %v", likeMendix, err)
		}
		res, err := b.e.Run(ctx, p, nil)
		switch {
		case likeMendix:
			if !errors.Is(err, restore.ErrUploadHandoff) || explain.Explain(err).Handoff == nil {
				t.Errorf("like-mendix: Run = %v, want the upload hand-off", err)
			}
			if b.snapshotCount(tg.Env.EnvironmentID) != snaps {
				t.Error("like-mendix: a backup appeared")
			}
			if res == nil || res.Status != journal.StatusFailed {
				t.Errorf("like-mendix: result %+v", res)
			}
		case err != nil:
			t.Errorf("normal: Run = %v", err)
		case b.snapshotCount(tg.Env.EnvironmentID) != snaps+1:
			t.Error("normal: the upload did not become a backup")
		}
	}
}

// Against Mendix's own cloud the poll interval has a lower bound; the embedded cloud on
// loopback is polled as asked.
func TestPollIntervalLowerBoundOnMendixCloud(t *testing.T) {
	creds := cloud.Credentials{Username: "a@example.com", APIKey: "k"}
	real, err := cloud.New(cloud.DefaultBaseURL, creds)
	if err != nil {
		t.Fatal(err)
	}
	local, err := cloud.New("http://127.0.0.1:1", creds)
	if err != nil {
		t.Fatal(err)
	}
	if got := restore.New(real, nil, restore.WithPollInterval(time.Millisecond)).PollInterval(); got != restore.MinPollInterval {
		t.Errorf("Mendix Cloud polled every %v, want %v", got, restore.MinPollInterval)
	}
	if got := restore.New(local, nil, restore.WithPollInterval(time.Millisecond)).PollInterval(); got != time.Millisecond {
		t.Errorf("local cloud polled every %v, want 1ms", got)
	}
}

// Stopping production is planned with the production rule: without its name typed the run
// refuses and nothing happens; the plan says what to type.
func TestStopOfProductionNeedsItsName(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Production")
	p, err := b.e.Plan(ctx, restore.Request{Target: tg, Action: journal.KindStop})
	if err != nil {
		t.Fatal(err)
	}
	if !p.ConfirmationRequired || p.Allows.ConfirmName != "Production" {
		t.Fatalf("plan: confirmation required %v, name %q", p.ConfirmationRequired, p.Allows.ConfirmName)
	}
	if _, err := b.e.Run(ctx, p, nil); !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Fatalf("Run without the name = %v", err)
	}
	if _, err := act(ctx, b.e, journal.KindStop, tg, "", restore.BackupOptions{}, nil); !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Fatalf("StopTarget without the name = %v", err)
	}
	if got := b.status(tg.Env.EnvironmentID); got != "Running" {
		t.Fatalf("Production is %s: it was stopped without confirmation", got)
	}
	if !p.ConfirmWith("production") {
		t.Fatal("the name in another case does not confirm")
	}
	if _, err := b.e.Run(ctx, p, nil); err != nil || b.status(tg.Env.EnvironmentID) != "Stopped" {
		t.Fatalf("confirmed stop: %v, status %s", err, b.status(tg.Env.EnvironmentID))
	}
	// A test environment needs no name.
	test := b.target(localcloud.DemoAppOrderDesk, "Test")
	if pt, err := b.e.Plan(ctx, restore.Request{Target: test, Action: journal.KindStop}); err != nil || pt.ConfirmationRequired {
		t.Errorf("stop of Test: %v, confirmation %v", err, pt != nil && pt.ConfirmationRequired)
	}
}
