package explain_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
)

const (
	v2 = "/api/v2/apps/0b5a7c1e/environments/7f3c2d10"
	v1 = "/api/1/apps/orderdesk/environments/Production"
)

// Every code cloud-api.md documents in §1.4, §2 and §3, with the status and endpoint it
// comes from.
var documented = []struct {
	status       int
	code, method string
	path, msg    string
	wantInSumm   string // a word the summary must use (its meaning, not its code)
}{
	{400, "INVALID_PARAMETERS", "GET", v2 + "/snapshots", "", "details"},
	{400, "INVALID_ENVIRONMENT", "GET", v1, "", "environment"},
	{400, "INVALID_APPID", "GET", "/api/1/apps/x y", "", "app"},
	{400, "NOT_SUPPORTED", "GET", v2 + "/snapshots", "", "only for apps hosted on Mendix Cloud"},
	{400, "INVALID_STATE", "POST", v2 + "/restores", "", "maintenance"},
	{400, "ENVIRONMENT_BUSY", "POST", v2 + "/snapshots", "", "busy"},
	{400, "ERROR_NOT_ALLOWED", "POST", v2 + "/restores", "Not allowed to restore backups.", "not of your account"},
	{400, "ERROR_NOT_ALLOWED", "POST", v2 + "/restores", "Restore failed, backup is not in the right state to start restoring.", "not ready"},
	{400, "ERROR_NOT_ALLOWED", "POST", v2 + "/restores", "Please stop loft before restarting a backup.", "still running"},
	{400, "UNSUPPORTED", "POST", v2 + "/snapshots/s1/archives", "", "download"},
	{400, "NOT_FOUND", "POST", v2 + "/restores", "Source snapshot not found", "backup to restore from"},
	{400, "NOT_FOUND", "GET", v2 + "/restores/r1", "Restore not found", "no longer knows this restore"},
	{401, "UNAUTHORIZED", "GET", "/api/1/apps", "Please provide valid credentials", "API key"},
	{403, "NO_ACCESS", "GET", v2 + "/snapshots", "", "not allowed"},
	{403, "TRANSPORT_NOT_ALLOWED", "POST", v1 + "/transport", "", "not allowed"},
	{403, "APP_IS_RUNNING", "POST", v2 + "/restores", "", "still running"},
	{403, "ENVIRONMENT_NOT_STOPPED", "POST", v2 + "/restores", "", "still running"},
	{404, "ENVIRONMENT_NOT_FOUND", "GET", v1, "", "environment"},
	{404, "APP_NOT_FOUND", "GET", "/api/1/apps/nope", "", "app"},
	{404, "NOT_FOUND", "GET", v2 + "/snapshots/s1", "", "backup"},
	{404, "NOT_FOUND", "GET", v2 + "/snapshots/s1/archives/a1", "", "download"},
	{404, "SNAPSHOT_NOT_FOUND", "GET", v1 + "/snapshots/s1", "", "backup"},
	{404, "NO_SUCH_STARTJOB", "GET", v1 + "/start/j1", "", "start"},
	{404, "PACKAGE_NOT_FOUND", "GET", "/api/1/apps/orderdesk/packages/p1", "", "package"},
	{422, "ENVIRONMENT_NOT_DEPLOYED", "POST", v1 + "/clean", "", "deployed"},
	{500, "SERVICE_UNAVAILABLE", "POST", v2 + "/restores", "", "could not do this"},
	{500, "SNAPSHOT_LISTING_FAILED", "GET", v2 + "/snapshots", "", "list the backups"},
	{500, "STOP_FAILED", "POST", v1 + "/stop", "", "could not stop"},
	{500, "INTERNAL_SERVER_ERROR", "GET", v1 + "/snapshots/s1", "", "internal problem"},
	{200, "ALREADY_STARTED", "POST", v1 + "/start", "", "already running"},
	{500, "NO_MDA_HAS_BEEN_DEPLOYED", "POST", v1 + "/start", "", "no app package"},
	{500, "APP_ALREADY_HAS_A_STARTING_JOB", "POST", v1 + "/start", "", "already being started"},
	{500, "NO_PACKAGE", "GET", v1 + "/start/j1", "", "no app package"},
	{500, "ALREADY_LOCKED", "GET", v1 + "/start/j1", "", "locked"},
	{500, "DB_SYNC_FAILED", "GET", v1 + "/start/j1", "", "database"},
	{500, "INVALID_DB_STRUCTURE", "GET", v1 + "/start/j1", "", "structure"},
	{500, "MISSING_CONSTANT", "GET", v1 + "/start/j1", "", "constant"},
	{500, "INSECURE_ADMIN_PASSWORD", "GET", v1 + "/start/j1", "", "administrator password"},
	{500, "STARTUP_ACTION_FAILED", "GET", v1 + "/start/j1", "", "start-up action"},
	{500, "START_FAILED", "GET", v1 + "/start/j1", "", "did not start"},
	{400, "INVALID_PROJECTID", "POST", "/api/1/apps", "", "project id"},
	{400, "APPLICATION_ALREADY_EXISTS", "POST", "/api/1/apps", "", "already has an environment"},
}

