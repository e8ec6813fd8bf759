package cloud

import (
	"context"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

func TestKindOf(t *testing.T) {
	day := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	created := day("2026-11-12 02:00") // a Thursday
	cases := []struct {
		name string
		s    Snapshot
		want SnapshotKind
	}{
		{"nightly by expiry", Snapshot{Comment: CommentNightly, CreatedAt: created, ExpiresAt: created.AddDate(0, 0, 14)}, KindNightly},
		{"nightly kept 30 days (the older rule)", Snapshot{Comment: CommentNightly, CreatedAt: created, ExpiresAt: created.AddDate(0, 0, 30)}, KindNightly},
		{"weekly by expiry", Snapshot{Comment: CommentNightly, CreatedAt: created, ExpiresAt: created.AddDate(0, 3, 0)}, KindWeekly},
		{"monthly by expiry", Snapshot{Comment: CommentNightly, CreatedAt: created, ExpiresAt: created.AddDate(1, 0, 0)}, KindMonthly},
		{"weekly by Sunday", Snapshot{Comment: CommentNightly, CreatedAt: day("2026-11-15 02:00")}, KindWeekly},
		{"monthly by first Sunday", Snapshot{Comment: CommentNightly, CreatedAt: day("2026-11-01 02:00")}, KindMonthly},
		{"manual", Snapshot{Comment: CommentManual, CreatedAt: created, ExpiresAt: created.AddDate(0, 3, 0)}, KindManual},
		{"manual with own comment", Snapshot{Comment: "before go-live"}, KindManual},
		{"uploaded", Snapshot{Comment: "Uploaded snapshot"}, KindUploaded},
		{"safety", Snapshot{Comment: SafetyComment("abc")}, KindSafety},
		{"pipeline", Snapshot{Comment: CommentPipeline, CreatedAt: created, ExpiresAt: created.AddDate(0, 3, 0)}, KindPipeline},
		// What no user can edit wins over the comment.
		{"nightly with an edited comment", Snapshot{Comment: "keep: month end", CreatedAt: created, ExpiresAt: created.AddDate(0, 0, 14)}, KindNightly},
		{"nightly with a manual comment", Snapshot{Comment: CommentManual, CreatedAt: created, ExpiresAt: created.AddDate(0, 0, 14)}, KindNightly},
		{"monthly with an edited comment", Snapshot{Comment: "audit", CreatedAt: created, ExpiresAt: created.AddDate(1, 0, 0)}, KindMonthly},
		{"uploaded with an edited comment", Snapshot{Comment: "from the old server", StatusMessage: StatusUploaded}, KindUploaded},
		// The client's verdict is kept.
		{"kind set by the client", Snapshot{Comment: "before go-live", Kind: KindWeekly}, KindWeekly},
	}
	for _, c := range cases {
		if got := KindOf(c.s); got != c.want {
			t.Errorf("%s: KindOf = %s, want %s", c.name, got, c.want)
		}
	}
	for k, auto := range map[SnapshotKind]bool{KindNightly: true, KindWeekly: true, KindMonthly: true,
		KindManual: false, KindUploaded: false, KindPipeline: false, KindSafety: false} {
		if k.Automatic() != auto {
			t.Errorf("%s.Automatic() = %v", k, !auto)
		}
	}
	if KindPipeline.Label() != "Pipeline" {
		t.Errorf("pipeline label %q", KindPipeline.Label())
	}
}

// Backups of every kind in the embedded cloud get their comments edited after a client
// has listed them. That client keeps every kind; a client that never saw them before
// still tells nightly, monthly and uploaded backups by what cannot be edited.
func TestKindsSurviveEditedCommentsInTheEmbeddedCloud(t *testing.T) {
	ctx := context.Background()
	srv := localcloudtest.Start(t, localcloudtest.WithoutDemo())
	lc := srv.Cloud()
	if err := lc.AddAccount(testUser, testKey); err != nil {
		t.Fatal(err)
	}
	app, err := lc.AddApp(localcloud.AppSpec{AppID: "kinds", Team: []string{testUser}, Environments: []localcloud.EnvSpec{{Mode: "Test"}}})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := app.Env("Test")
	thursday := time.Date(2026, 11, 26, 0, 26, 0, 0, time.UTC)
	seed := map[SnapshotKind]localcloud.SnapshotSpec{
		KindNightly:  {Kind: localcloud.KindNightly, CreatedAt: thursday},
		KindWeekly:   {Kind: localcloud.KindWeekly, CreatedAt: thursday.AddDate(0, 0, 3)},
		KindMonthly:  {Kind: localcloud.KindMonthly, CreatedAt: thursday.AddDate(0, 0, -25)},
		KindUploaded: {Kind: localcloud.KindUploaded, CreatedAt: thursday.Add(time.Hour)},
		KindPipeline: {Kind: localcloud.KindManual, Comment: CommentPipeline, CreatedAt: thursday.Add(2 * time.Hour)},
		KindManual:   {Kind: localcloud.KindManual, CreatedAt: thursday.Add(3 * time.Hour)},
	}
	ids := map[SnapshotKind]string{}
	for k, spec := range seed {
		rec, err := lc.AddSnapshot(env.EnvironmentID, spec)
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = rec.SnapshotID
	}
	kinds := func(c *Client) map[string]SnapshotKind {
		t.Helper()
		snaps, err := c.ListAllSnapshots(ctx, app.ProjectID, env.EnvironmentID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]SnapshotKind{}
		for _, s := range snaps {
			out[s.SnapshotID] = KindOf(s)
		}
		return out
	}
	first := newTestClient(t, srv.URL())
	seen := kinds(first)
	for k, id := range ids {
		if seen[id] != k {
			t.Fatalf("before any edit, the %s backup reads as %s", k, seen[id])
		}
	}
	for _, id := range ids {
		s, err := first.UpdateSnapshotComment(ctx, app.ProjectID, env.EnvironmentID, id, "keep this one")
		if err != nil {
			t.Fatal(err)
		}
		if s.Comment != "keep this one" {
			t.Fatalf("comment after the edit %q", s.Comment)
		}
	}
	after := kinds(first)
	for k, id := range ids {
		if after[id] != k {
			t.Errorf("after its comment was edited, the %s backup reads as %s to the client that saw it before", k, after[id])
		}
	}
	// A memory that outlives one client (WithKindMemory) keeps every kind for the next.
	next := kinds(newTestClient(t, srv.URL(), WithKindMemory(first.kinds)))
	for k, id := range ids {
		if next[id] != k {
			t.Errorf("with the first client's memory, the edited %s backup reads as %s", k, next[id])
		}
	}
	fresh := kinds(newTestClient(t, srv.URL()))
	for _, k := range []SnapshotKind{KindNightly, KindMonthly, KindUploaded} {
		if fresh[ids[k]] != k {
			t.Errorf("with an edited comment, the %s backup reads as %s to a new client", k, fresh[ids[k]])
		}
	}
}
