package restore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// A nightly backup whose comment someone edited (here through another client, as the
// Portal would) is still a nightly backup to an engine that never saw it before: asked to
// delete it, the plan refuses. A weekly backup the engine had listed keeps its kind too.
func TestEditedCommentDoesNotMakeAnAutomaticBackupDeletable(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppOrderDesk, "Test")
	thursday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	nightly, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{Kind: localcloud.KindNightly, CreatedAt: thursday})
	if err != nil {
		t.Fatal(err)
	}
	weekly, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{Kind: localcloud.KindWeekly, CreatedAt: thursday.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// The engine's client lists the backups once (the window's table does this).
	if _, err := b.client.ListAllSnapshots(ctx, tg.App.ProjectID, tg.Env.EnvironmentID); err != nil {
		t.Fatal(err)
	}
	other, err := cloud.New(b.srv.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{nightly.SnapshotID, weekly.SnapshotID} {
		if _, err := other.UpdateSnapshotComment(ctx, tg.App.ProjectID, tg.Env.EnvironmentID, id, cloud.CommentManual); err != nil {
			t.Fatal(err)
		}
	}
	for name, id := range map[string]string{"nightly": nightly.SnapshotID, "weekly": weekly.SnapshotID} {
		_, err := b.e.PlanManage(ctx, restore.ManageRequest{Target: tg, SnapshotID: id, Delete: true})
		if !errors.Is(err, restore.ErrNotManual) {
			t.Errorf("delete of the %s backup with a manual comment: %v, want ErrNotManual", name, err)
		}
	}
	// A new engine (a new start of the app) has not seen the nightly: its times decide.
	fresh := newBedOn(t, b.srv, t.TempDir()+"/journal.db", localcloud.DemoUsername, localcloud.DemoAPIKey)
	if _, err := fresh.e.PlanManage(ctx, restore.ManageRequest{Target: tg, SnapshotID: nightly.SnapshotID, Delete: true}); !errors.Is(err, restore.ErrNotManual) {
		t.Errorf("delete of the edited nightly by a new engine: %v, want ErrNotManual", err)
	}
	snaps, err := b.lc.Snapshots(tg.Env.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, s := range snaps {
		if s.SnapshotID == nightly.SnapshotID || s.SnapshotID == weekly.SnapshotID {
			left++
		}
	}
	if left != 2 {
		t.Errorf("%d of the 2 automatic backups left in the cloud", left)
	}
}
