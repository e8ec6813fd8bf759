package restore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/restore"
)

// A licensed app deployed outside Mendix Cloud (Mendix on Kubernetes): the embedded cloud
// lists it, and answers its environment and backup calls with 400 NOT_SUPPORTED as Mendix
// documents. A restore into it hands over to where the app runs, not to the Free App
// steps of the Portal, and says nothing changed; the cloud's plain refusal of a list is
// explained the same way.
func TestNotSupportedForAnAppOutsideMendixCloudHandsOverToWhereItRuns(t *testing.T) {
	ctx := context.Background()
	srv := localcloudtest.Start(t, func(c *localcloud.Config) { c.OutsideMendixCloud = []string{"fieldops"} })
	b := newBedOn(t, srv, filepath.Join(t.TempDir(), "journal.db"), localcloud.DemoUsername, localcloud.DemoAPIKey)
	seeded, err := b.lc.AddApp(localcloud.AppSpec{AppID: "fieldops", Name: "Field Ops", URL: "https://fieldops.k8s.example.com",
		Team: []string{localcloud.DemoUsername}, Environments: []localcloud.EnvSpec{{Mode: "Test"}}})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := seeded.Env("Test")
	snap, err := b.lc.AddSnapshot(env.EnvironmentID, localcloud.SnapshotSpec{})
	if err != nil {
		t.Fatal(err)
	}
	app, err := b.client.GetApp(ctx, "fieldops")
	if err != nil {
		t.Fatalf("get the app (Mendix lists apps deployed elsewhere): %v", err)
	}
	// The environment as the account's list knew it; a single read is what is refused.
	tg := restore.Target{App: *app, Env: cloud.Environment{EnvironmentID: env.EnvironmentID, Mode: "Test", Status: cloud.StatusStopped, URL: env.URL}}
	if restore.IsFreeApp(tg) {
		t.Fatal("the app outside Mendix Cloud counts as a Free App")
	}
	before := b.digest(env.EnvironmentID)

	_, err = b.e.Plan(ctx, restore.Request{Source: restore.Source{SnapshotID: snap.SnapshotID}, Target: tg})
	if !errors.Is(err, restore.ErrNotOnMendixCloud) || errors.Is(err, restore.ErrFreeAppRefused) {
		t.Fatalf("Plan = %v, want ErrNotOnMendixCloud and no Free App refusal", err)
	}
	ex := explain.Explain(err)
	if !strings.Contains(ex.Summary, "Field Ops is not hosted on Mendix Cloud") || !strings.Contains(ex.Summary, "Nothing was changed") ||
		strings.Contains(ex.Summary, "Free App") {
		t.Errorf("summary %q", ex.Summary)
	}
	if ex.Handoff == nil {
		t.Fatal("no hand-off")
	}
	txt := ex.Handoff.Text()
	for _, want := range []string{"Mendix on Kubernetes", "environment Test", "Backups page", "the team that runs the app's cluster"} {
		if !strings.Contains(txt, want) {
			t.Errorf("hand-off lacks %q:\n%s", want, txt)
		}
	}
	for _, freeAppStep := range []string{"Stop Application", "Restore Backup", "Free App"} {
		if strings.Contains(txt, freeAppStep) {
			t.Errorf("hand-off gives the Free App step %q:\n%s", freeAppStep, txt)
		}
	}
	if b.digest(env.EnvironmentID) != before || len(b.lc.Restores(env.EnvironmentID)) != 0 {
		t.Error("the environment changed although the cloud refused")
	}

	// A list refused the same way, explained without the engine: both ways on are named.
	_, err = b.client.ListAllSnapshots(ctx, app.ProjectID, env.EnvironmentID)
	if !cloud.IsNotOnMendixCloud(err) {
		t.Fatalf("list = %v, want 400 NOT_SUPPORTED", err)
	}
	list := explain.Explain(err)
	for _, want := range []string{"only for apps hosted on Mendix Cloud", "Mendix on Kubernetes", "Free App"} {
		if !strings.Contains(list.String(), want) {
			t.Errorf("explanation %q lacks %q", list.String(), want)
		}
	}
}
