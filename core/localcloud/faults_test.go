package localcloud_test

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// outcomes makes n sequential requests on fresh connections and records what happened.
func outcomes(t *testing.T, s *localcloud.Server, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		req, _ := http.NewRequest("GET", s.URL()+"/api/1/apps", nil)
		req.Header.Set("Mendix-Username", localcloud.DemoUsername)
		req.Header.Set("Mendix-ApiKey", localcloud.DemoAPIKey)
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
		resp, err := hc.Do(req)
		if err != nil {
			out = append(out, "dropped")
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		o := strconv.Itoa(resp.StatusCode)
		switch {
		case resp.StatusCode == 429:
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("429 without a Retry-After in seconds: %q", resp.Header.Get("Retry-After"))
			}
		case resp.StatusCode == 200 && resp.Header.Get("X-Localcloud-Fault") == "slow":
			o = "slow"
		}
		out = append(out, o)
	}
	return out
}

func TestFaultInjectionIsDeterministicBySeed(t *testing.T) {
	t.Parallel()
	f := localcloud.Faults{Seed: 42, Rate: 0.5, SlowDelay: 20 * time.Millisecond, RetryAfter: 2 * time.Second}
	a := localcloudtest.Start(t, localcloudtest.WithFaults(f))
	b := localcloudtest.Start(t, localcloudtest.WithFaults(f))
	const n = 30
	oa, ob := outcomes(t, a, n), outcomes(t, b, n)
	kinds := map[string]int{}
	for i := range oa {
		if oa[i] != ob[i] {
			t.Fatalf("request %d: %s on one cloud, %s on the other with the same seed\n%v\n%v", i, oa[i], ob[i], oa, ob)
		}
		kinds[oa[i]]++
	}
	for _, k := range []string{"200", "500", "429", "dropped", "slow"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among %d requests at rate 0.5: %v", k, n, kinds)
		}
	}
	if kinds["200"] < n/4 || kinds["200"] > 3*n/4 {
		t.Errorf("%d of %d requests succeeded at rate 0.5", kinds["200"], n)
	}
	// SetFaults restarts the sequence: the same seed replays it.
	a.Cloud().SetFaults(f)
	if replay := outcomes(t, a, n); !equal(replay, oa) {
		t.Fatalf("replay differs:\n%v\n%v", replay, oa)
	}
	// Another seed, another sequence; no faults, no failures.
	a.Cloud().SetFaults(localcloud.Faults{Seed: 43, Rate: 0.5, SlowDelay: 20 * time.Millisecond})
	if other := outcomes(t, a, n); equal(other, oa) {
		t.Fatal("seed 43 gave the same faults as seed 42")
	}
	a.Cloud().SetFaults(localcloud.Faults{})
	for i, o := range outcomes(t, a, 10) {
		if o != "200" {
			t.Fatalf("request %d without faults: %s", i, o)
		}
	}
}

func TestDroppedConnectionStillCarriesTheRequestOut(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	test := demoV2("customerportal", "Test")
	src := a.latestCompleted(demoV2("customerportal", "Production"))
	s.Cloud().SetFaults(localcloud.Faults{Seed: 1, Rate: 1, Kinds: []localcloud.FaultKind{localcloud.FaultDrop}})
	req, _ := http.NewRequest("POST", s.URL()+test+"/restores?source_snapshot_id="+src.SnapshotID, nil)
	req.Header.Set("Mendix-Username", localcloud.DemoUsername)
	req.Header.Set("Mendix-ApiKey", localcloud.DemoAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request answered %d", resp.StatusCode)
	}
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) && ue.Timeout() {
		t.Fatalf("drop looked like a timeout: %v", err)
	}
	s.Cloud().SetFaults(localcloud.Faults{})
	// The client cannot know, but the restore was submitted exactly once.
	recs := s.Cloud().Restores(localcloud.EnvironmentID("customerportal", "Test"))
	if len(recs) != 1 {
		t.Fatalf("%d restores recorded after a dropped request, want 1", len(recs))
	}
}

func TestRestoreFailRateIsDeterministic(t *testing.T) {
	t.Parallel()
	run := func() []string {
		s, a := startDemo(t, localcloudtest.WithFaults(localcloud.Faults{Seed: 9, RestoreFailRate: 0.5}))
		_ = s
		test := demoV2("orderdesk", "Test")
		src := a.latestCompleted(demoV2("orderdesk", "Test"))
		var states []string
		for i := 0; i < 8; i++ {
			states = append(states, a.waitRestore(test, a.restore(test, src.SnapshotID, false).RestoreID).State)
		}
		return states
	}
	first, second := run(), run()
	if !equal(first, second) {
		t.Fatalf("same seed, different restore outcomes: %v vs %v", first, second)
	}
	failed := 0
	for _, st := range first {
		if st == "failed" {
			failed++
		}
	}
	if failed == 0 || failed == len(first) {
		t.Fatalf("rate 0.5 gave %v", first)
	}
}

func TestLatencyIsAddedToEveryRequest(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t, localcloudtest.WithLatency(60*time.Millisecond))
	start := time.Now()
	a.call("GET", "/api/1/apps", nil, 200, nil)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("request took %v with 60 ms latency", d)
	}
	s.Cloud().SetLatency(0)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
