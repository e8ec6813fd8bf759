package localcloud_test

import (
	"net/http"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
)

func TestListAppsShowsTheDemoAccountsApps(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	var apps []appJSON
	a.call("GET", "/api/1/apps", nil, 200, &apps)
	got := map[string]appJSON{}
	for _, x := range apps {
		got[x.AppID] = x
	}
	want := map[string]struct{ name, url string }{
		"customerportal": {"Customer Portal", "https://customerportal.mendixcloud.com"},
		"orderdesk":      {"Order Desk", "https://orderdesk.mendixcloud.com"},
		"expensetracker": {"Expense Tracker", "https://expensetracker-sandbox.mxapps.io"},
	}
	if len(apps) != len(want) {
		t.Fatalf("got %d apps, want %d: %+v", len(apps), len(want), apps)
	}
	for id, w := range want {
		x, ok := got[id]
		if !ok || x.Name != w.name || x.URL != w.url || x.ProjectID != localcloud.ProjectID(id) {
			t.Errorf("app %s = %+v, want name %q url %q ProjectId %s", id, x, w.name, w.url, localcloud.ProjectID(id))
		}
	}
	// The exact PascalCase field names of v1.
	r := a.call("GET", "/api/1/apps/customerportal", nil, 200, nil)
	for _, f := range []string{`"AppId":"customerportal"`, `"Name":"Customer Portal"`, `"ProjectId":`, `"Url":`} {
		mustContain(t, string(r.body), f)
	}
}

func TestGetAppErrors(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	a.wantError("GET", "/api/1/apps/nosuchapp", nil, 404, "APP_NOT_FOUND")
	a.wantError("GET", "/api/1/apps/bad%20app!", nil, 400, "INVALID_APPID")
	a.wantError("GET", "/api/1/apps/nosuchapp/environments", nil, 404, "APP_NOT_FOUND")
}

func TestEnvironmentsOfLicensedAndFreeApps(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	var envs []envJSON
	a.call("GET", "/api/1/apps/customerportal/environments", nil, 200, &envs)
	if len(envs) != 3 {
		t.Fatalf("got %d environments, want Test, Acceptance, Production", len(envs))
	}
	for i, mode := range []string{"Test", "Acceptance", "Production"} {
		e := envs[i]
		if e.Mode != mode || e.EnvironmentID != localcloud.EnvironmentID("customerportal", mode) {
			t.Errorf("environment %d = %s %s, want %s", i, e.Mode, e.EnvironmentID, mode)
		}
		wantStatus, wantProd := "Stopped", false
		if mode == "Production" {
			wantStatus, wantProd = "Running", true
		}
		if e.Status != wantStatus || e.Production != wantProd || e.ModelVersion == "" || e.MendixVersion == "" {
			t.Errorf("%s = %+v, want status %s production %t with versions", mode, e, wantStatus, wantProd)
		}
	}
	if envs[1].URL != "https://customerportal-accp.mendixcloud.com" {
		t.Errorf("Acceptance URL %s", envs[1].URL)
	}

	// Mode matches in any case.
	var prod envJSON
	a.call("GET", "/api/1/apps/customerportal/environments/production", nil, 200, &prod)
	if prod.Mode != "Production" || prod.Status != "Running" {
		t.Errorf("production = %+v", prod)
	}
	a.wantError("GET", "/api/1/apps/customerportal/environments/Staging", nil, 404, "ENVIRONMENT_NOT_FOUND")

	// The Free App's Sandbox environment has no version fields at all.
	r := a.call("GET", "/api/1/apps/expensetracker/environments", nil, 200, &envs)
	if len(envs) != 1 || envs[0].Mode != "Sandbox" || envs[0].Status != "Running" ||
		envs[0].URL != "https://expensetracker-sandbox.mxapps.io" {
		t.Fatalf("free app environments = %+v", envs)
	}
	for _, absent := range []string{"ModelVersion", "MendixVersion", "RuntimeLayer"} {
		if strings.Contains(string(r.body), absent) {
			t.Errorf("Sandbox environment carries %s: %s", absent, r.body)
		}
	}
}

