package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewRefusesPlainHTTPExceptLoopback(t *testing.T) {
	creds := Credentials{Username: testUser, APIKey: testKey}
	for _, ok := range []string{
		"https://deploy.mendix.com",
		"https://deploy.mendix.com/",
		"http://127.0.0.1:8080",
		"http://127.1.2.3",
		"http://localhost:9000",
		"http://LOCALHOST",
		"http://[::1]:8080",
	} {
		if _, err := New(ok, creds); err != nil {
			t.Errorf("New(%q) = %v, want accepted", ok, err)
		}
	}
	for url, want := range map[string]string{
		"http://deploy.mendix.com":          "refusing plain http",
		"http://192.168.1.10:8080":          "refusing plain http",
		"http://localhost.example.com":      "refusing plain http",
		"ftp://deploy.mendix.com":           "needs a scheme and a host",
		"deploy.mendix.com":                 "needs a scheme and a host",
		"":                                  "empty",
		"https://user:pw@deploy.mendix.com": "must not contain a user name",
		"https://deploy.mendix.com/?a=b":    "query",
	} {
		_, err := New(url, creds)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %v, want an error saying %q", url, err, want)
		}
	}
}

func TestNewRefusesBadCredentialsWithoutEchoingTheKey(t *testing.T) {
	for _, creds := range []Credentials{
		{Username: "", APIKey: testKey},
		{Username: testUser, APIKey: ""},
		{Username: testUser, APIKey: testKey + "\r\nX-Evil: 1"},
	} {
		_, err := New("https://deploy.mendix.com", creds)
		if err == nil {
			t.Errorf("New(%v) accepted bad credentials", creds)
			continue
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("error %q contains the API key", err)
		}
	}
}

