package cloud

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestAPIErrorBodies(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes, multi-byte characters
	cases := []struct {
		name        string
		status      int
		body        string
		wantCode    string
		wantMessage string
	}{
		{"documented", 403, `{"errorCode":"NO_ACCESS","errorMessage":"You have no access","x":1}`, "NO_ACCESS", "You have no access"},
		{"peer 401", 401, `{"errorMessage": "UNAUTHORIZED:Please provide valid credentials", "errorCode": "UNAUTHORIZED"}`, "UNAUTHORIZED", "UNAUTHORIZED:Please provide valid credentials"},
		{"deploy v4", 400, `{"error":{"code":400,"message":"bad request"}}`, "400", "bad request"},
		{"plain text", 502, "Bad Gateway\n\n  upstream   closed\n", "", "Bad Gateway upstream closed"},
		{"empty", 500, "", "", ""},
		{"json without fields", 500, `{"status":"down"}`, "", `{"status":"down"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := newTestClient(t, srv.URL, WithRetries(0)).CreateSnapshot(context.Background(), "p", "e", "")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.StatusCode != tc.status || ae.Code != tc.wantCode || ae.Message != tc.wantMessage {
				t.Errorf("got status %d code %q message %q", ae.StatusCode, ae.Code, ae.Message)
			}
			if ae.Method != "POST" || ae.Path != "/api/v2/apps/p/environments/e/snapshots" {
				t.Errorf("method/path %s %s", ae.Method, ae.Path)
			}
		})
	}

	t.Run("long body is bounded", func(t *testing.T) {
		srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(400)
			_, _ = w.Write([]byte("<html><body>" + long + "</body></html>"))
		})
		_, err := newTestClient(t, srv.URL).GetApp(context.Background(), "calc")
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v", err)
		}
		if len(ae.Message) > maxErrorMessage+len("…") || !strings.HasPrefix(ae.Message, "<html><body>é") || !strings.HasSuffix(ae.Message, "…") {
			t.Errorf("message of %d bytes: %q", len(ae.Message), ae.Message)
		}
		if !strings.Contains(err.Error(), "HTTP 400") {
			t.Errorf("error text %q lacks the status", err)
		}
	})
}

func TestAPIErrorIsMapsCodesToSentinels(t *testing.T) {
	all := []error{ErrUnauthorized, ErrNoAccess, ErrNotFound, ErrNotAllowed, ErrBusy, ErrMaintenance, ErrRateLimited, ErrUnavailable, ErrAlreadyStarted}
	cases := []struct {
		status int
		code   string
		want   []error
	}{
		{401, "", []error{ErrUnauthorized}},
		{401, "UNAUTHORIZED", []error{ErrUnauthorized}},
		{403, "NO_ACCESS", []error{ErrNoAccess}},
		{403, "", []error{ErrNoAccess}},
		{404, "ENVIRONMENT_NOT_FOUND", []error{ErrNotFound}},
		{404, "", []error{ErrNotFound}},
		{404, "NO_SUCH_STARTJOB", []error{ErrNotFound}},
		{400, "NOT_FOUND", []error{ErrNotFound}},
		{400, "ERROR_NOT_ALLOWED", []error{ErrNotAllowed}},
		{403, "APP_IS_RUNNING", []error{ErrNotAllowed}},
		{403, "ENVIRONMENT_NOT_STOPPED", []error{ErrNotAllowed}},
		{400, "ENVIRONMENT_BUSY", []error{ErrBusy}},
		{500, "APP_ALREADY_HAS_A_STARTING_JOB", []error{ErrBusy}},
		{400, "INVALID_STATE", []error{ErrMaintenance}},
		{429, "", []error{ErrRateLimited}},
		{503, "", []error{ErrUnavailable}},
		{500, "SERVICE_UNAVAILABLE", []error{ErrUnavailable}},
		{500, "ALREADY_STARTED", []error{ErrAlreadyStarted}},
		{400, "INVALID_PARAMETERS", nil},
		{500, "STOP_FAILED", nil},
	}
	for _, tc := range cases {
		err := error(&APIError{StatusCode: tc.status, Code: tc.code})
		for _, s := range all {
			want := false
			for _, w := range tc.want {
				want = want || w == s
			}
			if got := errors.Is(err, s); got != want {
				t.Errorf("errors.Is(%d %s, %v) = %v, want %v", tc.status, tc.code, s, got, want)
			}
		}
	}
}

func TestIsStillRunning(t *testing.T) {
	running := []error{
		&APIError{StatusCode: 400, Code: "ERROR_NOT_ALLOWED", Message: "Please stop loft before restarting a backup."},
		&APIError{StatusCode: 403, Code: "APP_IS_RUNNING"},
		&APIError{StatusCode: 403, Code: "ENVIRONMENT_NOT_STOPPED"},
	}
	for _, err := range running {
		if !IsStillRunning(err) || !IsStillRunning(&AmbiguousError{Op: "x", Err: err}) {
			t.Errorf("IsStillRunning(%v) = false", err)
		}
	}
	notRunning := []error{
		&APIError{StatusCode: 400, Code: "ERROR_NOT_ALLOWED", Message: "Not allowed to restore backups."},
		&APIError{StatusCode: 400, Code: "ERROR_NOT_ALLOWED", Message: "Restore failed, backup is not in the right state to start restoring."},
		&APIError{StatusCode: 400, Code: "ENVIRONMENT_BUSY"},
		errors.New("Please stop loft before restarting a backup."),
		nil,
	}
	for _, err := range notRunning {
		if IsStillRunning(err) {
			t.Errorf("IsStillRunning(%v) = true", err)
		}
	}
}

func TestStartAlreadyStartedIsSuccessSentinel(t *testing.T) {
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSONString(w, 200, `{"errorCode":"ALREADY_STARTED","errorMessage":"The app is already started"}`)
	})
	job, err := newTestClient(t, srv.URL).StartEnvironment(context.Background(), "calc", "Production", true)
	if job != nil || !errors.Is(err, ErrAlreadyStarted) {
		t.Fatalf("StartEnvironment = %v, %v; want nil, ErrAlreadyStarted", job, err)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		t.Errorf("a 200 answer became an *APIError: %v", ae)
	}
}
