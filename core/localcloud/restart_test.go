package localcloud_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"restoredesk/core/localcloud"
)

func startOn(t *testing.T, dir string, jobDelay time.Duration) (*localcloud.Server, *api) {
	t.Helper()
	s, err := localcloud.Start(localcloud.Config{DataDir: dir, Demo: true, JobDelay: jobDelay, NoSync: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, demoAPI(t, s)
}

func TestRestartOnTheSameDataDirKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, a := startOn(t, dir, time.Millisecond)
	prod := demoV2("customerportal", "Production")
	test := demoV2("customerportal", "Test")
	testID := localcloud.EnvironmentID("customerportal", "Test")

	if err := s.Cloud().AddAccount("support@example.com", "support-key"); err != nil {
		t.Fatal(err)
	}
	var snap snapshotJSON
	a.call("POST", prod+"/snapshots", map[string]string{"comment": "before restart"}, 200, &snap)
	a.waitSnapshot(prod, snap.SnapshotID)
	a.call("PUT", prod+"/snapshots/"+snap.SnapshotID, map[string]string{"comment": "renamed"}, 200, nil)
	r := a.restore(test, snap.SnapshotID, false)
	a.waitRestore(test, r.RestoreID)
	a.stopEnv("customerportal", "Production")
	var before pageJSON
	a.call("GET", prod+"/snapshots", nil, 200, &before)
	digest, _ := s.Cloud().EnvironmentDigest(testID)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, a2 := startOn(t, dir, time.Millisecond)
	defer s2.Close()
	var after pageJSON
	a2.call("GET", prod+"/snapshots", nil, 200, &after)
	if after.Total != before.Total || after.Snapshots[0].SnapshotID != before.Snapshots[0].SnapshotID {
		t.Fatalf("snapshots after restart: %d (first %s), before %d (first %s)", after.Total, after.Snapshots[0].SnapshotID,
			before.Total, before.Snapshots[0].SnapshotID)
	}
	var got snapshotJSON
	a2.call("GET", prod+"/snapshots/"+snap.SnapshotID, nil, 200, &got)
	if got.Comment != "renamed" || got.State != "completed" {
		t.Fatalf("snapshot after restart: %+v", got)
	}
	var rr restoreJSON
	a2.call("GET", test+"/restores/"+r.RestoreID, nil, 200, &rr)
	if rr.State != "completed" {
		t.Fatalf("restore after restart: %+v", rr)
	}
	if d, _ := s2.Cloud().EnvironmentDigest(testID); d != digest {
		t.Fatal("environment data changed across the restart")
	}
	var env envJSON
	a2.call("GET", "/api/1/apps/customerportal/environments/Production", nil, 200, &env)
	if env.Status != "Stopped" {
		t.Fatalf("status after restart %s", env.Status)
	}
	newAPI(t, s2, "support@example.com", "support-key").call("GET", "/api/1/apps", nil, 200, nil)
	// The demo was not seeded twice.
	var apps []appJSON
	a2.call("GET", "/api/1/apps", nil, 200, &apps)
	if len(apps) != 3 {
		t.Fatalf("%d apps after restart", len(apps))
	}
}

func TestJobsInterruptedByARestartAreResumed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Slow jobs, so they are still under way when the cloud closes.
	s, a := startOn(t, dir, 2*time.Second)
	acc := demoV2("orderdesk", "Acceptance")
	test := demoV2("orderdesk", "Test")
	testID := localcloud.EnvironmentID("orderdesk", "Test")
	src := a.latestCompleted(demoV2("orderdesk", "Production"))
	var snap snapshotJSON
	a.call("POST", acc+"/snapshots", nil, 200, &snap)
	r := a.restore(test, src.SnapshotID, false)
	var arch archiveJSON
	a.call("POST", acc+"/snapshots/"+src.SnapshotID+"/archives", nil, 404, nil) // another env's snapshot: not here
	a.call("POST", demoV2("orderdesk", "Production")+"/snapshots/"+src.SnapshotID+"/archives", nil, 200, &arch)
	a.call("POST", "/api/1/apps/orderdesk/environments/Production/stop", nil, 200, nil)
	before, _ := s.Cloud().EnvironmentDigest(testID)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d, _ := digestAfterClose(t, dir, testID); d != before {
		t.Fatal("closing during a restore changed the data")
	}
	// Pretend a crash left a half-built restore behind.
	envDir := filepath.Join(dir, "envs", testID)
	if err := os.MkdirAll(filepath.Join(envDir, "staging-deadbeef", "db"), 0o755); err != nil {
		t.Fatal(err)
	}

	s2, a2 := startOn(t, dir, time.Millisecond)
	defer s2.Close()
	if st := a2.waitSnapshot(acc, snap.SnapshotID); st.State != "completed" {
		t.Fatalf("resumed snapshot: %+v", st)
	}
	if rr := a2.waitRestore(test, r.RestoreID); rr.State != "completed" {
		t.Fatalf("resumed restore: %+v", rr)
	}
	if ar := a2.waitArchive(demoV2("orderdesk", "Production"), src.SnapshotID, arch.ArchiveID); ar.State != "completed" || ar.URL == nil {
		t.Fatalf("resumed archive: %+v %s", ar, str(ar.StatusMessage))
	}
	a2.stopEnv("orderdesk", "Production")
	if n := len(s2.Cloud().Restores(testID)); n != 1 {
		t.Fatalf("%d restores after resuming, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(envDir, "staging-deadbeef")); !os.IsNotExist(err) {
		t.Fatalf("leftover staging folder still there: %v", err)
	}
	assertNoLeftovers(t, s2, testID)
}

// digestAfterClose opens the closed cloud's data without serving it, with jobs too slow to
// get anywhere, and hashes the environment's data.
func digestAfterClose(t *testing.T, dir, envID string) (string, error) {
	t.Helper()
	c, err := localcloud.Open(localcloud.Config{DataDir: dir, JobDelay: time.Hour, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.EnvironmentDigest(envID)
}

// Not parallel: it counts the restore jobs of the whole process, and parallel tests are
// held back while it runs.
func TestCloseWaitsForRunningJobsSoTheDataFolderCanBeDeleted(t *testing.T) {
	data := filepath.Join(t.TempDir(), "cloud")
	// Slow jobs: the restore is still under way when the cloud closes.
	s, a := startOn(t, data, time.Second)
	test := demoV2("orderdesk", "Test")
	src := a.latestCompleted(demoV2("orderdesk", "Production"))
	r := a.restore(test, src.SnapshotID, false)
	waitFor(t, "the restore to run", func() restoreJSON {
		var rr restoreJSON
		a.call("GET", test+"/restores/"+r.RestoreID, nil, 200, &rr)
		return rr
	}, func(rr restoreJSON) bool { return rr.State == "running" })
	if n := restoreJobsRunning(); n == 0 {
		t.Fatal("no restore job is running before Close")
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := restoreJobsRunning(); n != 0 {
		t.Fatalf("%d restore jobs still run after Close", n)
	}
	if err := os.RemoveAll(data); err != nil {
		t.Fatalf("delete the data folder right after Close: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the data folder is back after deleting it: %v", err)
	}
}

// restoreJobsRunning counts the goroutines of this process that run a restore job.
func restoreJobsRunning() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("localcloud.(*Cloud).runRestore("))
		}
		buf = make([]byte, 2*len(buf))
	}
}