func TestEveryDocumentedCodeIsExplained(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	generic := explain.ExplainAt(&cloud.APIError{StatusCode: 418, Code: "TEAPOT"}, at).Summary
	for _, c := range documented {
		t.Run(c.code+"_"+c.msg, func(t *testing.T) {
			ae := &cloud.APIError{StatusCode: c.status, Code: c.code, Message: c.msg, Method: c.method, Path: c.path}
			err := fmt.Errorf("restore backup s1 into environment Production: %w", ae)
			e := explain.ExplainAt(err, at)
			if e.Summary == "" || e.NextStep == "" {
				t.Fatalf("empty explanation: %+v", e)
			}
			if e.Summary == generic {
				t.Errorf("%s got the generic fallback %q", c.code, e.Summary)
			}
			if strings.Contains(e.Summary, c.code) || strings.Contains(e.Summary, "HTTP") {
				t.Errorf("summary is technical: %q", e.Summary)
			}
			if !strings.Contains(strings.ToLower(e.Summary), strings.ToLower(c.wantInSumm)) {
				t.Errorf("summary %q does not say %q", e.Summary, c.wantInSumm)
			}
			for _, want := range []string{fmt.Sprintf("HTTP %d %s", c.status, c.code), c.method + " " + c.path, "2026-11-26T09:30:00Z", c.msg} {
				if !strings.Contains(e.Detail, want) {
					t.Errorf("detail lacks %q:\n%s", want, e.Detail)
				}
			}
			if e.Status != c.status || e.Code != c.code || e.Path != c.path {
				t.Errorf("facts = %d %s %s", e.Status, e.Code, e.Path)
			}
		})
	}
}

func TestStatusWithoutCode(t *testing.T) {
	for status, want := range map[int]string{
		401: "API key", 403: "not allowed", 404: "not found", 429: "slow down",
		500: "problem on its side", 502: "gateway", 503: "temporarily unavailable",
	} {
		e := explain.Explain(&cloud.APIError{StatusCode: status, Method: "GET", Path: "/api/1/apps"})
		if !strings.Contains(e.Summary, want) || e.NextStep == "" {
			t.Errorf("HTTP %d: %q / %q, want it to say %q", status, e.Summary, e.NextStep, want)
		}
	}
}

// Network failures made for real: a closed port, an untrusted certificate, a server that
// answers too late.
func TestNetworkFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()
	_, refused := http.Get("http://" + closedAddr + "/api/1/apps")

	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsSrv.Close()
	_, untrusted := http.Get(tlsSrv.URL)

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()
	_, timeout := (&http.Client{Timeout: 20 * time.Millisecond}).Get(slow.URL)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, slow.URL, nil)
	_, cancelled := http.DefaultClient.Do(req)

	cases := []struct {
		name string
		err  error
		want string
	}{
		{"refused", refused, "refused the connection"},
		{"tls", untrusted, "could not be trusted"},
		{"timeout", timeout, "did not answer in time"},
		{"cancelled", cancelled, "cancelled"},
		{"dns", fmt.Errorf("list apps: %w", &net.DNSError{Err: "no such host", Name: "deploy.example.invalid", IsNotFound: true}), "could not be found"},
		{"ambiguous", &cloud.AmbiguousError{Op: "create restore", Err: errors.New("connection reset by peer")}, "not known whether"},
		{"uploads", fmt.Errorf("create upload: %w", cloud.ErrUploadsUnsupported), "Mendix Portal"},
		{"other", errors.New("disk on fire"), "unexpected"},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Fatalf("%s: the failure did not happen", c.name)
		}
		e := explain.Explain(c.err)
		if !strings.Contains(e.Summary, c.want) || e.NextStep == "" {
			t.Errorf("%s (%v): %q / %q, want %q", c.name, c.err, e.Summary, e.NextStep, c.want)
		}
		if !strings.Contains(e.Detail, c.err.Error()) {
			t.Errorf("%s: detail lacks the error text", c.name)
		}
	}
}

type plainErr struct{ err error }

func (p plainErr) Error() string         { return "restore: " + p.err.Error() }
func (p plainErr) Unwrap() error         { return p.err }
func (p plainErr) PlainSummary() string  { return "The restore into Production failed." }
func (p plainErr) PlainNextStep() string { return "" }

