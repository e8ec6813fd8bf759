package ui

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// changeRecorder records every request that could change something in the cloud
// (anything but GET and HEAD) that the window's client sends.
type changeRecorder struct {
	mu   sync.Mutex
	all  int // every request, so a test knows the window's client went through here
	sent []string
	next http.RoundTripper
}

func (r *changeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.all++
	r.mu.Unlock()
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		r.mu.Lock()
		r.sent = append(r.sent, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

func (r *changeRecorder) changes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

// An environment with nothing deployed: the restore dialog shows the engine's refusal in
// the engine's words (not "Test is stopped"), offers nothing to confirm, and nothing is
// sent to the cloud. Start says the same.
func TestPlanDialog_EmptyEnvironment_SaysWhatTheEngineSaysAndSendsNothing(t *testing.T) {
	h := newHarness(t)
	rec := &changeRecorder{next: http.DefaultTransport}
	h.u.deps.NewClient = func(baseURL string, creds cloud.Credentials) (*cloud.Client, error) {
		return cloud.New(baseURL, creds, cloud.WithHTTPClient(&http.Client{Transport: rec}))
	}
	if err := h.srv.Cloud().SetEnvironmentStatus(localcloud.EnvironmentID("orderdesk", "Test"), "Empty"); err != nil {
		t.Fatal(err)
	}
	h.demo()
	h.open("orderdesk", "Production")
	snap := h.selectBackup(completedOfKind(cloud.KindNightly))
	h.on(func() { test.Tap(h.u.bar.restore) })
	h.idle()
	h.on(func() { h.last.planDlg.targetSel.SetSelected("Test") })
	h.idle()

	// What the engine itself says of this request.
	var req restore.Request
	h.on(func() { req = h.last.planDlg.req })
	_, want := h.u.lists.sess.engine.Plan(context.Background(), req)
	if want == nil || !strings.Contains(want.Error(), "Nothing is deployed to Test") {
		t.Fatalf("the engine's plan for an empty Test: %v", want)
	}
	h.on(func() {
		d := h.last.planDlg
		if d.current != nil || !d.okBtn.Disabled() {
			t.Fatal("a plan into an empty environment can be confirmed")
		}
		if d.status.Text != explainLine(want) {
			t.Errorf("the dialog says %q, the engine %q", d.status.Text, explainLine(want))
		}
		if shows(h.u.k.win.Canvas(), "Test is stopped") {
			t.Errorf("the dialog calls an empty environment stopped: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(d.okBtn) // disabled: nothing happens
		d.dialog.Hide()
	})
	h.open("orderdesk", "Test")
	h.on(func() { h.u.act.startSelected() })
	h.idle()
	h.on(func() {
		if d := h.last.planDlg; d.current != nil || !shows(h.u.k.win.Canvas(), "Nothing is deployed to Test yet, so there is nothing to start") {
			t.Errorf("start of an empty environment: %q", texts(h.u.k.win.Canvas()))
		}
	})
	h.idle()
	rec.mu.Lock()
	all := rec.all
	rec.mu.Unlock()
	if all == 0 {
		t.Fatal("the window's client bypassed the recorder; the test proves nothing")
	}
	if got := rec.changes(); len(got) != 0 {
		t.Errorf("requests that change the cloud were sent: %q", got)
	}
	if runs := h.runs(); len(runs) != 0 {
		t.Errorf("the journal recorded %d runs", len(runs))
	}
	if rs := h.srv.Cloud().Restores(localcloud.EnvironmentID("orderdesk", "Test")); len(rs) != 0 || snap.SnapshotID == "" {
		t.Errorf("restores into Test: %+v", rs)
	}
}

// One run, two printers: the jobs panel and the CLI's transcript print the same view of
// the core's updater, so they show the same steps, bytes and states.
func TestProgress_JobsPanelAndCLIPrintTheSameRun(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	h.demo()
	h.open("orderdesk", "Test")
	var s *session
	var target restore.Target
	h.on(func() { s, target = h.u.lists.sess, restore.Target{App: h.u.lists.curApp.App, Env: *h.u.lists.curEnv} })
	plan, err := s.engine.Plan(context.Background(), restore.Request{Profile: s.profile,
		Source: restore.Source{File: path}, Target: target, Options: restore.Options{SafetyBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	plan.ConfirmWith("Test") // Customer Portal's archive: the wrong-app guard wants the name typed

	// The CLI's printer, fed by the same events.
	var transcript bytes.Buffer
	text := progress.NewText(&transcript, false, restore.BytesVerb)
	cli := progress.NewUpdater(0, nil, "cli", restore.PlanSteps(plan.Steps), text.Print)
	feedCLI := restore.Follow(cli)
	var cliView progress.View
	var j *job
	h.on(func() {
		j = h.u.runs.followRun(s, runSpec{title: planTitle(plan), steps: plan.Steps, target: target},
			func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
				res, err := s.engine.Run(ctx, plan, func(e restore.Event) { onEvent(e); feedCLI(e) })
				cliView = restore.Finish(cli, res, err)
				return res, err
			})
	})
	panel := h.finished(j)

	if panel.State != progress.RunCompleted || cliView.State != panel.State || cliView.Message != panel.Message {
		t.Fatalf("panel ended %v (%q), CLI %v (%q)", panel.State, panel.Message, cliView.State, cliView.Message)
	}
	if len(panel.Steps) != len(cliView.Steps) || len(panel.Steps) != len(plan.Steps) {
		t.Fatalf("panel shows %d steps, CLI %d, plan %d", len(panel.Steps), len(cliView.Steps), len(plan.Steps))
	}
	out := transcript.String()
	h.on(func() {
		for i, p := range panel.Steps {
			c := cliView.Steps[i]
			if p.Kind != c.Kind || p.Title != c.Title || p.State != c.State || p.Message != c.Message ||
				p.Bytes.Done != c.Bytes.Done || p.Bytes.Total != c.Bytes.Total {
				t.Errorf("step %d: panel %+v, CLI %+v", i, p, c)
			}
			if label := j.card.steps.Objects[i].(*fyne.Container).Objects[0].(*widget.Label).Text; label != stepText(p) {
				t.Errorf("the card shows %q for step %d, the view %q", label, i, stepText(p))
			}
			if !strings.Contains(out, p.Title) || !strings.Contains(out, "✓ "+p.Message) {
				t.Errorf("the transcript lacks step %q / %q:\n%s", p.Title, p.Message, out)
			}
		}
	})
	up := panel.Steps[1]
	if up.Kind != string(restore.StepUpload) || up.Bytes.Done != fi.Size() || up.Bytes.Total != fi.Size() {
		t.Errorf("the upload step counted %+v, want %d of %d bytes", up.Bytes, fi.Size(), fi.Size())
	}
	if line := progress.BytesLine(cliView.Steps[1].Bytes, "sent", true); !strings.Contains(out, line) {
		t.Errorf("the transcript lacks %q:\n%s", line, out)
	}
}

// Changing an option plans again, and the dialog then shows the new plan's words and
// steps: database only, and no safety backup step once it is switched off.
func TestPlanDialog_OptionsPlanAgain(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.restoreDialog("orderdesk", "Test")
	h.on(func() {
		d := h.last.planDlg
		if !strings.Contains(d.summary.Text, "Test's data will be replaced") || !strings.Contains(d.steps.Text, "Make a safety backup of Test") {
			t.Fatalf("first plan: %q / %q", d.summary.Text, d.steps.Text)
		}
		d.dbOnly.SetChecked(true)
		if d.current != nil || !d.okBtn.Disabled() {
			t.Error("the old plan can still be confirmed while the new one is made")
		}
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if !strings.Contains(d.summary.Text, "Test's database will be replaced") || !d.current.Request.Options.DBOnly {
			t.Errorf("database only: %q", d.summary.Text)
		}
		d.safety.SetChecked(false)
	})
	h.idle()
	h.on(func() {
		d := h.last.planDlg
		if strings.Contains(d.steps.Text, "safety backup") || !strings.Contains(d.notes.Text, "No safety backup will be made") {
			t.Errorf("without a safety backup: %q / %q", d.steps.Text, d.notes.Text)
		}
		if !d.dbOnly.Checked || d.safety.Checked {
			t.Error("the options were not kept across plans")
		}
	})
}
