package restore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// engineFor is an engine on b's cloud and journal that works for profile on apiURL.
func (b *bed) engineFor(profile, apiURL string) *restore.Engine {
	return restore.New(b.client, b.j, append(fastEngineOpts(), restore.WithAccount(profile, apiURL))...)
}

// A run is undone only by an engine of the account and cloud it was made with: another
// profile, or the same profile now pointing at another cloud, is refused with
// ErrOtherCloud, naming the run's account and host (never more of its URL), and nothing
// is sent. An engine that does not know its account refuses nothing, as before.
func TestUndoRefusesARunOfAnotherAccountOrCloud(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	tg := b.target(localcloud.DemoAppOrderDesk, "Test")
	here := b.client.BaseURL()
	host := strings.TrimPrefix(here, "http://")
	work := b.engineFor("work", here)
	p, err := work.Plan(ctx, restore.Request{Profile: "work", Source: restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID},
		Target: tg, Options: restore.Options{SafetyBackup: true}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := work.Run(ctx, p, nil)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	snapsBefore, restoresBefore := b.snapshotCount(tg.Env.EnvironmentID), len(b.lc.Restores(tg.Env.EnvironmentID))

	for name, c := range map[string]struct {
		e          *restore.Engine
		here, next string
	}{
		"another profile": {b.engineFor("home", here), "“home” on " + host, "Switch to the account “work” on " + host + " first, then undo it."},
		"another cloud":   {b.engineFor("work", "https://deploy.mendix.com"), "“work” on deploy.mendix.com", "Switch to the account “work” on " + host + " first, then undo it."},
	} {
		_, err := c.e.Undo(ctx, res.RunID)
		if !errors.Is(err, restore.ErrOtherCloud) {
			t.Errorf("%s: Undo = %v, want ErrOtherCloud", name, err)
			continue
		}
		ex := explain.Explain(err)
		if !strings.Contains(ex.Summary, "was made with the account “work” on "+host) || !strings.Contains(ex.Summary, c.here+" is in use now") ||
			!strings.Contains(ex.Summary, "Nothing was sent") || ex.NextStep != c.next {
			t.Errorf("%s: explained %q / %q", name, ex.Summary, ex.NextStep)
		}
		if strings.Contains(ex.Summary+ex.NextStep, "http://") {
			t.Errorf("%s: more than the host of the URL is shown: %q", name, ex.Summary)
		}
	}
	if b.snapshotCount(tg.Env.EnvironmentID) != snapsBefore || len(b.lc.Restores(tg.Env.EnvironmentID)) != restoresBefore {
		t.Error("a refused undo sent something")
	}
	if runs := listRuns(t, b.j, journal.Filter{}); len(runs) != 1 {
		t.Errorf("journal holds %d runs: a refused undo must leave no trace", len(runs))
	}

	// The run's own account (its URL written another way) and an engine that does not
	// know its account both plan the undo.
	for name, e := range map[string]*restore.Engine{"same account": b.engineFor("work", strings.ToUpper(here)+"/"), "unknown account": b.e} {
		if undo, err := e.Undo(ctx, res.RunID); err != nil || undo.UndoOf != res.RunID {
			t.Errorf("%s: Undo = %+v, %v; want the undo planned", name, undo, err)
		}
	}
}

// An interrupted run made on another cloud is not followed by Reattach (nor its
// environment started by PlanStartAfter's plan): it stays unfinished for an engine of its own cloud,
// which closes it. An interrupted download touches no cloud and is closed by any engine.
func TestReattachRefusesARunOfAnotherCloud(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	prod := b.target(localcloud.DemoAppOrderDesk, "Production")
	other := "https://user:secret@restore.example.com"
	stopID, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindStop, Profile: "work", APIURL: other, AppID: prod.App.AppID, ProjectID: prod.App.ProjectID,
		EnvID: prod.Env.EnvironmentID, Mode: "Production", Steps: []journal.Step{{Kind: "stop", Title: "Stop Production"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.j.SetStoppedEnv(ctx, stopID, true)
	dlID, err := b.j.Create(ctx, &journal.Run{Kind: journal.KindDownload, Profile: "work", APIURL: other, SnapshotID: "snap-1", AppID: prod.App.AppID, Mode: "Production",
		Steps: []journal.Step{{Kind: string(restore.StepArchive), Title: "Archive"}, {Kind: string(restore.StepDownload), Title: "Download"}}})
	if err != nil {
		t.Fatal(err)
	}

	here := b.engineFor("work", b.client.BaseURL())
	_, err = here.Reattach(ctx, stopID, nil)
	if !errors.Is(err, restore.ErrOtherCloud) {
		t.Fatalf("Reattach = %v, want ErrOtherCloud", err)
	}
	ex := explain.Explain(err)
	if ex.NextStep != "Switch to the account “work” on restore.example.com first, then follow it again." || strings.Contains(err.Error(), "secret") {
		t.Errorf("explained %q / %q (error %v)", ex.Summary, ex.NextStep, err)
	}
	if _, err := here.PlanStartAfter(ctx, stopID); !errors.Is(err, restore.ErrOtherCloud) {
		t.Errorf("PlanStartAfter = %v, want ErrOtherCloud", err)
	}
	if s := b.status(prod.Env.EnvironmentID); s != "Running" {
		t.Errorf("Production is %s: the refused start or stop reached the cloud", s)
	}
	if jr := getRun(t, b.j, stopID); jr.Status != journal.StatusRunning {
		t.Errorf("the refused run is %s, want it left unfinished for its own cloud", jr.Status)
	}

	if _, err := here.Reattach(ctx, dlID, nil); !errors.Is(err, restore.ErrInterrupted) {
		t.Errorf("Reattach of the download = %v, want it closed as interrupted", err)
	}
	if _, err := b.engineFor("work", other).Reattach(ctx, stopID, nil); errors.Is(err, restore.ErrOtherCloud) {
		t.Errorf("the run's own cloud refused it: %v", err)
	}
}
