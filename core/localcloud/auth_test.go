package localcloud_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"restoredesk/core/localcloud"
)

func TestWithoutValidCredentialsEveryCallIsUnauthorized(t *testing.T) {
	t.Parallel()
	s, _ := startDemo(t)
	paths := []struct{ method, path string }{
		{"GET", "/api/1/apps"},
		{"GET", "/api/1/apps/customerportal/environments/Production"},
		{"POST", "/api/1/apps/customerportal/environments/Production/stop"},
		{"GET", demoV2("customerportal", "Production") + "/snapshots"},
		{"POST", demoV2("customerportal", "Test") + "/restores?source_snapshot_id=x"},
		{"POST", demoV2("customerportal", "Test") + "/uploads/"},
	}
	clients := map[string]*api{
		"no headers":    newAPI(t, s, "", ""),
		"wrong key":     newAPI(t, s, localcloud.DemoUsername, "not-the-key"),
		"unknown user":  newAPI(t, s, "nobody@example.com", localcloud.DemoAPIKey),
		"other's key":   newAPI(t, s, localcloud.DemoUsername, localcloud.ViewerAPIKey),
		"username only": newAPI(t, s, localcloud.DemoUsername, ""),
	}
	for name, c := range clients {
		for _, p := range paths {
			msg := c.wantError(p.method, p.path, nil, 401, "UNAUTHORIZED")
			if msg != "Please provide valid credentials or set up a Mendix user session" {
				t.Errorf("%s %s %s: message %q", name, p.method, p.path, msg)
			}
		}
	}
	// The username is matched in any case, as e-mail addresses are.
	newAPI(t, s, "Demo@Example.com", localcloud.DemoAPIKey).call("GET", "/api/1/apps", nil, 200, nil)
}

func TestPermissionsPerEnvironment(t *testing.T) {
	t.Parallel()
	s, _ := startDemo(t)
	v := newAPI(t, s, localcloud.ViewerUsername, localcloud.ViewerAPIKey)
	var apps []appJSON
	v.call("GET", "/api/1/apps", nil, 200, &apps)
	if len(apps) != 1 || apps[0].AppID != "customerportal" {
		t.Fatalf("viewer sees %+v, want only customerportal", apps)
	}
	v.wantError("GET", "/api/1/apps/orderdesk", nil, 404, "APP_NOT_FOUND")
	// API rights everywhere on customerportal, backups on Test and Acceptance only.
	v.call("GET", "/api/1/apps/customerportal/environments/Production", nil, 200, nil)
	v.call("GET", demoV2("customerportal", "Test")+"/snapshots", nil, 200, nil)
	msg := v.wantError("GET", demoV2("customerportal", "Production")+"/snapshots", nil, 403, "NO_ACCESS")
	mustContain(t, msg, "Access to Backups")
	v.wantError("POST", demoV2("customerportal", "Production")+"/snapshots", nil, 403, "NO_ACCESS")
	v.wantError("POST", demoV2("customerportal", "Production")+"/uploads/", nil, 403, "NO_ACCESS")
	// Another app's environments are not found (the viewer is not on its team).
	v.wantError("GET", demoV2("orderdesk", "Test")+"/snapshots", nil, 404, "ENVIRONMENT_NOT_FOUND")
	// A Production snapshot cannot be restored into Test by someone without its backups.
	d := demoAPI(t, s)
	prodSnap := d.latestCompleted(demoV2("customerportal", "Production"))
	v.wantError("POST", demoV2("customerportal", "Test")+"/restores?source_snapshot_id="+prodSnap.SnapshotID, nil, 400, "NOT_FOUND")

	// Without API rights nothing works on that environment.
	if _, err := s.Cloud().AddApp(localcloud.AppSpec{AppID: "locked", Environments: []localcloud.EnvSpec{{Mode: "Test", NoData: true,
		Access: []localcloud.Access{{Username: localcloud.ViewerUsername, APIRights: false, Backups: true}}}}}); err != nil {
		t.Fatal(err)
	}
	v.call("GET", "/api/1/apps/locked", nil, 200, nil)
	v.wantError("GET", "/api/1/apps/locked/environments/Test", nil, 403, "NO_ACCESS")
	v.wantError("POST", "/api/1/apps/locked/environments/Test/stop", nil, 403, "NO_ACCESS")
	v.wantError("GET", v2(localcloud.ProjectID("locked"), localcloud.EnvironmentID("locked", "Test"))+"/snapshots", nil, 403, "NO_ACCESS")
}

func TestAPIKeysNeverReachTheDisk(t *testing.T) {
	t.Parallel()
	s, _ := startDemo(t)
	if err := s.Cloud().AddAccount("support@example.com", "a-very-secret-key-1234"); err != nil {
		t.Fatal(err)
	}
	newAPI(t, s, "support@example.com", "a-very-secret-key-1234").call("GET", "/api/1/apps", nil, 200, nil)
	newAPI(t, s, "support@example.com", "wrong").wantError("GET", "/api/1/apps", nil, 401, "UNAUTHORIZED")
	for _, secret := range []string{"a-very-secret-key-1234", localcloud.DemoAPIKey, localcloud.ViewerAPIKey} {
		err := filepath.WalkDir(s.Cloud().DataDir(), func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("API key %q stored in %s", secret, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
