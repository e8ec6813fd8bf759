package download

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
)

// waits records the waits an archive wait asks for, taking a millisecond of each (the
// embedded cloud's jobs go on meanwhile): a wait of minutes costs the test nothing.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return cloud.Sleep(ctx, time.Millisecond)
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// notes records what the wait says.
type notes struct {
	mu sync.Mutex
	s  []string
}

func (n *notes) add(s string) { n.mu.Lock(); n.s = append(n.s, s); n.mu.Unlock() }
func (n *notes) text() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.s, "\n")
}

func (e *env) patientRunner(w *waits) *Runner {
	r := e.runner(nil)
	r.PollEvery, r.MaxPoll, r.Sleep = time.Second, 10*time.Second, w.sleep
	return r
}

// An archive that takes many polls (queued, then running) is waited for with a growing
// interval that stops growing at its cap; one archive is asked for.
func TestAnArchiveThatTakesManyPollsIsWaitedForPatiently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	e.srv.Cloud().SetFaults(localcloud.Faults{Archives: localcloud.ArchiveFaults{Polls: 14}})
	var w waits
	out, err := e.patientRunner(&w).Run(context.Background(), e.plan(e.target(id, t.TempDir(), true)), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if out.SHA256 != fileSHA(t, dbFixture) {
		t.Error("the saved file is not the backup")
	}
	got := w.all()
	if len(got) < 14 {
		t.Fatalf("%d waits, want at least the 14 polls the archive took: %v", len(got), got)
	}
	if got[0] != time.Second || got[1] <= got[0] {
		t.Errorf("waits start %v, want 1s and growing", got[:2])
	}
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] || got[i] > 10*time.Second {
			t.Fatalf("wait %d is %v after %v: the interval must grow up to 10s and stay there: %v", i, got[i], got[i-1], got)
		}
	}
	if got[len(got)-1] != 10*time.Second {
		t.Errorf("the last wait is %v, want the cap of 10s: %v", got[len(got)-1], got)
	}
	if n := e.client.archives.Load(); n != 1 {
		t.Errorf("%d archives requested, want 1", n)
	}
}

// Mid-wait the cloud answers 429 with Retry-After: 10 minutes (far beyond what the
// client waits for on its own): the wait honours it, says so, and the download completes
// without a second archive.
func TestALongRetryAfterDuringTheArchiveWaitIsWaitedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	e.srv.Cloud().SetFaults(localcloud.Faults{Archives: localcloud.ArchiveFaults{Polls: 5, RateLimitAt: 3, RetryAfter: 10 * time.Minute}})
	var w waits
	var said notes
	out, err := e.patientRunner(&w).Run(context.Background(), e.plan(e.target(id, t.TempDir(), true)), Hooks{Note: said.add})
	if err != nil {
		t.Fatalf("download with a 429 mid-wait: %v", err)
	}
	if out.SHA256 != fileSHA(t, dbFixture) {
		t.Error("the saved file is not the backup")
	}
	found := false
	for _, d := range w.all() {
		found = found || d == 10*time.Minute
	}
	if !found {
		t.Errorf("no wait of the 10 minutes asked for: %v", w.all())
	}
	if !strings.Contains(said.text(), "asked to wait 10 minutes") {
		t.Errorf("the wait was not said; notes:\n%s", said.text())
	}
	if n := e.client.archives.Load(); n != 1 {
		t.Errorf("%d archives requested, want 1 (a 429 never asks for a second)", n)
	}
}

// An archive in a state the client does not know is shown as such, and the wait stops
// after a bounded number of polls with a plain error, instead of waiting silently for ever.
func TestAnUnknownArchiveStateIsShownAndNotWaitedOnForEver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	e.srv.Cloud().SetFaults(localcloud.Faults{Archives: localcloud.ArchiveFaults{Polls: 1000, State: "paused"}})
	var w waits
	var said notes
	var states []cloud.JobState
	h := Hooks{Note: said.add, Job: func(s cloud.JobState, _ string) { states = append(states, s) }}
	_, err := e.patientRunner(&w).Run(context.Background(), e.plan(e.target(id, t.TempDir(), true)), h)
	if !errors.Is(err, ErrArchiveFailed) || !strings.Contains(err.Error(), `"paused"`) || !strings.Contains(err.Error(), "does not know") {
		t.Fatalf("wait on an unknown state: %v", err)
	}
	if !strings.Contains(said.text(), `"paused"`) {
		t.Errorf("the unknown state was not shown; notes:\n%s", said.text())
	}
	if len(states) == 0 || states[len(states)-1] != "paused" {
		t.Errorf("job states reported: %v", states)
	}
	if n := len(w.all()); n < maxUnknownPolls-1 || n > maxUnknownPolls+1 {
		t.Errorf("%d polls before giving up, want about %d", n, maxUnknownPolls)
	}
	if n := e.client.archives.Load(); n != 1 {
		t.Errorf("%d archives requested, want 1", n)
	}
}