func TestPlainErrorsKeepTheirWordsAndTheDetail(t *testing.T) {
	err := fmt.Errorf("run 3: %w", plainErr{&cloud.APIError{StatusCode: 400, Code: "ENVIRONMENT_BUSY", Method: "POST", Path: v2 + "/restores"}})
	e := explain.Explain(err)
	if e.Summary != "The restore into Production failed." {
		t.Errorf("summary = %q", e.Summary)
	}
	if !strings.Contains(e.NextStep, "Wait a few minutes") {
		t.Errorf("next step should fall back to the code's: %q", e.NextStep)
	}
	if !strings.Contains(e.Detail, "ENVIRONMENT_BUSY") {
		t.Errorf("detail lost the API answer: %s", e.Detail)
	}
}

func TestSupportTextNeverCarriesAKey(t *testing.T) {
	err := fmt.Errorf("request failed: Mendix-ApiKey: s3cr3t-key-123 sent; apikey=abc123&x=1; %w",
		&cloud.APIError{StatusCode: 401, Code: "UNAUTHORIZED", Message: `{"Mendix-ApiKey":"s3cr3t-key-123"}`, Method: "GET", Path: "/api/1/apps"})
	txt := explain.Explain(err).SupportText()
	if strings.Contains(txt, "s3cr3t") || strings.Contains(txt, "abc123") {
		t.Errorf("support text leaks a key:\n%s", txt)
	}
	for _, want := range []string{"What happened:", "Next step:", "HTTP 401 UNAUTHORIZED", "GET /api/1/apps"} {
		if !strings.Contains(txt, want) {
			t.Errorf("support text lacks %q:\n%s", want, txt)
		}
	}
	if explain.Explain(nil) != (explain.Explanation{}) {
		t.Error("nil error should explain to nothing")
	}
}

// busySafety is how the engine words a failed safety backup: its own advice offers to go
// on without one, which is wrong when the environment was merely busy.
type busySafety struct{ err error }

func (p busySafety) Error() string        { return "safety backup: " + p.err.Error() }
func (p busySafety) Unwrap() error        { return p.err }
func (p busySafety) PlainSummary() string { return "The safety backup of Test could not be started." }
func (p busySafety) PlainNextStep() string {
	return "Try again in a few minutes, or restore without a safety backup if you accept that it cannot be undone."
}

func TestEnvironmentBusyNeverSuggestsGivingUpTheSafetyBackup(t *testing.T) {
	busy := &cloud.APIError{StatusCode: 400, Code: "ENVIRONMENT_BUSY", Method: "POST", Path: v2 + "/snapshots"}
	for _, err := range []error{busy, busySafety{busy}, fmt.Errorf("run 4: %w", busySafety{busy})} {
		e := explain.Explain(err)
		if strings.Contains(strings.ToLower(e.NextStep), "without a safety backup") {
			t.Errorf("%v: next step gives up the safety backup: %q", err, e.NextStep)
		}
		if !strings.Contains(e.NextStep, "Wait a few minutes") || !strings.Contains(e.NextStep, "safety backup included") {
			t.Errorf("%v: next step = %q, want to wait and keep the safety backup", err, e.NextStep)
		}
	}
	// Other causes keep the engine's own advice.
	other := busySafety{&cloud.APIError{StatusCode: 500, Code: "INTERNAL_ERROR"}}
	if e := explain.Explain(other); !strings.Contains(e.NextStep, "without a safety backup") {
		t.Errorf("a non-busy failure lost the engine's advice: %q", e.NextStep)
	}
}

// The refusal Free Apps get is not "not hosted on Mendix Cloud": Free Apps are hosted there.
func TestNotSupportedDoesNotSayNotHosted(t *testing.T) {
	e := explain.Explain(&cloud.APIError{StatusCode: 400, Code: "NOT_SUPPORTED", Method: "POST", Path: "/api/1/apps/x/environments/Sandbox/stop"})
	if strings.Contains(e.Summary, "not hosted") || !strings.Contains(e.Summary, "Nothing was changed") || !strings.Contains(e.NextStep, cloud.PortalURL) {
		t.Errorf("explanation = %+v", e)
	}
}

func TestRestoreOutOfRoomSaysTheDocsRule(t *testing.T) {
	err := fmt.Errorf("restore failed: %w: %s", cloud.ErrNoRoom, "Restore failed: no space left on device")
	e := explain.Explain(err)
	if !strings.Contains(e.Summary, "decompressed database plus 2.25 GB") {
		t.Errorf("summary = %q", e.Summary)
	}
	if !cloud.LacksRoom("Restore failed: not enough disk space") || cloud.LacksRoom("Restore completed") {
		t.Error("LacksRoom misreads status messages")
	}
}
