package localcloud_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// curl runs the real curl binary with the documented headers and returns the body and the
// HTTP status.
func curl(t *testing.T, args ...string) (string, string) {
	t.Helper()
	full := append([]string{"-sS", "--max-time", "20", "-w", "\n%{http_code}"}, args...)
	out, err := exec.Command("curl", full...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	s := strings.TrimRight(string(out), "\n")
	i := strings.LastIndex(s, "\n")
	return s[:i], s[i+1:]
}

func TestCurlAgainstServeDemo(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed (make deps installs it): skipping the curl proof")
	}
	s := localcloudtest.Start(t, localcloudtest.WithJobDelay(5*time.Millisecond))
	auth := []string{"-H", "Mendix-Username: " + localcloud.DemoUsername, "-H", "Mendix-ApiKey: " + localcloud.DemoAPIKey,
		"-H", "Content-Type: application/json"}
	get := func(path string) (string, string) { return curl(t, append(auth, s.URL()+path)...) }
	post := func(path string) (string, string) { return curl(t, append(auth, "-X", "POST", s.URL()+path)...) }

	body, code := get("/api/1/apps")
	var apps []struct{ AppId, Name, ProjectId, Url string }
	if code != "200" || json.Unmarshal([]byte(body), &apps) != nil || len(apps) != 3 {
		t.Fatalf("GET /api/1/apps: %s %s", code, body)
	}
	var cp struct{ AppId, ProjectId string }
	for _, a := range apps {
		if a.AppId == "customerportal" {
			cp.AppId, cp.ProjectId = a.AppId, a.ProjectId
		}
	}
	body, code = get("/api/1/apps/customerportal/environments")
	var envs []struct{ EnvironmentId, Mode, Status string }
	if code != "200" || json.Unmarshal([]byte(body), &envs) != nil || len(envs) != 3 {
		t.Fatalf("environments: %s %s", code, body)
	}
	ids := map[string]string{}
	for _, e := range envs {
		ids[e.Mode] = e.EnvironmentId
	}
	p := "/api/v2/apps/" + cp.ProjectId + "/environments/"
	body, code = get(p + ids["Production"] + "/snapshots?offset=0&limit=2")
	var page struct {
		Snapshots []struct {
			SnapshotID string `json:"snapshot_id"`
		}
		Total int
	}
	if code != "200" || json.Unmarshal([]byte(body), &page) != nil || len(page.Snapshots) != 2 || page.Total < 10 {
		t.Fatalf("snapshots: %s %s", code, body)
	}

	// The restore flow of the docs: stop, restore, poll.
	if _, code := post("/api/1/apps/customerportal/environments/Acceptance/stop"); code != "200" {
		t.Fatalf("stop: %s", code)
	}
	body, code = post(p + ids["Acceptance"] + "/restores?source_snapshot_id=" + page.Snapshots[0].SnapshotID + "&db_only=false")
	var r struct {
		RestoreID string `json:"restore_id"`
		State     string
	}
	if code != "200" || json.Unmarshal([]byte(body), &r) != nil || r.State != "queued" {
		t.Fatalf("restore: %s %s", code, body)
	}
	waitFor(t, "restore via curl", func() string {
		body, _ := get(p + ids["Acceptance"] + "/restores/" + r.RestoreID)
		return body
	}, func(b string) bool { return strings.Contains(b, `"state":"completed"`) })

	// Errors come back in the documented shape.
	body, code = curl(t, s.URL()+"/api/1/apps")
	if code != "401" || !strings.Contains(body, `"errorCode":"UNAUTHORIZED"`) {
		t.Fatalf("without headers: %s %s", code, body)
	}
	body, code = post(p + ids["Production"] + "/restores?source_snapshot_id=" + page.Snapshots[0].SnapshotID)
	if code != "400" || !strings.Contains(body, "Please stop loft before restarting a backup.") {
		t.Fatalf("restore into running Production: %s %s", code, body)
	}
}
