package localcloud_test

import (
	"testing"
	"time"

	"restoredesk/core/localcloud"
)

func TestRetentionFollowsMendixCloud(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		kind    localcloud.SnapshotKind
		created string
		want    string
	}{
		{localcloud.KindAutomatic, "2026-11-25T00:26:00Z", "2026-12-09T00:26:00Z"}, // Wednesday: nightly, 2 weeks
		{localcloud.KindAutomatic, "2026-11-15T00:26:00Z", "2027-02-15T00:26:00Z"}, // third Sunday: weekly, 3 months
		{localcloud.KindAutomatic, "2026-11-01T00:26:00Z", "2027-11-01T00:26:00Z"}, // first Sunday: monthly, 1 year
		{localcloud.KindAutomatic, "2026-11-08T00:26:00Z", "2027-02-08T00:26:00Z"}, // the 8th is never a first Sunday
		{localcloud.KindManual, "2026-11-25T14:32:00Z", "2027-02-25T14:32:00Z"},
		{localcloud.KindUploaded, "2026-11-25T14:32:00Z", "2027-02-25T14:32:00Z"},
		{localcloud.KindNightly, "2026-11-29T00:00:00Z", "2026-12-13T00:00:00Z"},
	}
	for _, c := range cases {
		if got := localcloud.ExpiresAt(c.kind, d(c.created)); !got.Equal(d(c.want)) {
			t.Errorf("%s made %s expires %s, want %s", c.kind, c.created, got.Format(time.RFC3339), c.want)
		}
	}
}

func TestExpiredSnapshotsDisappear(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	envID := localcloud.EnvironmentID("orderdesk", "Test")
	base := demoV2("orderdesk", "Test")
	old, err := s.Cloud().AddSnapshot(envID, localcloud.SnapshotSpec{Kind: localcloud.KindNightly,
		CreatedAt: time.Now().Add(-15 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := s.Cloud().AddSnapshot(envID, localcloud.SnapshotSpec{Kind: localcloud.KindManual,
		CreatedAt: time.Now().Add(-15 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	a.wantError("GET", base+"/snapshots/"+old.SnapshotID, nil, 404, "NOT_FOUND")
	a.wantError("POST", base+"/restores?source_snapshot_id="+old.SnapshotID, nil, 400, "NOT_FOUND")
	a.call("GET", base+"/snapshots/"+kept.SnapshotID, nil, 200, nil)
	var page pageJSON
	a.call("GET", base+"/snapshots?limit=1000", nil, 200, &page)
	for _, x := range page.Snapshots {
		if x.SnapshotID == old.SnapshotID {
			t.Fatal("a nightly snapshot older than 2 weeks is still listed")
		}
	}
}
