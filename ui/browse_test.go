package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// stepper holds a browser's background work and its answers until the test runs them,
// so that answers can arrive in the order a slow network may deliver them.
type stepper struct {
	work    []func(context.Context)
	answers []func()
}

func (s *stepper) background(w func(context.Context)) { s.work = append(s.work, w) }
func (s *stepper) do(fn func())                       { s.answers = append(s.answers, fn) }

// run does background work i (its answer waits).
func (s *stepper) run(i int) { s.work[i](context.Background()) }

// deliver shows the answers in this order (numbered as their work ran), then forgets the rest.
func (s *stepper) deliver(order ...int) {
	answers := s.answers
	s.work, s.answers = nil, nil
	for _, i := range order {
		answers[i]()
	}
}

// settle runs all work and answers, in order, until nothing is left.
func (s *stepper) settle() {
	for len(s.work) > 0 || len(s.answers) > 0 {
		work, answers := s.work, s.answers
		s.work, s.answers = nil, nil
		for _, w := range work {
			w(context.Background())
		}
		for _, a := range answers {
			a()
		}
	}
}

// A refresh reads the account and the selected app's environments at once; whichever
// answer comes first, the window ends up showing the newer environment status, keeps it
// when the user looks at another app and comes back, and a restore offers it.
func TestBrowse_RefreshKeepsTheNewerEnvironmentStatus(t *testing.T) {
	test.NewTempApp(t)
	srv := localcloudtest.Start(t)
	c, err := cloud.New(srv.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	acceptance := localcloud.EnvironmentID("customerportal", "Acceptance")
	setStatus := func(s cloud.EnvStatus) {
		t.Helper()
		if err := srv.Cloud().SetEnvironmentStatus(acceptance, string(s)); err != nil {
			t.Fatal(err)
		}
	}
	q := &stepper{}
	b := newBrowser(q, time.Now, func(title string, err error) { t.Errorf("%s: %v", title, err) }, func() {})
	b.sess = &session{client: c, ctx: context.Background()}
	status := func(envs []cloud.Environment) cloud.EnvStatus {
		i := slices.IndexFunc(envs, func(e cloud.Environment) bool { return e.EnvironmentID == acceptance })
		if i < 0 {
			t.Fatalf("Acceptance is not among %v", envs)
		}
		return envs[i].Status
	}
	// check: the panel shows want, a restore offers want, and so does the app's list again
	// at once after another app was looked at (before its own refresh comes back).
	check := func(when string, want cloud.EnvStatus) {
		t.Helper()
		if got := status(b.envs.envs); got != want {
			t.Errorf("%s: the list shows Acceptance %s, want %s", when, got, want)
		}
		if got := status(b.curApp.Environments); got != want {
			t.Errorf("%s: a restore would offer Acceptance as %s, want %s", when, got, want)
		}
		b.apps.selectApp("orderdesk")
		b.apps.selectApp("customerportal")
		if got := status(b.envs.envs); got != want {
			t.Errorf("%s: back on the app, the list shows Acceptance %s, want %s", when, got, want)
		}
		q.settle()
	}

	setStatus(cloud.StatusRunning)
	b.loadAccount()
	q.settle()
	b.apps.selectApp("customerportal")
	q.settle()

	// The account's answer comes first, with the status before the change.
	b.refresh()
	q.run(0) // the account: Running
	setStatus(cloud.StatusStopped)
	q.run(1) // the environments: Stopped
	q.deliver(0, 1)
	check("account first", cloud.StatusStopped)

	// The environments' answer comes first, then the account's, read before the change.
	b.refresh()
	q.run(0) // the account: Stopped
	setStatus(cloud.StatusRunning)
	q.run(1) // the environments: Running
	q.deliver(1, 0)
	check("environments first", cloud.StatusRunning)
}

// A refresh of the backups shown (Refresh, or the end of a run) keeps the list, the
// selected backup and its actions on screen until the new list comes: nothing blinks
// empty and the user's place stays. A backup clicked meanwhile stays selected; a list that
// cannot be fetched again leaves the one shown, and says so.
func TestBrowse_ARefreshKeepsTheBackupsShownUntilTheNewListComes(t *testing.T) {
	test.NewTempApp(t)
	srv := localcloudtest.Start(t)
	c, err := cloud.New(srv.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	q := &stepper{}
	b := newBrowser(q, time.Now, func(title string, err error) { t.Errorf("%s: %v", title, err) }, func() {})
	b.sess = &session{client: c, ctx: context.Background()}
	b.loadAccount()
	q.settle()
	b.apps.selectApp("customerportal")
	q.settle()
	if !b.envs.selectMode("Acceptance") {
		t.Fatal("no Acceptance environment")
	}
	q.settle()
	p := b.backups
	n := p.list.len()
	if n < 3 {
		t.Fatalf("%d backups shown, want at least 3", n)
	}
	p.table.Select(tableCell(1))
	picked := p.list.at(1).snap.SnapshotID
	// shown: the list, the selected backup and its actions are on screen.
	shown := func(when, id string) {
		t.Helper()
		if got := p.list.len(); got != n {
			t.Errorf("%s: %d backups shown, want %d", when, got, n)
		}
		if p.selected != id || b.curSnap == nil || b.curSnap.SnapshotID != id || !p.actions.Visible() {
			t.Errorf("%s: selected %q (browser: %v, actions shown: %v), want %q", when, p.selected, b.curSnap, p.actions.Visible(), id)
		}
	}

	b.reloadBackups()
	shown("while the list is fetched again", picked)
	if t.Failed() {
		t.FailNow()
	}
	if !strings.Contains(p.status.Text, "Refreshing the backups of Acceptance") {
		t.Errorf("status %q while refreshing", p.status.Text)
	}
	p.table.Select(tableCell(2)) // the user goes on meanwhile
	other := p.list.at(2).snap.SnapshotID
	q.settle()
	shown("once the new list came", other)
	if want := fmt.Sprintf("%d backups.", n); !strings.HasPrefix(p.status.Text, want) {
		t.Errorf("status %q, want it to start with %q", p.status.Text, want)
	}

	dead, err := cloud.New("http://127.0.0.1:1", cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey}, cloud.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	b.sess.client = dead
	b.reloadBackups()
	q.settle()
	shown("when the list could not be fetched again", other)
	if !strings.Contains(p.status.Text, "could not be refreshed") || !strings.Contains(p.status.Text, "press Refresh to try again") {
		t.Errorf("status %q after a failed refresh", p.status.Text)
	}

	// With no list shown (it could not be loaded), Refresh loads it anew and says so.
	p.clear("")
	b.reloadBackups()
	q.settle()
	if !strings.HasPrefix(p.status.Text, "The backups could not be loaded") {
		t.Errorf("status %q after a failed load of an empty list", p.status.Text)
	}
}
