package cloud

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The documented response quirks (cloud-api.md §1.3, §2, §3), served over real HTTP.

func quirkServer(t *testing.T, routes map[string]string) *Client {
	t.Helper()
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		body, ok := routes[r.URL.Path]
		if !ok {
			writeJSONString(w, 404, `{"errorCode":"NOT_FOUND","errorMessage":"no route"}`)
			return
		}
		writeJSONString(w, 200, body)
	})
	return newTestClient(t, srv.URL)
}

func TestEnvironmentQuirks(t *testing.T) {
	c := quirkServer(t, map[string]string{
		"/api/1/apps/calc/environments": `[
		  {"Status":"Running","EnvironmentId":"e-prod","Mode":"Production","Url":"https://calc.mendixcloud.com",
		   "ModelVersion":"1.2.0.77","MendixVersion":"10.6.1","Production":true,
		   "Instances":2,"MemoryPerInstance":1024,"TotalMemory":2048,"RuntimeLayer":"Ubuntu 22.04",
		   "SomethingNew":{"nested":[1,2,3]}},
		  {"Status":"Stopped","EnvironmentId":"e-acc","Mode":"acceptance","Url":"https://calc-accp.mendixcloud.com",
		   "Production":"false","Instances":"1","MemoryPerInstance":null},
		  {"Status":"NotDeployed","EnvironmentId":"e-test","Mode":"Test"}
		]`,
		"/api/1/apps/free/environments": `[{"Status":"Running","EnvironmentId":"e-sb","Mode":"Sandbox","Url":"https://free-sandbox.mxapps.io","Production":false}]`,
	})
	envs, err := c.ListEnvironments(context.Background(), "calc")
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 3 {
		t.Fatalf("got %d environments, want 3", len(envs))
	}
	prod, acc, test := envs[0], envs[1], envs[2]
	if !prod.IsProduction() || prod.Instances != 2 || prod.TotalMemory != 2048 || prod.RuntimeLayer != "Ubuntu 22.04" || prod.MendixVersion != "10.6.1" {
		t.Errorf("production parsed as %+v", prod)
	}
	if acc.IsProduction() || bool(acc.Production) || acc.Instances != 1 || acc.MemoryPerInstance != 0 || acc.ModelVersion != "" {
		t.Errorf(`acceptance with Production "false" and missing versions parsed as %+v`, acc)
	}
	if test.Status.Known() || test.Status != "NotDeployed" || test.Status.Label() != "Unknown (NotDeployed)" {
		t.Errorf("unknown status kept as %q, label %q; want raw value and Unknown label", test.Status, test.Status.Label())
	}
	if test.Status == StatusStopped {
		t.Error("an unknown status was taken for Stopped")
	}
	if got := acc.Status.Label(); got != "Stopped" {
		t.Errorf("Stopped label %q", got)
	}

	free, err := c.ListEnvironments(context.Background(), "free")
	if err != nil {
		t.Fatal(err)
	}
	if len(free) != 1 || free[0].Mode != "Sandbox" || free[0].ModelVersion != "" || free[0].MendixVersion != "" {
		t.Errorf("Free App environment without versions parsed as %+v", free)
	}
}

