package restore_test

import (
	"context"
	"errors"
	"testing"

	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// Production is Mendix's Production flag, not a name (issue 19: comparing only the mode
// "Production" passed every test, as the embedded cloud flagged only environments named
// so). A flexible environment "Live" flagged production needs its name typed to restore
// into it, to stop it and to delete one of its backups; refused, nothing changes.
func TestFlexibleProductionEnvironmentNeedsItsName(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	if _, err := b.lc.AddApp(localcloud.AppSpec{AppID: "flexdesk", Name: "Flex Desk", Team: []string{localcloud.DemoUsername},
		Environments: []localcloud.EnvSpec{{Mode: "Test"}, {Mode: "Live", Production: true, Status: "Running"}}}); err != nil {
		t.Fatal(err)
	}
	live := b.target("flexdesk", "Live")
	if !live.Env.IsProduction() {
		t.Fatalf("the cloud's Production flag did not reach the client: %+v", live.Env)
	}
	snap, err := b.lc.AddSnapshot(live.Env.EnvironmentID, localcloud.SnapshotSpec{})
	if err != nil {
		t.Fatal(err)
	}
	needsLive := func(what string, o *restore.Outline) {
		t.Helper()
		if c := o.Confirm; c.Kind != restore.ConfirmName || c.Name != "Live" || c.Reason == "" {
			t.Errorf("%s of Live: confirmation %+v, want the name Live typed, with a reason", what, c)
		}
	}

	p, err := b.e.Plan(ctx, restore.Request{Profile: "demo", Target: live,
		Source: restore.Source{SnapshotID: snap.SnapshotID}, Options: restore.Options{SafetyBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	needsLive("a restore", p.Shape())
	if _, err := b.e.Run(ctx, p, nil); !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Fatalf("restore into Live without its name: %v", err)
	}

	stop, err := b.e.Plan(ctx, restore.Request{Profile: "demo", Action: journal.KindStop, Target: live})
	if err != nil {
		t.Fatal(err)
	}
	needsLive("stopping", stop.Shape())
	if _, err := act(ctx, b.e, journal.KindStop, live, "", restore.BackupOptions{}, nil); !errors.Is(err, restore.ErrConfirmationRequired) {
		t.Fatalf("stop of Live without its name: %v", err)
	}
	if st := b.status(live.Env.EnvironmentID); st != "Running" {
		t.Fatalf("Live is %s after refused runs, want Running", st)
	}

	del, err := b.e.PlanManage(ctx, restore.ManageRequest{Profile: "demo", Target: live, SnapshotID: snap.SnapshotID, Delete: true})
	if err != nil {
		t.Fatal(err)
	}
	needsLive("deleting a backup", del.Shape())
	if _, err := b.e.RunManage(ctx, del, nil); err == nil {
		t.Fatal("a backup of Live was deleted without its name")
	}
	if n := b.snapshotCount(live.Env.EnvironmentID); n != 1 {
		t.Fatalf("Live has %d backups after a refused delete, want 1", n)
	}
}
