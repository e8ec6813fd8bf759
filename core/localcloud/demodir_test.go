package localcloud_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

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