func TestSnapshotArchiveRestoreQuirks(t *testing.T) {
	c := quirkServer(t, map[string]string{
		"/api/v2/apps/p/environments/e/snapshots": `{"snapshots":[
		   {"snapshot_id":"s1","state":"completed","status_message":"Completed backup creation","comment":"Automatically created nightly snapshot",
		    "model_version":"1.0.0.1","created_at":"2021-05-05T18:38:41.000Z","updated_at":"2021-05-05T18:40:00.123Z",
		    "finished_at":"2021-05-05T18:41:00.000Z","expires_at":"2021-05-19T18:41:00.000Z","size_bytes":123,"kind":"nightly"},
		   {"snapshot_id":"s2","state":"failed","status_message":"Backup failed","comment":"x","created_at":"2021-05-06T00:00:00Z",
		    "updated_at":null,"finished_at":null,"expires_at":""},
		   {"snapshot_id":"s3","state":"paused","created_at":"2021-05-07T01:02:03"}
		 ],"total":3,"offset":0,"limit":100,"extra":true}`,
		"/api/v2/apps/p/environments/e/snapshots/s1/archives/a1": `{"archive_id":"a1","snapshot_id":"s1","data_type":"database_only",
		   "state":"running","status_message":"Preparing","created_at":"2021-05-05T18:38:41.000Z","updated_at":null,"finished_at":null,"url":null}`,
		"/api/v2/apps/p/environments/e/restores/r1": `{"restore_id":"r1","source_snapshot_id":"s1","source_environment_id":"e0",
		   "target_environment_id":"e","state":"completed","status_message":"Restore completed",
		   "created_at":"2021-05-05T18:38:41.000Z","updated_at":"2021-05-05T18:38:42.000Z","finished_at":"2021-05-05T18:39:00.000Z","new":1}`,
	})
	ctx := context.Background()
	page, err := c.ListSnapshots(ctx, "p", "e", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || len(page.Snapshots) != 3 {
		t.Fatalf("page %+v", page)
	}
	s1, s2, s3 := page.Snapshots[0], page.Snapshots[1], page.Snapshots[2]
	if want := time.Date(2021, 5, 5, 18, 38, 41, 0, time.UTC); !s1.CreatedAt.Equal(want) {
		t.Errorf("created_at = %v, want %v", s1.CreatedAt, want)
	}
	if want := time.Date(2021, 5, 5, 18, 40, 0, 123e6, time.UTC); !s1.UpdatedAt.Equal(want) {
		t.Errorf("updated_at with milliseconds = %v, want %v", s1.UpdatedAt, want)
	}
	if s1.State != StateCompleted || !s1.State.Done() || s1.ModelVersion != "1.0.0.1" {
		t.Errorf("s1 = %+v", s1)
	}
	if !s2.UpdatedAt.IsZero() || !s2.FinishedAt.IsZero() || !s2.ExpiresAt.IsZero() || s2.ModelVersion != "" {
		t.Errorf("null/empty times and a missing model_version must be zero: %+v", s2)
	}
	if s3.State.Known() || s3.State.Label() != "Unknown (paused)" || s3.State.Done() {
		t.Errorf("unknown state %q label %q", s3.State, s3.State.Label())
	}
	if s3.CreatedAt.IsZero() {
		t.Error("a time without zone was dropped")
	}

	a, err := c.GetArchive(ctx, "p", "e", "s1", "a1")
	if err != nil {
		t.Fatal(err)
	}
	if a.URL != "" || a.DataType != DataDatabaseOnly || !a.FinishedAt.IsZero() || a.CreatedAt.IsZero() {
		t.Errorf("archive = %+v", a)
	}
	r, err := c.GetRestore(ctx, "p", "e", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if r.SourceEnvironmentID != "e0" || r.State != StateCompleted || r.FinishedAt.IsZero() {
		t.Errorf("restore = %+v", r)
	}
}

func TestV1EpochMillis(t *testing.T) {
	var list []SnapshotV1
	err := json.Unmarshal([]byte(`[{"SnapshotID":"x","Comment":"c","State":"Completed","CreatedOn":1501855670000,"ExpiresOn":null,"ModelVersion":"1.0","Extra":1}]`), &list)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2017, 8, 4, 14, 7, 50, 0, time.UTC); !list[0].CreatedOn.Equal(want) {
		t.Errorf("CreatedOn = %v, want %v", list[0].CreatedOn.Time, want)
	}
	if !list[0].ExpiresOn.IsZero() {
		t.Errorf("null ExpiresOn = %v, want zero", list[0].ExpiresOn.Time)
	}
	out, _ := json.Marshal(list[0])
	if !strings.Contains(string(out), `"CreatedOn":1501855670000`) || !strings.Contains(string(out), `"ExpiresOn":null`) {
		t.Errorf("round trip: %s", out)
	}
	var bad SnapshotV1
	if err := json.Unmarshal([]byte(`{"CreatedOn":"yesterday"}`), &bad); err == nil {
		t.Error("a non-number epoch was accepted")
	}
}

func TestUnexpectedAnswerIsAClearError(t *testing.T) {
	c := quirkServer(t, map[string]string{
		"/api/1/apps":      `<html>maintenance</html>`,
		"/api/1/apps/calc": ``,
	})
	_, err := c.ListApps(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not the expected JSON") {
		t.Errorf("HTML answer: %v", err)
	}
	_, err = c.GetApp(context.Background(), "calc")
	if err == nil || !strings.Contains(err.Error(), "empty answer") {
		t.Errorf("empty answer: %v", err)
	}
}
