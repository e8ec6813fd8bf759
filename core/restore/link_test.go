package restore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// The download link on request: one journaled run whose link works (a plain GET without
// any Mendix header brings the backup's bytes), lasts eight hours, and appears nowhere
// but in the result: not in the journal's database file, its CSV, the engine's debug log,
// the events, nor when the result is printed or marshalled.
func TestDownloadLinkOnRequestWorksAndIsKeptNowhere(t *testing.T) {
	t.Parallel()
	const name = "files_and_database-1a2b3c4d-202611250130.tar.gz"
	b, tg, id, logs := downloadBed(t, name)
	ctx := context.Background()
	p, err := b.e.PlanLink(ctx, restore.LinkRequest{Profile: "p", Target: tg, SnapshotID: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 1 || p.Steps[0].Kind != restore.StepLink || p.Confirm.Kind != restore.ConfirmNone {
		t.Fatalf("plan = %+v", p.Outline)
	}
	if notes := strings.Join(p.Notes, " "); !strings.Contains(notes, "8 hours") || !strings.Contains(notes, "Anyone who has it can download the backup") {
		t.Errorf("the plan does not say how long the link works and who can use it: %q", notes)
	}
	var rec recorder
	u := rec.follow(t)
	res, err := b.e.RunLink(ctx, p, rec.on)
	restore.Finish(u, &res.Result, err)
	if err != nil {
		t.Fatal(err)
	}
	link := res.Link.Reveal()
	if !strings.HasPrefix(link, b.srv.URL()+"/downloads/") {
		t.Fatalf("link = %q, want one of the embedded cloud's archive links", link)
	}
	if d := time.Until(res.Link.Expires); d < 7*time.Hour+50*time.Minute || d > 8*time.Hour+time.Minute {
		t.Errorf("the link expires in %s, want about 8 hours", d)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET the link: %d %v", resp.StatusCode, err)
	}
	want, err := os.ReadFile(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Fatalf("the link brought %d bytes, not the backup's %d", len(body), len(want))
	}

	run, err := b.j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Kind != journal.KindDownloadLink || run.Status != journal.StatusCompleted || run.SnapshotID != id ||
		len(run.Steps) != 1 || run.Steps[0].Status != journal.StepDone || !strings.Contains(run.Steps[0].Message, "works until") {
		t.Fatalf("journal run = %+v", run)
	}
	assertNoLinkInJournal(t, b.j, res.RunID)
	secret := linkSecret(t, link)
	for _, f := range []string{b.j.Path(), b.j.Path() + "-wal"} {
		raw, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%s holds the link's signature", filepath.Base(f))
		}
	}
	j, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	printed := fmt.Sprintf("%v %+v %#v %s", res, res, res, j)
	for _, ev := range rec.all() {
		printed += fmt.Sprintf("%+v", ev)
	}
	if strings.Contains(printed+logs.String(), secret) {
		t.Errorf("the link's signature shows when the result, an event or the log is printed:\n%s", printed)
	}
	if !strings.Contains(res.Message, "Anyone who has it can download the backup") {
		t.Errorf("final message %q", res.Message)
	}
}

// linkSecret is the signature part of an embedded cloud's archive link.
func linkSecret(t *testing.T, link string) string {
	t.Helper()
	_, sig, ok := strings.Cut(link, "signature=")
	if !ok || len(sig) < 32 {
		t.Fatalf("link %q has no signature", link)
	}
	return sig
}

// The journal cannot record the link request: no archive is asked of the cloud (counted
// by a real HTTP server in front of the embedded cloud), and the message says so.
func TestDownloadLinkRequestNotRecordedIsNeverSent(t *testing.T) {
	t.Parallel()
	srv := localcloudtest.Start(t)
	var archives atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/archives") {
			archives.Add(1)
		}
		srv.Cloud().Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c, err := cloud.New(front.URL, cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	e := restore.New(c, j, fastEngineOpts()...)
	ctx := context.Background()
	app, err := c.GetApp(ctx, localcloud.DemoAppCustomerPortal)
	if err != nil {
		t.Fatal(err)
	}
	env, err := c.GetEnvironment(ctx, app.AppID, "Acceptance")
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.PlanLink(ctx, restore.LinkRequest{Target: restore.Target{App: *app, Env: *env}, SnapshotID: "latest"})
	if err != nil {
		t.Fatal(err)
	}
	refuseStepStart(t, j.Path(), restore.StepLink)
	res, err := e.RunLink(ctx, p, nil)
	if !errors.Is(err, restore.ErrJournalWrite) {
		t.Fatalf("RunLink = %v, want ErrJournalWrite", err)
	}
	if n := archives.Load(); n != 0 {
		t.Fatalf("%d archive requests were sent although the journal could not record the step", n)
	}
	if !res.Link.IsZero() {
		t.Error("a link came back from a run that sent nothing")
	}
	run, err := j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != journal.StatusFailed || !strings.Contains(run.Error, "did not send it") {
		t.Errorf("journal run %s: %q", run.Status, run.Error)
	}
}
