package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"restoredesk/core/cloud"
)

func TestRelativeTime(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		ago  time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{5 * time.Minute, "5 minutes ago"},
		{time.Hour, "1 hour ago"},
		{30 * time.Hour, "yesterday"},
		{3 * 24 * time.Hour, "3 days ago"},
		{14 * 24 * time.Hour, "2 weeks ago"},
		{90 * 24 * time.Hour, "3 months ago"},
		{400 * 24 * time.Hour, "1 year ago"},
		{-14 * 24 * time.Hour, "in 2 weeks"},
	}
	for _, c := range cases {
		if got := relativeTime(now.Add(-c.ago), now); got != c.want {
			t.Errorf("%v ago: %q, want %q", c.ago, got, c.want)
		}
	}
	if relativeTime(time.Time{}, now) != "—" {
		t.Error("a missing time is not shown as a dash")
	}
}

func TestCompareVersions(t *testing.T) {
	if compareVersions("1.10.0", "1.9.2") <= 0 || compareVersions("1.2", "1.2.0") >= 0 || compareVersions("2.0.0.310", "2.0.0.310") != 0 {
		t.Error("versions do not sort by number")
	}
}

func testSnapshots(n int, start time.Time) []cloud.Snapshot {
	out := make([]cloud.Snapshot, n)
	for i := range out {
		created := start.Add(-time.Duration(i) * 24 * time.Hour)
		comment, kept := cloud.CommentNightly, 14*24*time.Hour
		switch {
		case i%30 == 0:
			kept = 365 * 24 * time.Hour
		case i%7 == 0:
			kept = 90 * 24 * time.Hour
		case i%11 == 0:
			comment, kept = cloud.CommentManual, 90*24*time.Hour // manual backups are kept three months
		}
		out[i] = cloud.Snapshot{SnapshotID: fmt.Sprintf("s%05d", i), State: cloud.StateCompleted, Comment: comment,
			ModelVersion: fmt.Sprintf("1.%d.0", i%13), CreatedAt: created, ExpiresAt: created.Add(kept)}
	}
	return out
}

func TestBackupList_SortFilterAndSelectionIndex(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := newBackupList()
	l.set(testSnapshots(100, now), now)
	if l.len() != 100 || l.at(0).snap.SnapshotID != "s00000" {
		t.Fatalf("default view: %d rows, first %s", l.len(), l.at(0).snap.SnapshotID)
	}
	l.sortBy(colCreated) // again: oldest first
	if l.at(0).snap.SnapshotID != "s00099" {
		t.Errorf("reversed sort starts with %s", l.at(0).snap.SnapshotID)
	}
	l.sortBy(colModel)
	for i := 1; i < l.len(); i++ {
		if compareVersions(l.at(i-1).snap.ModelVersion, l.at(i).snap.ModelVersion) > 0 {
			t.Fatalf("model versions out of order at %d", i)
		}
	}
	l.filter("", cloud.KindMonthly)
	if l.len() != 4 {
		t.Errorf("%d monthly backups, want 4", l.len())
	}
	l.filter("MANUALLY", "")
	for i := 0; i < l.len(); i++ {
		if l.at(i).kind != cloud.KindManual {
			t.Errorf("text filter matched a %s backup", l.at(i).kind)
		}
	}
	if l.indexOf("s00000") != -1 || l.indexOf(l.at(0).snap.SnapshotID) != 0 {
		t.Error("indexOf does not follow the filtered view")
	}
}

func TestGroupApps_LicensedFirstThenFreeApps_Search(t *testing.T) {
	apps := []cloud.AppWithEnvironments{
		{App: cloud.App{AppID: "b", Name: "beta"}},
		{App: cloud.App{AppID: "f", Name: "Free one"}, FreeApp: true},
		{App: cloud.App{AppID: "a", Name: "Alpha"}},
	}
	line := func(rows []appRow) string {
		var s []string
		for _, r := range rows {
			if r.app == nil {
				s = append(s, "#"+r.heading)
			} else {
				s = append(s, r.app.AppID)
			}
		}
		return strings.Join(s, ",")
	}
	if got := line(groupApps(apps, "")); got != "#Licensed nodes (2),a,b,#Free Apps (1),f" {
		t.Errorf("grouped: %s", got)
	}
	if got := line(groupApps(apps, "FREE")); got != "#Free Apps (1),f" {
		t.Errorf("search: %s", got)
	}
	if got := line(groupApps(apps, "nothing")); got != "" {
		t.Errorf("no match: %s", got)
	}
}

// The backups table keeps a sorted, filtered view over precomputed rows; these are the
// costs of what one click or keystroke does with 10,000 backups.
func BenchmarkBackupList_10kRows(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	snaps := testSnapshots(10000, now)
	l := newBackupList()
	var load, sortModel, sortCreated, filter time.Duration
	for range b.N {
		t0 := time.Now()
		l.set(snaps, now)
		t1 := time.Now()
		l.sortBy(colModel)
		t2 := time.Now()
		l.sortBy(colCreated)
		t3 := time.Now()
		l.filter("manual", "")
		t4 := time.Now()
		l.filter("", "")
		load, sortModel, sortCreated, filter = load+t1.Sub(t0), sortModel+t2.Sub(t1), sortCreated+t3.Sub(t2), filter+t4.Sub(t3)
	}
	n := time.Duration(max(b.N, 1))
	ms := func(d time.Duration) float64 { return float64(d/n) / float64(time.Millisecond) }
	b.ReportMetric(ms(load), "ms/load")
	b.ReportMetric(ms(sortModel), "ms/sort-by-version")
	b.ReportMetric(ms(sortCreated), "ms/sort-by-date")
	b.ReportMetric(ms(filter), "ms/filter")
	b.Logf("10,000 backups: load %.1f ms (off the UI goroutine, once per environment), sort by version %.1f ms, by date %.1f ms, filter %.1f ms (per click or keystroke; a frame at 60 Hz is 16.7 ms)",
		ms(load), ms(sortModel), ms(sortCreated), ms(filter))
}
