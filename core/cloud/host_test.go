package cloud

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestIsMendixCloudURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://deploy.mendix.com":          true,
		"https://DEPLOY.Mendix.com./api":     true,
		"https://cloud.home.mendix.com":      true,
		"http://127.0.0.1:8080":              false,
		"https://mendix.com.example.org":     false,
		"https://notmendix.com":              false,
		"https://restore-desk.example.com":   false,
		"::not a url":                        false,
		"https://deploy.mendix.com:443/api/": true,
	} {
		if got := IsMendixCloudURL(raw); got != want {
			t.Errorf("IsMendixCloudURL(%q) = %v, want %v", raw, got, want)
		}
	}
}

// Against Mendix's own host, CreateUpload answers ErrUploadsUnsupported without sending
// anything: the transport records every request that would leave.
func TestNoUploadRequestToMendixCloud(t *testing.T) {
	var sent []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.Method+" "+r.URL.String())
		return nil, errors.New("no network in this test")
	})}
	c, err := New(DefaultBaseURL, Credentials{Username: testUser, APIKey: testKey}, WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if c.UploadsSupported() {
		t.Error("UploadsSupported() = true for deploy.mendix.com")
	}
	_, err = c.CreateUpload(context.Background(), "p1", "e1", UploadMeta{Filename: "a.backup", Size: 10, SHA256: strings.Repeat("ab", 32)})
	if !errors.Is(err, ErrUploadsUnsupported) {
		t.Errorf("CreateUpload = %v, want ErrUploadsUnsupported", err)
	}
	if len(sent) != 0 {
		t.Errorf("requests sent to Mendix's host: %v", sent)
	}
	local := newTestClient(t, "http://127.0.0.1:1")
	if !local.UploadsSupported() {
		t.Error("UploadsSupported() = false for a local server: it must be asked")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A start job's verdict (500 DB_SYNC_FAILED) is the same on every read: it is returned at
// once, not retried as if the server were having a bad moment.
func TestDeterministicStatusErrorNotRetried(t *testing.T) {
	for _, code := range []string{"DB_SYNC_FAILED", "START_FAILED", "MISSING_CONSTANT", "INVALID_DB_STRUCTURE"} {
		srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeJSONString(w, 500, `{"errorCode":"`+code+`","errorMessage":"the start failed"}`)
		})
		c := newTestClient(t, srv.URL)
		sleeps := recordSleeps(c)
		_, err := c.GetStartJob(context.Background(), "calc", "Test", "job-1")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != code {
			t.Fatalf("%s: err = %v", code, err)
		}
		if srv.count() != 1 || len(*sleeps) != 0 {
			t.Errorf("%s: %d requests and %d waits, want 1 and 0", code, srv.count(), len(*sleeps))
		}
	}
	// A transient one still is retried.
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSONString(w, 500, `{"errorCode":"SERVICE_UNAVAILABLE","errorMessage":"later"}`)
	})
	c := newTestClient(t, srv.URL, WithRetries(2))
	recordSleeps(c)
	_, _ = c.GetStartJob(context.Background(), "calc", "Test", "job-1")
	if srv.count() != 3 {
		t.Errorf("SERVICE_UNAVAILABLE: %d requests, want 3", srv.count())
	}
}

func TestAPIURLErrorsAreTyped(t *testing.T) {
	for _, raw := range []string{"", "   ", "deploy.mendix.com", "ftp://x", "http://example.com", "https://u:secretpw@deploy.mendix.com", "https://x/?a=b"} {
		err := CheckAPIURL(raw)
		var ue *APIURLError
		if !errors.As(err, &ue) {
			t.Errorf("CheckAPIURL(%q) = %v, want *APIURLError", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("the password is in the error: %v", err)
		}
	}
	if err := CheckAPIURL("http://127.0.0.1:8080"); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
}

// A password (or a key as the user name) in an API URL never reaches an error's text,
// whichever check refuses the URL, also when it does not parse as a URL at all; the rest
// of the URL is still shown, so the user sees which one was refused.
func TestAPIURLErrorsNeverShowCredentials(t *testing.T) {
	for _, raw := range []string{
		"https://user:secret@deploy.mendix.com",
		"https://secret@deploy.mendix.com",
		"https://user:secret@deploy.mendix.com/%zz",  // bad escape: does not parse
		"https://user:secret@deploy.mendix.com/\x7f", // control character: does not parse
		"user:secret@deploy.mendix.com",              // no scheme: parses as opaque
		"user:secret@deploy.mendix.com/api",
		"https://user:se/cret@deploy.mendix.com", // a "/" in the password
	} {
		err := CheckAPIURL(raw)
		var ue *APIURLError
		if !errors.As(err, &ue) {
			t.Errorf("CheckAPIURL(%q) = %v, want *APIURLError", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "cret") || strings.Contains(ue.URL, "cret") {
			t.Errorf("CheckAPIURL(%q): the password is in the error: %v", raw, err)
		}
	}
	// Made elsewhere with the URL as given: Error still leaves the password out.
	err := &APIURLError{URL: "https://user:secret@example.com/%zz", Problem: "is not a valid URL"}
	if got, want := err.Error(), `cloud: the API URL "https://example.com/%zz" is not a valid URL`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := RedactURL("https://deploy.mendix.com/api"); got != "https://deploy.mendix.com/api" {
		t.Errorf("RedactURL changed a URL without credentials: %q", got)
	}
}

// Runs recorded on one cloud are recognised however its address was written, and never
// taken for another cloud's.
func TestSameCloud(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"https://deploy.mendix.com", "https://Deploy.Mendix.com/", true},
		{"https://deploy.mendix.com", "https://deploy.mendix.com:443", true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081", false},
		{"https://deploy.mendix.com", "http://deploy.mendix.com", false},
		{"https://cloud.example.com/a", "https://cloud.example.com/b", false},
	} {
		if got := SameCloud(c.a, c.b); got != c.same {
			t.Errorf("SameCloud(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}
