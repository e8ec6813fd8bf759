package restore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/archive/benchfiles"
	"restoredesk/core/localcloud"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/restore"
)

func TestZCloudPhases(t *testing.T) {
	dump := benchfiles.Dump(t)
	c := pgtest.Start(t)
	bd := newBed(t)
	tg := bd.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	rec, err := bd.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: dump, DatabaseOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 2 {
		db, dir := "z"+string(rune('a'+i)), t.TempDir()
		start := time.Now()
		ev := func(e restore.Event) {
			if e.Type != restore.EventBytes {
				t.Logf("%.3f %v %s %s", time.Since(start).Seconds(), e.Type, e.Step, e.Message)
			}
		}
		p, err := bd.e.PlanLocal(ctx, restore.LocalRequest{Target: localTarget(c, db), Create: true, PgRestore: filepath.Join(c.BinDir, "pg_restore"),
			Cloud: &restore.DownloadRequest{Target: tg, SnapshotID: rec.SnapshotID, Output: dir}}, ev)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%.3f planned", time.Since(start).Seconds())
		res, err := bd.e.RunLocal(ctx, p, ev)
		t.Logf("%.3f done %v %v", time.Since(start).Seconds(), err, res.Complete())
		os.RemoveAll(dir)
	}
}
