package restore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// A backup that a run is restoring is not deleted: the plan refuses it, naming the run,
// and nothing is sent. Once the run is over it can be deleted, and the run is journaled.
func TestDeleteNeverWhileBeingRestored(t *testing.T) {
	ctx := context.Background()
	b := newBed(t, localcloudtest.WithJobDelay(300*time.Millisecond))
	tg := b.target(localcloud.DemoAppOrderDesk, "Acceptance")
	made, err := act(ctx, b.e, journal.KindBackup, tg, "", restore.BackupOptions{Comment: "before the test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := made.Backup.SnapshotID
	p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap}, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	submitted := make(chan struct{})
	rec := &recorder{hook: func(ev restore.Event) {
		if ev.Type == restore.EventStepDone && ev.Step == restore.StepRestore {
			close(submitted)
		}
	}}
	done := make(chan error, 1)
	go func() { _, err := b.e.Run(ctx, p, rec.on); done <- err }()
	<-submitted

	_, err = b.e.PlanManage(ctx, restore.ManageRequest{Target: tg, SnapshotID: snap, Delete: true})
	if !errors.Is(err, restore.ErrBackupInUse) || !strings.Contains(err.Error(), "still uses this backup") {
		t.Fatalf("PlanManage while restoring = %v, want ErrBackupInUse", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("restore: %v", err)
	}
	dp, err := b.e.PlanManage(ctx, restore.ManageRequest{Target: tg, SnapshotID: snap, Delete: true})
	if err != nil || dp.ConfirmationRequired {
		t.Fatalf("PlanManage after the restore = %v", err)
	}
	res, err := b.e.RunManage(ctx, dp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.GetSnapshot(ctx, tg.App.ProjectID, tg.Env.EnvironmentID, snap); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("the backup is still there: %v", err)
	}
	if jr := getRun(t, b.j, res.RunID); jr == nil || jr.Kind != journal.KindDelete || jr.Status != journal.StatusCompleted || jr.SnapshotID != snap {
		t.Errorf("journal %+v", jr)
	}
}

// Automatic backups are not deleted; a production backup needs its environment's name; a
// comment with control characters is refused; a comment is changed and journaled.
func TestManageRules(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	prod := b.target(localcloud.DemoAppOrderDesk, "Production")
	snaps, err := b.client.ListAllSnapshots(ctx, prod.App.ProjectID, prod.Env.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	var nightly string
	for _, s := range snaps {
		if k := cloud.KindOf(s); k == cloud.KindNightly && s.State == cloud.StateCompleted {
			nightly = s.SnapshotID
			break
		}
	}
	if _, err := b.e.PlanManage(ctx, restore.ManageRequest{Target: prod, SnapshotID: nightly, Delete: true}); !errors.Is(err, restore.ErrNotManual) {
		t.Errorf("delete of a nightly backup = %v", err)
	}
	made, err := act(ctx, b.e, journal.KindBackup, prod, "", restore.BackupOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := made.Backup.SnapshotID
	p, err := b.e.PlanManage(ctx, restore.ManageRequest{Target: prod, SnapshotID: id, Delete: true})
	if err != nil || !p.ConfirmationRequired {
		t.Fatalf("plan = %+v, %v: deleting a production backup needs its name", p, err)
	}
	if _, err := b.e.RunManage(ctx, p, nil); !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Errorf("unconfirmed delete = %v", err)
	}
	if _, err := b.client.GetSnapshot(ctx, prod.App.ProjectID, prod.Env.EnvironmentID, id); err != nil {
		t.Fatalf("the backup went without confirmation: %v", err)
	}
	if _, err := b.e.PlanManage(ctx, restore.ManageRequest{Target: prod, SnapshotID: id, Comment: "a\nb"}); !errors.Is(err, restore.ErrInvalidRequest) {
		t.Errorf("comment with a line break = %v", err)
	}
	cp, err := b.e.PlanManage(ctx, restore.ManageRequest{Target: prod, SnapshotID: id, Comment: "known good"})
	if err != nil || cp.ConfirmationRequired {
		t.Fatalf("comment plan = %v", err)
	}
	res, err := b.e.RunManage(ctx, cp, nil)
	if err != nil || res.Backup == nil || res.Backup.Comment != "known good" {
		t.Fatalf("comment = %+v, %v", res, err)
	}
	if !p.ConfirmWith("PRODUCTION") {
		t.Fatal("the name in capitals does not confirm")
	}
	if _, err := b.e.RunManage(ctx, p, nil); err != nil {
		t.Fatalf("confirmed delete: %v", err)
	}
}
