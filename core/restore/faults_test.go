package restore_test

import (
	"context"
	"errors"
	"net/http"
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

// patchCounter is the client's real transport with a tally of upload PATCHes that broke,
// per upload: such an upload only finished because it resumed.
type patchCounter struct {
	next   http.RoundTripper
	mu     sync.Mutex
	broken map[string]int
}

func (p *patchCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := p.next.RoundTrip(req)
	if req.Method == http.MethodPatch && (err != nil || res.StatusCode >= 500 || res.StatusCode == 429) {
		p.mu.Lock()
		p.broken[req.URL.Path]++
		p.mu.Unlock()
	}
	return res, err
}

func (p *patchCounter) brokenFor(uploadURL string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for path, n := range p.broken {
		if strings.HasSuffix(uploadURL, path) {
			return n
		}
	}
	return 0
}

// outcome is what one run of the fault test ended with.
type outcome struct {
	env      string
	upload   bool
	planErr  error
	runErr   error
	res      *restore.Result
	reattach int
}

// TestFaultInjection200Runs runs 200 restores and uploads against the embedded cloud while
// about 10% of requests fail (500, 429, dropped connections, slow answers) and 10% of
// restore jobs fail, then checks what a user must be able to rely on.
func TestFaultInjection200Runs(t *testing.T) {
	if testing.Short() {
		t.Skip("200 runs")
	}
	const runs = 200
	srv := localcloudtest.Start(t)
	lc := srv.Cloud()
	pc := &patchCounter{next: http.DefaultTransport.(*http.Transport).Clone(), broken: map[string]int{}}
	client, err := cloud.New(srv.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
		cloud.WithHTTPClient(&http.Client{Transport: pc}), cloud.WithBackoff(time.Millisecond, 10*time.Millisecond),
		cloud.WithMaxRetryAfter(0), // a 429 comes back at once; the engine's own pacing handles it
		cloud.WithUploadChunkSize(64<<10), cloud.WithRequestTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e := restore.New(client, j, fastEngineOpts()...)
	b := &bed{t: t, srv: srv, lc: lc, client: client, j: j, e: e}

	// Targets and their backups, looked up before the faults start.
	type envInfo struct {
		tg    restore.Target
		snaps []cloud.Snapshot // completed backups of the app's environments
	}
	var envs []envInfo
	for _, app := range []string{localcloud.DemoAppCustomerPortal, localcloud.DemoAppOrderDesk} {
		var all []cloud.Snapshot
		var tgs []restore.Target
		for _, mode := range []string{"Test", "Acceptance", "Production"} {
			tg := b.target(app, mode)
			tgs = append(tgs, tg)
			snaps, err := client.ListAllSnapshots(context.Background(), tg.App.ProjectID, tg.Env.EnvironmentID)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range snaps {
				if s.State == cloud.StateCompleted {
					s.Comment = tg.Env.EnvironmentID // remember the owner
					all = append(all, s)
				}
			}
		}
		for _, tg := range tgs {
			envs = append(envs, envInfo{tg: tg, snaps: all})
		}
	}
	file := fixture("customerportal.backup")

	lc.SetFaults(localcloud.Faults{Seed: 20261126, Rate: 0.10, SlowDelay: 15 * time.Millisecond, RestoreFailRate: 0.10})
	outcomes := make([]outcome, runs)
	var wg sync.WaitGroup
	for w := range envs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			info := envs[w]
			envID := info.tg.Env.EnvironmentID
			for i := w; i < runs; i += len(envs) {
				o := outcome{env: envID}
				waitIdle(t, lc, envID)
				status := []string{"Running", "Stopped"}[i%2]
				if err := lc.SetEnvironmentStatus(envID, status); err != nil {
					t.Error(err)
					return
				}
				tg := info.tg
				tg.Env.Status = cloud.EnvStatus(status)
				req := restore.Request{Profile: "faults", Target: tg, Options: restore.Options{
					SafetyBackup: i%3 == 0, Start: i%4 == 1, DBOnly: i%7 == 0, Confirm: tg.Env.Mode,
				}}
				if i%4 == 3 {
					o.upload = true
					req.Source.File = file
					req.Options.UploadOnly = i%8 == 3
					req.Options.Start = false
				} else {
					s := info.snaps[(i*7)%len(info.snaps)]
					req.Source = restore.Source{SnapshotID: s.SnapshotID, SourceEnvID: s.Comment}
				}
				p, err := e.Plan(context.Background(), req)
				if err != nil {
					o.planErr = err
					outcomes[i] = o
					continue
				}
				o.res, o.runErr = e.Run(context.Background(), p, nil)
				for o.runErr != nil && errors.Is(o.runErr, restore.ErrDetached) && o.reattach < 5 {
					o.reattach++
					o.res, o.runErr = e.Reattach(context.Background(), o.res.RunID, nil)
				}
				// What the user was told about the environment matches what it is.
				if o.res != nil && o.res.StoppedEnv && !o.res.Detached {
					now, err := lc.EnvironmentStatus(envID)
					if err != nil {
						t.Errorf("run %d: read the environment's status: %v", o.res.RunID, err)
					}
					if (now == "Stopped") != o.res.LeftStopped {
						t.Errorf("run %d: environment is %s but LeftStopped=%v (%s)", o.res.RunID, now, o.res.LeftStopped, o.res.Message)
					}
				}
				outcomes[i] = o
			}
		}()
	}
	wg.Wait()
	lc.SetFaults(localcloud.Faults{})

	var completed, failed, planFailed, unknown, restoreJobsFailed, leftStopped, reattached int
	var uploads, uploadsDone, uploadsResumed, uploadsFailed int
	generic := explain.Explain(errors.New("x")).Summary
	reasons := map[string]int{}
	for i, o := range outcomes {
		if o.upload {
			uploads++
		}
		switch {
		case o.planErr != nil:
			planFailed++
			reasons[explain.Explain(o.planErr).Summary]++
			if ex := explain.Explain(o.planErr); ex.Summary == "" || ex.Summary == generic {
				t.Errorf("run %d: plan error without a clear explanation: %v", i, o.planErr)
			}
			if o.upload {
				uploadsFailed++
			}
			continue
		case o.res == nil:
			t.Errorf("run %d: no result (%v)", i, o.runErr)
			continue
		}
		if o.reattach > 0 {
			reattached++
		}
		jr, err := j.Get(context.Background(), o.res.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if !jr.Status.Finished() {
			t.Errorf("run %d (journal %d) never finished: %s", i, jr.ID, jr.Status)
		}
		if o.res.LeftStopped != (jr.StoppedEnv && !jr.StartedEnv) {
			t.Errorf("run %d: LeftStopped %v but journal stopped=%v started=%v", i, o.res.LeftStopped, jr.StoppedEnv, jr.StartedEnv)
		}
		if o.res.LeftStopped {
			leftStopped++
			if !strings.Contains(o.res.Message, "stopped by this run") {
				t.Errorf("run %d left the environment stopped without saying so: %q", i, o.res.Message)
			}
		}
		if o.runErr == nil {
			completed++
			if jr.Status != journal.StatusCompleted {
				t.Errorf("run %d: no error but journal says %s", i, jr.Status)
			}
		} else {
			failed++
			reasons[firstSentence(explain.Explain(o.runErr).Summary)]++
			if ex := explain.Explain(o.runErr); ex.Summary == "" || ex.Summary == generic || ex.NextStep == "" {
				t.Errorf("run %d: unclear error %v → %+v", i, o.runErr, ex)
			}
			if errors.Is(o.runErr, restore.ErrOutcomeUnknown) {
				unknown++
			}
			if errors.Is(o.runErr, restore.ErrRestoreFailed) {
				restoreJobsFailed++
			}
		}
		if o.upload {
			switch {
			case jr.UploadSnapshotID != "" && jr.SnapshotID == jr.UploadSnapshotID:
				uploadsDone++
				if pc.brokenFor(jr.UploadURL) > 0 {
					uploadsResumed++
				}
				s, err := client.GetSnapshot(context.Background(), jr.ProjectID, jr.EnvID, jr.UploadSnapshotID)
				if err != nil || s.State != cloud.StateCompleted {
					t.Errorf("run %d: upload said done but its backup is %+v (%v)", i, s, err)
				}
			case o.runErr != nil:
				uploadsFailed++
			default:
				t.Errorf("run %d: upload neither finished nor failed", i)
			}
		}
	}

	// No environment restored twice for one run: every restore on the server belongs to
	// exactly one run, and no run has two.
	all, err := j.List(context.Background(), journal.Filter{Profile: "faults"})
	if err != nil {
		t.Fatal(err)
	}
	var serverRestores int
	for _, info := range envs {
		envID := info.tg.Env.EnvironmentID
		waitIdle(t, lc, envID)
		server := lc.Restores(envID)
		serverRestores += len(server)
		owner := map[string]int64{}
		for _, r := range all {
			if r.EnvID != envID || r.RestoreSubmittedAt.IsZero() {
				continue
			}
			mine := 0
			for _, s := range server {
				byID := r.RestoreID != "" && s.RestoreID == r.RestoreID
				inWindow := r.RestoreID == "" && !s.CreatedAt.Before(r.RestoreSubmittedAt.Add(-time.Millisecond)) && !s.CreatedAt.After(r.FinishedAt)
				if byID || inWindow {
					mine++
					if prev, ok := owner[s.RestoreID]; ok {
						t.Errorf("restore %s claimed by runs %d and %d", s.RestoreID, prev, r.ID)
					}
					owner[s.RestoreID] = r.ID
				}
			}
			if mine > 1 {
				t.Errorf("run %d restored %s %d times", r.ID, r.Mode, mine)
			}
			if r.RestoreID != "" && mine != 1 {
				t.Errorf("run %d: its restore %s is not on the server", r.ID, r.RestoreID)
			}
		}
		for _, s := range server {
			if _, ok := owner[s.RestoreID]; !ok {
				t.Errorf("restore %s into %s belongs to no run", s.RestoreID, envID)
			}
		}
	}
	t.Logf("%d runs: %d completed, %d failed (%d restore jobs failed, %d outcome unknown), %d refused while planning, %d re-attached",
		runs, completed, failed, restoreJobsFailed, unknown, planFailed, reattached)
	t.Logf("%d restores on the server, none twice for one run; %d runs left the environment stopped and said so", serverRestores, leftStopped)
	t.Logf("%d uploads: %d finished (%d of them after resuming a broken transfer), %d failed with a clear error",
		uploads, uploadsDone, uploadsResumed, uploadsFailed)
	for r, n := range reasons {
		t.Logf("  %3d × %s", n, r)
	}
	// The run exists to prove uploads survive broken transfers: it must have resumed some.
	if uploads == 0 || uploadsDone == 0 {
		t.Errorf("%d uploads, %d finished: the fault run exercised no upload", uploads, uploadsDone)
	}
	if uploadsResumed == 0 {
		t.Errorf("none of %d finished uploads resumed a broken transfer: resume went untested", uploadsDone)
	}
	if completed < runs/2 {
		t.Errorf("only %d of %d runs completed with 10%% faults: the engine gives up too easily", completed, runs)
	}
}

// waitIdle waits until no restore is queued or running on the environment (an
// outcome-unknown run may have left one going).
func waitIdle(t testing.TB, lc *localcloud.Cloud, envID string) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		busy := false
		for _, r := range lc.Restores(envID) {
			if r.State == "queued" || r.State == "running" {
				busy = true
			}
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("restores on %s still running after 20 s", envID)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func firstSentence(s string) string {
	if i := strings.Index(s, ": "); i > 0 && i < 60 {
		return s[:i]
	}
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}