func TestEveryCallSendsAuthAndJSONHeaders(t *testing.T) {
	srv := newCountingServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/apps"):
			writeJSONString(w, 200, `[]`)
		case strings.HasSuffix(r.URL.Path, "/start"):
			writeJSONString(w, 200, `{"JobId":"j1"}`)
		case strings.HasSuffix(r.URL.Path, "/stop"):
			w.WriteHeader(200)
		default:
			writeJSONString(w, 200, `{"snapshot_id":"s1","state":"queued"}`)
		}
	})
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.ListApps(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartEnvironment(ctx, "calc", "Acceptance", true); err != nil {
		t.Fatal(err)
	}
	if err := c.StopEnvironment(ctx, "calc", "Acceptance"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSnapshot(ctx, "p1", "e1", "before the release"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSnapshotComment(ctx, "p1", "e1", "s1", "x"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSnapshot(ctx, "p1", "e1", "s1"); err != nil {
		t.Fatal(err)
	}
	if srv.count() != 6 {
		t.Fatalf("server saw %d requests, want 6", srv.count())
	}
	for _, r := range srv.reqs {
		for h, want := range map[string]string{
			"Mendix-Username": testUser,
			"Mendix-ApiKey":   testKey,
			"Content-Type":    "application/json",
			"Accept":          "application/json",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.URL.Path, h, got, want)
			}
		}
	}
}

func TestRequestBodiesAndQueries(t *testing.T) {
	type seen struct{ method, uri, body string }
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = fmt.Fprint(b, readAll(r))
		got = append(got, seen{r.Method, r.RequestURI, b.String()})
		switch {
		case strings.HasSuffix(r.URL.Path, "/start"):
			writeJSONString(w, 200, `{"JobId":"j1"}`)
		case strings.Contains(r.URL.Path, "/restores"):
			writeJSONString(w, 200, `{"restore_id":"r1","state":"queued"}`)
		case strings.Contains(r.URL.Path, "/archives"):
			writeJSONString(w, 200, `{"archive_id":"a1","state":"queued","url":null}`)
		default:
			writeJSONString(w, 200, `{"snapshot_id":"s1","state":"queued"}`)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	mustNil(t, second(c.StartEnvironment(ctx, "calc", "Production", true)))
	mustNil(t, second(c.CreateSnapshot(ctx, "p1", "e1", "")))
	mustNil(t, second(c.CreateSnapshot(ctx, "p1", "e1", "before release")))
	mustNil(t, second(c.UpdateSnapshotComment(ctx, "p1", "e1", "s1", "")))
	mustNil(t, second(c.CreateRestore(ctx, "p1", "e1", RestoreRequest{SourceSnapshotID: "s 9", DBOnly: true})))
	mustNil(t, second(c.CreateArchive(ctx, "p1", "e1", "s1", DataDatabaseOnly)))
	want := []seen{
		{"POST", "/api/1/apps/calc/environments/Production/start", `{"AutoSyncDb":true}`},
		{"POST", "/api/v2/apps/p1/environments/e1/snapshots", `{}`},
		{"POST", "/api/v2/apps/p1/environments/e1/snapshots", `{"comment":"before release"}`},
		{"PUT", "/api/v2/apps/p1/environments/e1/snapshots/s1", `{"comment":""}`},
		{"POST", "/api/v2/apps/p1/environments/e1/restores?db_only=true&source_snapshot_id=s+9", ``},
		{"POST", "/api/v2/apps/p1/environments/e1/snapshots/s1/archives?data_type=database_only", ``},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d requests, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestPathSegmentsAreEscaped(t *testing.T) {
	var uris []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uris = append(uris, r.RequestURI)
		writeJSONString(w, 200, `[]`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	if _, err := c.ListEnvironments(context.Background(), "a/b c?d#e"); err != nil {
		t.Fatal(err)
	}
	if want := "/api/1/apps/a%2Fb%20c%3Fd%23e/environments"; len(uris) != 1 || uris[0] != want {
		t.Fatalf("request URIs %v, want [%s]", uris, want)
	}
	for _, bad := range []string{"", " ", "..", "."} {
		if _, err := c.ListEnvironments(context.Background(), bad); err == nil {
			t.Errorf("app id %q accepted", bad)
		}
	}
	if _, err := c.GetSnapshot(context.Background(), "p", "", "s"); err == nil || !strings.Contains(err.Error(), "environment id is empty") {
		t.Errorf("empty environment id: %v", err)
	}
	if len(uris) != 1 {
		t.Errorf("invalid ids reached the server: %v", uris)
	}
}

func TestBaseURLPathPrefixIsKept(t *testing.T) {
	var uri string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri = r.RequestURI
		writeJSONString(w, 200, `[]`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/proxy/")
	if _, err := c.ListApps(context.Background()); err != nil {
		t.Fatal(err)
	}
	if uri != "/proxy/api/1/apps" {
		t.Errorf("request URI %q, want /proxy/api/1/apps", uri)
	}
	if c.BaseURL() != srv.URL+"/proxy" || c.Username() != testUser {
		t.Errorf("BaseURL %q Username %q", c.BaseURL(), c.Username())
	}
}

func TestRedirectToAnotherOriginIsNotFollowed(t *testing.T) {
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("Mendix-ApiKey"))
		writeJSONString(w, 200, `[]`)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/1/apps", http.StatusFound)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	_, err := c.ListApps(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound {
		t.Fatalf("ListApps after cross-origin redirect = %v, want *APIError 302", err)
	}
	if len(leaked) != 0 {
		t.Fatalf("the other origin received %d requests (keys %q)", len(leaked), leaked)
	}
}

func TestFormattingNeverShowsTheKey(t *testing.T) {
	creds := Credentials{Username: testUser, APIKey: testKey}
	c := newTestClient(t, "https://deploy.mendix.com")
	var logBuf strings.Builder
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("x", "creds", creds, "client", c)
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "creds", creds, "client", c)
	jsonCreds, _ := json.Marshal(creds)
	outs := []string{logBuf.String(), string(jsonCreds)}
	for _, v := range []any{creds, &creds, c, *c, struct{ C Credentials }{creds}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
	}
	for _, o := range outs {
		if strings.Contains(o, testKey) || strings.Contains(o, fmt.Sprintf("%x", testKey)) {
			t.Errorf("formatted output shows the key: %s", o)
		}
	}
	if s := fmt.Sprintf("%v", creds); !strings.Contains(s, testUser) || !strings.Contains(s, "[redacted]") {
		t.Errorf("%%v of credentials = %q, want the username and [redacted]", s)
	}
}

func readAll(r *http.Request) string {
	b := new(strings.Builder)
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func second[T any](_ T, err error) error { return err }

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
