package restore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// bed is a real embedded cloud on loopback, a real client, a real journal and an engine.
type bed struct {
	t      testing.TB
	srv    *localcloud.Server
	lc     *localcloud.Cloud
	client *cloud.Client
	j      *journal.Journal
	e      *restore.Engine
}

func fastEngineOpts() []restore.Option {
	return []restore.Option{
		restore.WithPollInterval(2 * time.Millisecond),
		restore.WithStopTimeout(20 * time.Second),
		restore.WithStartTimeout(20 * time.Second),
	}
}

func newBed(t testing.TB, cloudOpts ...localcloudtest.Option) *bed {
	t.Helper()
	srv := localcloudtest.Start(t, cloudOpts...)
	return newBedOn(t, srv, filepath.Join(t.TempDir(), "journal.db"), localcloud.DemoUsername, localcloud.DemoAPIKey)
}

func newBedOn(t testing.TB, srv *localcloud.Server, journalPath, user, key string, extra ...restore.Option) *bed {
	t.Helper()
	c, err := cloud.New(srv.URL(), cloud.Credentials{Username: user, APIKey: key},
		cloud.WithBackoff(time.Millisecond, 20*time.Millisecond), cloud.WithMaxRetryAfter(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(journalPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return &bed{t: t, srv: srv, lc: srv.Cloud(), client: c, j: j, e: restore.New(c, j, append(fastEngineOpts(), extra...)...)}
}

// target looks the app and environment up over the API, as the UI does.
func (b *bed) target(appID, mode string) restore.Target {
	b.t.Helper()
	ctx := context.Background()
	app, err := b.client.GetApp(ctx, appID)
	if err != nil {
		b.t.Fatalf("get app %s: %v", appID, err)
	}
	env, err := b.client.GetEnvironment(ctx, appID, mode)
	if err != nil {
		b.t.Fatalf("get environment %s/%s: %v", appID, mode, err)
	}
	return restore.Target{App: *app, Env: *env}
}

// completedSnapshot returns a completed snapshot of the environment other than the newest
// (restoring the newest may not change anything), or the only one.
func (b *bed) completedSnapshot(t restore.Target) cloud.Snapshot {
	b.t.Helper()
	snaps, err := b.client.ListAllSnapshots(context.Background(), t.App.ProjectID, t.Env.EnvironmentID)
	if err != nil {
		b.t.Fatal(err)
	}
	current := b.dataModelVersion(t.Env.EnvironmentID)
	var done []cloud.Snapshot
	for _, s := range snaps {
		if s.State == cloud.StateCompleted && !strings.EqualFold(s.Comment, cloud.CommentUploaded) && s.ModelVersion != current {
			done = append(done, s)
		}
	}
	if len(done) == 0 {
		b.t.Fatalf("no completed backup of %s with another model version", t.Env.Mode)
	}
	return done[0]
}

func (b *bed) digest(envID string) string {
	b.t.Helper()
	d, err := b.lc.EnvironmentDigest(envID)
	if err != nil {
		b.t.Fatal(err)
	}
	return d
}

func (b *bed) status(envID string) string {
	b.t.Helper()
	s, err := b.lc.EnvironmentStatus(envID)
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

func (b *bed) setStatus(envID, status string) {
	b.t.Helper()
	if err := b.lc.SetEnvironmentStatus(envID, status); err != nil {
		b.t.Fatal(err)
	}
}

func (b *bed) snapshotCount(envID string) int {
	b.t.Helper()
	s, err := b.lc.Snapshots(envID)
	if err != nil {
		b.t.Fatal(err)
	}
	return len(s)
}

// modelVersionOnDisk reads the restored data's .metadata model version.
func (b *bed) dataModelVersion(envID string) string {
	b.t.Helper()
	dir, err := b.lc.EnvironmentDataDir(envID)
	if err != nil {
		b.t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ".metadata"))
	if err != nil {
		return ""
	}
	s := string(raw)
	i := strings.Index(s, `"modelVersion"`)
	if i < 0 {
		return ""
	}
	rest := s[i+len(`"modelVersion"`):]
	rest = rest[strings.Index(rest, `"`)+1:]
	return rest[:strings.Index(rest, `"`)]
}

// recorder collects events; safe for the engine's goroutines.
type recorder struct {
	mu     sync.Mutex
	events []restore.Event
	hook   func(restore.Event)
}

func (r *recorder) on(ev restore.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(ev)
	}
}

// follow feeds the events also to a progress updater, as the front ends do; end it with
// restore.Finish to read the view they would print.
func (r *recorder) follow(t testing.TB) *progress.Updater {
	u := progress.NewUpdater(5*time.Millisecond, nil, t.Name(), nil, nil)
	t.Cleanup(func() { u.Done(progress.RunCancelled, "", nil) })
	feed := restore.Follow(u)
	r.mu.Lock()
	prev := r.hook
	r.hook = func(ev restore.Event) {
		feed(ev)
		if prev != nil {
			prev(ev)
		}
	}
	r.mu.Unlock()
	return u
}

// stepOf is the step of kind in v.
func stepOf(v progress.View, kind restore.StepKind) progress.Step {
	for _, s := range v.Steps {
		if s.Kind == string(kind) {
			return s
		}
	}
	return progress.Step{}
}

func (r *recorder) all() []restore.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]restore.Event(nil), r.events...)
}

// order is the sequence of "kind:type" for step events (progress left out).
func (r *recorder) order() []string {
	var out []string
	for _, ev := range r.all() {
		switch ev.Type {
		case restore.EventStepStarted, restore.EventStepDone, restore.EventStepFailed:
			out = append(out, string(ev.Step)+":"+string(ev.Type))
		case restore.EventRunDone, restore.EventRunFailed:
			out = append(out, string(ev.Type))
		}
	}
	return out
}

func (r *recorder) last() restore.Event {
	evs := r.all()
	if len(evs) == 0 {
		return restore.Event{}
	}
	return evs[len(evs)-1]
}

func kinds(p *restore.Plan) []restore.StepKind {
	var out []restore.StepKind
	for _, s := range p.Steps {
		out = append(out, s.Kind)
	}
	return out
}

func hasNote(p *restore.Plan, sub string) bool {
	for _, n := range p.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func fixture(name string) string {
	return filepath.Join("..", "archive", "testdata", name)
}

func journalFilter() journal.Filter { return journal.Filter{} }

// act plans a start, stop or manual backup (kind) of tg, confirms it with what confirm
// types, and runs it: the one path every front end takes (plan → confirm → run).
func act(ctx context.Context, e *restore.Engine, kind journal.Kind, tg restore.Target, confirm string, backup restore.BackupOptions, on func(restore.Event)) (*restore.Result, error) {
	p, err := e.Plan(ctx, restore.Request{Profile: "demo", Action: kind, Target: tg, Backup: backup})
	if err != nil {
		return nil, err
	}
	p.ConfirmWith(confirm)
	return e.Run(ctx, p, on)
}
