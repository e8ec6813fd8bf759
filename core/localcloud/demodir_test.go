package localcloud_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
)

func TestDemoDirIsInTheUserDataFolder(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_DATA_HOME", base)
	dir, err := localcloud.DemoDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "restoredesk", "demo-cloud"); dir != want {
		t.Errorf("DemoDir = %s, want %s", dir, want)
	}
}

// The demo keeps its data between runs (a snapshot made in one run is there in the next)
// until it is reset; a reset gives a freshly seeded demo.
func TestDemoKeepsItsDataUntilReset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo-cloud")
	open := func() (*localcloud.Server, *cloud.Environment) {
		t.Helper()
		srv, err := localcloud.Start(localcloud.Config{DataDir: dir, Demo: true, NoSync: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := cloud.New(srv.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
		if err != nil {
			t.Fatal(err)
		}
		env, err := c.GetEnvironment(context.Background(), localcloud.DemoAppOrderDesk, "Test")
		if err != nil {
			t.Fatal(err)
		}
		return srv, env
	}
	srv, env := open()
	if err := srv.Cloud().SetEnvironmentStatus(env.EnvironmentID, "Running"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv, again := open()
	if again.EnvironmentID != env.EnvironmentID || again.Status != cloud.StatusRunning {
		t.Errorf("after a restart Test is %s (%s), want %s (Running) as it was left", again.EnvironmentID, again.Status, env.EnvironmentID)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	if err := localcloud.ResetDir(dir); err != nil {
		t.Fatal(err)
	}
	srv, fresh := open()
	defer srv.Close()
	if fresh.Status != cloud.StatusStopped {
		t.Errorf("after a reset Test is %s: the demo was not made afresh (it starts Stopped)", fresh.Status)
	}
}

func TestResetDirRefusesAFolderThatIsNoCloud(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "thesis.odt")
	if err := os.WriteFile(keep, []byte("years of work"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := localcloud.ResetDir(dir); !errors.Is(err, localcloud.ErrNotCloudDir) {
		t.Errorf("ResetDir of a folder without a cloud = %v, want ErrNotCloudDir", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the folder's file is gone: %v", err)
	}
	if err := localcloud.ResetDir(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("ResetDir of a missing folder = %v, want nil", err)
	}
}

func TestLockDirKeepsASecondCloudOut(t *testing.T) {
	dir := t.TempDir()
	release, err := localcloud.LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := localcloud.LockDir(dir); !errors.Is(err, localcloud.ErrDirInUse) {
		t.Errorf("second LockDir = %v, want ErrDirInUse", err)
	}
	release()
	again, err := localcloud.LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after release: %v", err)
	}
	again()
}

// A reset never deletes the files of a cloud that took the folder while the reset ran:
// here another cloud keeps taking the folder, writing its database and checking it is
// still there while it holds the folder, as resets run over and over.
func TestResetDirNeverDeletesTheFilesOfACloudThatHoldsTheFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cloud")
	db := filepath.Join(dir, "localcloud.db")
	deadline := time.Now().Add(700 * time.Millisecond)
	var held, lost atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for time.Now().Before(deadline) {
			release, err := localcloud.LockDir(dir)
			if err != nil {
				continue // a reset holds it (or removed it as it was made): try again
			}
			held.Add(1)
			err = os.WriteFile(db, []byte("data"), 0o600)
			time.Sleep(50 * time.Microsecond) // a cloud at work
			if err != nil || !exists(db) {
				lost.Add(1)
			}
			release()
		}
	}()
	resets := 0
	for time.Now().Before(deadline) {
		if err := localcloud.ResetDir(dir); err == nil {
			resets++
		}
	}
	<-done
	if held.Load() == 0 || resets == 0 {
		t.Fatalf("the folder was held %d times and reset %d times: the test proved nothing", held.Load(), resets)
	}
	if n := lost.Load(); n > 0 {
		t.Errorf("%d of %d times a reset deleted the files of the cloud holding the folder", n, held.Load())
	}
	// Reset, the folder holds only its lock file; resetting it again is fine.
	if err := localcloud.ResetDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := localcloud.ResetDir(dir); err != nil {
		t.Errorf("a second reset = %v, want nil", err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// A folder of someone's files is never taken as a data folder: neither Start nor LockDir
// writes a file in it.
func TestAFolderOfSomeonesFilesIsNeverAdopted(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "thesis.odt")
	if err := os.WriteFile(keep, []byte("years of work"), 0o600); err != nil {
		t.Fatal(err)
	}
	if srv, err := localcloud.Start(localcloud.Config{DataDir: dir, Demo: true, NoSync: true}, ""); !errors.Is(err, localcloud.ErrNotCloudDir) {
		if err == nil {
			srv.Close()
		}
		t.Fatalf("Start in a folder of someone's files = %v, want ErrNotCloudDir", err)
	}
	if _, err := localcloud.LockDir(dir); !errors.Is(err, localcloud.ErrNotCloudDir) {
		t.Fatalf("LockDir of a folder of someone's files = %v, want ErrNotCloudDir", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "thesis.odt" {
		t.Errorf("the refused folder now holds %v", entries)
	}
}
