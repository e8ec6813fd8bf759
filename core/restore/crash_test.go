package restore_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// The helper process of TestCrashWhileRestoringIsReattached: it runs one restore against
// the parent's cloud and is killed while the restore job runs.
const crashHelperEnv = "RESTOREDESK_CRASH_HELPER"

func crashHelper(t *testing.T) {
	ctx := context.Background()
	c, err := cloud.New(os.Getenv("CRASH_URL"), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(os.Getenv("CRASH_JOURNAL"))
	if err != nil {
		t.Fatal(err)
	}
	e := restore.New(c, j, restore.WithPollInterval(10*time.Millisecond))
	app, err := c.GetApp(ctx, localcloud.DemoAppOrderDesk)
	if err != nil {
		t.Fatal(err)
	}
	env, err := c.GetEnvironment(ctx, localcloud.DemoAppOrderDesk, "Acceptance")
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Plan(ctx, restore.Request{Profile: "crash", Target: restore.Target{App: *app, Env: *env},
		Source: restore.Source{SnapshotID: os.Getenv("CRASH_SNAPSHOT")}, Options: restore.Options{Start: true}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Run(ctx, p, nil)
	t.Fatalf("the helper was meant to be killed while restoring, but the run ended: %v", err)
}

func TestCrashWhileRestoringIsReattached(t *testing.T) {
	if os.Getenv(crashHelperEnv) == "1" {
		crashHelper(t)
		return
	}
	// Jobs take long enough here for the parent to see the restore running.
	b := newBed(t, localcloudtest.WithJobDelay(700*time.Millisecond))
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	b.setStatus(tg.Env.EnvironmentID, "Running")
	snap := b.completedSnapshot(tg)
	jpath := filepath.Join(t.TempDir(), "journal.db")

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWhileRestoringIsReattached$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"=1", "CRASH_URL="+b.srv.URL(), "CRASH_JOURNAL="+jpath, "CRASH_SNAPSHOT="+snap.SnapshotID)
	out, err := os.CreateTemp(t.TempDir(), "helper-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Wait until the journal shows the restore submitted and the cloud shows it running.
	j, err := journal.Open(jpath)
	for err != nil {
		time.Sleep(10 * time.Millisecond)
		j, err = journal.Open(jpath)
	}
	defer j.Close()
	var runID int64
	deadline := time.Now().Add(30 * time.Second)
	for runID == 0 {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(out.Name())
			t.Fatalf("helper ended before it was killed: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the helper never got its restore running")
		}
		runs := listRuns(t, j, journal.Filter{Profile: "crash"})
		if len(runs) == 1 && runs[0].RestoreID != "" {
			for _, r := range b.lc.Restores(tg.Env.EnvironmentID) {
				if r.RestoreID == runs[0].RestoreID && r.State == "running" {
					runID = runs[0].ID
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited

	// The next start: the run is found, re-attached by restore id and finished.
	e := restore.New(b.client, j, fastEngineOpts()...)
	un, err := e.Unfinished(context.Background())
	if err != nil || len(un) != 1 || un[0].ID != runID {
		t.Fatalf("Unfinished = %+v, %v; want run %d", un, err, runID)
	}
	res, err := e.Reattach(context.Background(), runID, nil)
	if err != nil {
		t.Fatalf("Reattach: %v", err)
	}
	rs := b.lc.Restores(tg.Env.EnvironmentID)
	if len(rs) != 1 || rs[0].RestoreID != res.RestoreID || rs[0].State != "completed" {
		t.Errorf("restores on the server %+v, want exactly one, completed", rs)
	}
	jr := getRun(t, j, runID)
	if jr.Status != journal.StatusCompleted || !jr.StoppedEnv || !jr.StartedEnv {
		t.Errorf("journal run %+v", jr)
	}
	if b.status(tg.Env.EnvironmentID) != "Running" || b.dataModelVersion(tg.Env.EnvironmentID) != snap.ModelVersion {
		t.Errorf("after reattach: %s with model %s", b.status(tg.Env.EnvironmentID), b.dataModelVersion(tg.Env.EnvironmentID))
	}
}
