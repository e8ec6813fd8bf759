package localcloud_test

import (
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

func TestBulkSeedOf300AppsIsServed(t *testing.T) {
	t.Parallel()
	s := localcloudtest.Start(t, localcloudtest.WithoutDemo())
	if err := s.Cloud().AddAccount("support@example.com", "support-key"); err != nil {
		t.Fatal(err)
	}
	apps, err := s.Cloud().AddApps(localcloud.BulkAppSpecs(300, "support@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 300 || len(apps[299].Environments) != 3 || apps[299].AppID != "app300" {
		t.Fatalf("seeded %d apps, last %+v", len(apps), apps[len(apps)-1])
	}
	a := newAPI(t, s, "support@example.com", "support-key")
	var list []appJSON
	a.call("GET", "/api/1/apps", nil, 200, &list)
	if len(list) != 300 {
		t.Fatalf("listed %d apps", len(list))
	}
	var envs []envJSON
	a.call("GET", "/api/1/apps/app123/environments", nil, 200, &envs)
	if len(envs) != 3 || envs[2].Mode != "Production" || envs[2].Status != "Running" {
		t.Fatalf("environments of app123: %+v", envs)
	}
	// Someone not on the team sees none of them.
	if err := s.Cloud().AddAccount("other@example.com", "k"); err != nil {
		t.Fatal(err)
	}
	newAPI(t, s, "other@example.com", "k").call("GET", "/api/1/apps", nil, 200, &list)
	if len(list) != 0 {
		t.Fatalf("a stranger sees %d apps", len(list))
	}
	// Environments without data have nothing to back up: the snapshot fails and says why.
	base := v2(apps[0].ProjectID, apps[0].Environments[0].EnvironmentID)
	var snap snapshotJSON
	a.call("POST", base+"/snapshots", nil, 200, &snap)
	if got := a.waitSnapshot(base, snap.SnapshotID); got.State != "failed" || str(got.StatusMessage) == "" {
		t.Fatalf("snapshot of an environment without data: %+v", got)
	}
}

// BenchmarkBulkSeed300Apps measures seeding an account of 300 apps × 3 environments.
func BenchmarkBulkSeed300Apps(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := localcloudtest.Start(b, localcloudtest.WithoutDemo())
		start := time.Now()
		if _, err := s.Cloud().AddApps(localcloud.BulkAppSpecs(300, "support@example.com")); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/seed")
		b.Logf("seeded 300 apps × 3 environments in %v", time.Since(start).Round(time.Millisecond))
	}
}
