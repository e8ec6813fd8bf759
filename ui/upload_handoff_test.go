package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// toServer sends every request meant for Mendix's own URL to the embedded cloud instead:
// the client then behaves as it does against Mendix Cloud (no upload route is asked for).
type toServer struct{ to *url.URL }

func (r toServer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.to.Scheme, r.to.Host, r.to.Host
	return http.DefaultTransport.RoundTrip(req)
}

// Against Mendix Cloud an archive goes through the Portal: the check says so up front, its
// button hands the file over (opening the Portal) instead of uploading, and the window ends
// it as handed over, not as a failure. Nothing is uploaded.
func TestUploadCheck_AgainstMendixCloudSaysHandOverUpFront(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("customerportal", "Acceptance")
	openedLinks := recordOpened(t)

	// The engine's own verdict against Mendix's URL: the plan ends in the upload hand-off.
	to, err := url.Parse(h.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloud.New(cloud.DefaultBaseURL, cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
		cloud.WithHTTPClient(&http.Client{Transport: toServer{to}}))
	if err != nil {
		t.Fatal(err)
	}
	env := h.env("customerportal", "Acceptance")
	snapsBefore := len(h.snapshots("customerportal", "Acceptance"))
	path := fixture(t, "customerportal.backup")
	var app cloud.AppWithEnvironments
	h.on(func() { app = *h.u.lists.curApp })
	_, perr := restore.New(c, h.journal).Plan(context.Background(), restore.Request{Source: restore.Source{File: path},
		Target: restore.Target{App: app.App, Env: env}, Options: restore.Options{UploadOnly: true}})
	report, handoff := restore.ReportOf(perr), explain.Explain(perr).Handoff
	if report == nil || handoff == nil {
		t.Fatalf("plan against Mendix's URL = %v; want the upload hand-off with the file's check", perr)
	}

	var d *inspectionDialog
	h.on(func() { d = h.u.act.showInspection(h.u.lists.sess, app, env, nil, report, handoff) })
	h.on(func() {
		all := strings.Join(texts(h.u.k.win.Canvas()), "\n")
		for _, want := range []string{"customerportal.backup was checked and can be restored.", "only through the Mendix Portal", "Upload Archive"} {
			if !strings.Contains(all, want) {
				t.Errorf("the check does not say %q:\n%s", want, all)
			}
		}
		if d.upload == nil || d.upload.Text != "Hand over to the Mendix Portal" {
			t.Fatalf("the check's button is %+v, want it to say it hands over to the Portal", d.upload)
		}
		if d.restore != nil {
			t.Error("the check offers to restore after an upload that will not happen")
		}
		test.Tap(d.upload)
	})
	h.idle()
	h.on(func() {
		if got := h.u.k.status.Text; !strings.Contains(got, "was handed over to the Mendix Portal") {
			t.Errorf("status after handing over = %q", got)
		}
	})
	if opened := openedLinks(); len(opened) != 1 || opened[0] != cloud.PortalURL {
		t.Errorf("opened %q, want the Mendix Portal", opened)
	}
	if n := len(h.snapshots("customerportal", "Acceptance")); n != snapsBefore {
		t.Errorf("%d backups, was %d: something was uploaded", n, snapsBefore)
	}
	if runs := h.runs(); len(runs) != 0 {
		t.Errorf("handing over journaled %d runs: nothing was done here", len(runs))
	}
}
