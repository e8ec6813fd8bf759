package restore_test

import (
	"context"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// An app versioned with Git (Mendix 10) reports model versions as major.minor.patch.commit
// on its environments and its snapshots alike. Planned against the embedded cloud, a
// backup of such an app gets the verdict its numbers call for: older and newer ones of the
// same line the softer "deploy the matching model" note, the same revision nothing, and
// another line (either direction) the typed name.
func TestGitStyleModelVersionsFromTheCloudAreCompared(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	app, err := b.lc.AddApp(localcloud.AppSpec{AppID: "gitdesk", Name: "Git Desk", Team: []string{localcloud.DemoUsername},
		Environments: []localcloud.EnvSpec{{Mode: "Test", ModelVersion: "1.8.82.e3c1a393"}}})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := app.Env("Test")
	tg := b.target("gitdesk", "Test")
	if tg.Env.ModelVersion != "1.8.82.e3c1a393" {
		t.Fatalf("environment model version %q over the API, want the Git-style 1.8.82.e3c1a393", tg.Env.ModelVersion)
	}
	for _, c := range []struct {
		name, model string
		fit         restore.Fit
		words       string // in the first warning; "" for none
	}{
		{"older", "1.8.80.0b7d2f11", restore.FitOtherModel, "model version 1.8.80.0b7d2f11, older than the 1.8.82.e3c1a393 that Test runs. After the restore, deploy the matching model (1.8.80.0b7d2f11) to Test"},
		{"newer", "1.9.0.77aa01c2", restore.FitOtherModel, "model version 1.9.0.77aa01c2, newer than the 1.8.82.e3c1a393"},
		{"same revision", "1.8.82.E3C1A393", restore.FitSame, ""},
		{"same revision, longer hash", "1.8.82.e3c1a3935d0c", restore.FitSame, ""},
		{"another build of the same number", "1.8.82.5f5f5f5f", restore.FitOtherModel, "another build than the 1.8.82.e3c1a393"},
		{"another line, newer", "2.0.1.c0ffee12", restore.FitWrongApp, "model version 2.0.1.c0ffee12, from another line than the 1.8.82.e3c1a393 that Test of Git Desk runs"},
		{"another line, older", "0.9.4.deadbeef", restore.FitWrongApp, "model version 0.9.4.deadbeef, from another line"},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap, err := b.lc.AddSnapshot(env.EnvironmentID, localcloud.SnapshotSpec{ModelVersion: c.model})
			if err != nil {
				t.Fatal(err)
			}
			p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if p.Snapshot == nil || p.Snapshot.ModelVersion != c.model {
				t.Fatalf("planned snapshot %+v, want model version %s as the cloud sent it", p.Snapshot, c.model)
			}
			if p.Fit.Fit != c.fit {
				t.Fatalf("fit %v (%q), want %v", p.Fit.Fit, p.Fit.Warnings, c.fit)
			}
			if c.fit == restore.FitWrongApp != p.Fit.NeedsTypedName() {
				t.Errorf("needs typed name = %v for fit %v", p.Fit.NeedsTypedName(), c.fit)
			}
			if c.words == "" {
				if len(p.Fit.Warnings) != 0 {
					t.Errorf("warnings %q for the same revision, want none", p.Fit.Warnings)
				}
				return
			}
			if len(p.Fit.Warnings) == 0 || !strings.Contains(p.Fit.Warnings[0], c.words) {
				t.Errorf("warnings %q, want them to say %q", p.Fit.Warnings, c.words)
			}
		})
	}
}