func TestStopThenStartWithJobPolling(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	const env = "/api/1/apps/orderdesk/environments/Production"
	a.stopEnv("orderdesk", "Production")
	// Stopping a stopped environment is harmless.
	a.call("POST", env+"/stop", nil, 200, nil)

	var job struct {
		JobID string `json:"JobId"`
	}
	a.call("POST", env+"/start", map[string]bool{"AutoSyncDb": true}, 200, &job)
	if job.JobID == "" {
		t.Fatal("start answered without JobId")
	}
	// A second start while the first runs is refused as documented.
	if r := a.do("POST", env+"/start", map[string]bool{"AutoSyncDb": true}); r.status != 200 {
		if code, _ := r.errorCode(); code != "APP_ALREADY_HAS_A_STARTING_JOB" {
			t.Fatalf("second start: %d %s", r.status, r.body)
		}
	}
	waitFor(t, "start job", func() string {
		var st struct{ Status string }
		a.call("GET", env+"/start/"+job.JobID, nil, 200, &st)
		return st.Status
	}, func(s string) bool { return s == "Started" })
	var e envJSON
	a.call("GET", env, nil, 200, &e)
	if e.Status != "Running" {
		t.Fatalf("after start: status %s", e.Status)
	}
	// Starting a running environment: 200 with ALREADY_STARTED.
	a.wantError("POST", env+"/start", map[string]bool{"AutoSyncDb": true}, 200, "ALREADY_STARTED")
	a.wantError("GET", env+"/start/00000000-0000-0000-0000-000000000000", nil, 404, "NO_SUCH_STARTJOB")
	// A job id of another environment is not found here.
	a.wantError("GET", "/api/1/apps/orderdesk/environments/Test/start/"+job.JobID, nil, 404, "NO_SUCH_STARTJOB")
}

func TestStartOfEmptyEnvironmentFails(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	_, err := s.Cloud().AddApp(localcloud.AppSpec{AppID: "newapp", Name: "New App", Team: []string{localcloud.DemoUsername},
		Environments: []localcloud.EnvSpec{{Mode: "Test", Status: "Empty", NoData: true}}})
	if err != nil {
		t.Fatal(err)
	}
	a.wantError("POST", "/api/1/apps/newapp/environments/Test/start", map[string]bool{"AutoSyncDb": true}, 500, "NO_MDA_HAS_BEEN_DEPLOYED")
}

func TestStartWithoutAutoSyncAfterRestoringAnOlderModelFails(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	// Test runs model 1.6.0.240; restore the Production data of model 1.4.0.211 into it.
	test := demoV2("customerportal", "Test")
	src := a.latestCompleted(demoV2("customerportal", "Production"))
	if r := a.waitRestore(test, a.restore(test, src.SnapshotID, false).RestoreID); r.State != "completed" {
		t.Fatalf("restore: %+v %s", r, str(r.StatusMessage))
	}
	const env = "/api/1/apps/customerportal/environments/Test"
	var job struct {
		JobID string `json:"JobId"`
	}
	a.call("POST", env+"/start", map[string]bool{"AutoSyncDb": false}, 200, &job)
	r := waitFor(t, "start job", func() response { return a.do("GET", env+"/start/"+job.JobID, nil) },
		func(r response) bool { return r.status != http.StatusOK || strings.Contains(string(r.body), "Started") })
	code, msg := r.errorCode()
	if r.status != 500 || code != "INVALID_DB_STRUCTURE" {
		t.Fatalf("start without AutoSyncDb after restoring an older model: %d %s", r.status, r.body)
	}
	mustContain(t, msg, "AutoSyncDb")
	// With AutoSyncDb the runtime aligns the database and the start succeeds.
	a.call("POST", env+"/start", map[string]bool{"AutoSyncDb": true}, 200, &job)
	waitFor(t, "start job", func() string {
		var st struct{ Status string }
		a.call("GET", env+"/start/"+job.JobID, nil, 200, &st)
		return st.Status
	}, func(s string) bool { return s == "Started" })
}
