package cloud

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGetRetriedOn500ThenSucceeds(t *testing.T) {
	srv := newCountingServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			writeJSONString(w, 500, `{"errorCode":"INTERNAL_SERVER_ERROR","errorMessage":"oops"}`)
			return
		}
		writeJSONString(w, 200, `[{"AppId":"calc","Name":"Calc","ProjectId":"p","Url":"https://calc.mendixcloud.com"}]`)
	})
	c := newTestClient(t, srv.URL)
	sleeps := recordSleeps(c)
	apps, err := c.ListApps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 || apps[0].AppID != "calc" || srv.count() != 3 {
		t.Fatalf("apps %v after %d requests; want calc after 3", apps, srv.count())
	}
	if len(*sleeps) != 2 {
		t.Errorf("waited %d times, want 2", len(*sleeps))
	}
}

func TestGetRetriesAreBounded(t *testing.T) {
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSONString(w, 502, `bad gateway`)
	})
	c := newTestClient(t, srv.URL, WithRetries(2))
	recordSleeps(c)
	_, err := c.ListApps(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 502 {
		t.Fatalf("err = %v, want the last *APIError 502", err)
	}
	if srv.count() != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", srv.count())
	}
}

func TestGetRetriedAfterDroppedConnection(t *testing.T) {
	srv := newCountingServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			dropConnection(t, w)
			return
		}
		writeJSONString(w, 200, `{"AppId":"calc"}`)
	})
	app, err := newTestClient(t, srv.URL).GetApp(context.Background(), "calc")
	if err != nil || app.AppID != "calc" || srv.count() != 2 {
		t.Fatalf("GetApp = %v, %v after %d requests", app, err, srv.count())
	}
}

func TestPostNotRetriedOn500(t *testing.T) {
	for _, path := range []string{"restore", "stop", "start", "snapshot", "delete"} {
		t.Run(path, func(t *testing.T) {
			srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeJSONString(w, 500, `{"errorCode":"SERVICE_UNAVAILABLE","errorMessage":"try later"}`)
			})
			c := newTestClient(t, srv.URL)
			err := stateChange(c, path)
			if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrAmbiguous) {
				t.Errorf("err = %v, want the 500 SERVICE_UNAVAILABLE as is", err)
			}
			if srv.count() != 1 {
				t.Errorf("%s sent %d times, want exactly once", path, srv.count())
			}
		})
	}
}

// stateChange runs one of the calls that change state.
func stateChange(c *Client, which string) error {
	ctx := context.Background()
	switch which {
	case "restore":
		_, err := c.CreateRestore(ctx, "p", "e", RestoreRequest{SourceSnapshotID: "s"})
		return err
	case "stop":
		return c.StopEnvironment(ctx, "calc", "Production")
	case "start":
		_, err := c.StartEnvironment(ctx, "calc", "Production", true)
		return err
	case "snapshot":
		_, err := c.CreateSnapshot(ctx, "p", "e", "x")
		return err
	case "delete":
		return c.DeleteSnapshot(ctx, "p", "e", "s")
	case "upload":
		_, err := c.CreateUpload(ctx, "p", "e", UploadMeta{Filename: "a.backup", Size: 10, SHA256: strings.Repeat("ab", 32)})
		return err
	}
	panic(which)
}

func TestAmbiguousPostOnDroppedConnection(t *testing.T) {
	for _, which := range []string{"restore", "stop", "start", "snapshot", "delete", "upload"} {
		t.Run(which, func(t *testing.T) {
			srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				dropConnection(t, w)
			})
			err := stateChange(newTestClient(t, srv.URL), which)
			var amb *AmbiguousError
			if !errors.Is(err, ErrAmbiguous) || !errors.As(err, &amb) {
				t.Fatalf("err = %v, want *AmbiguousError", err)
			}
			if !strings.Contains(err.Error(), "check the state before trying again") {
				t.Errorf("error text %q does not tell what to do", err)
			}
			if srv.count() != 1 {
				t.Errorf("sent %d times, want exactly once", srv.count())
			}
		})
	}
}

func TestPostThroughGatewayErrorIsAmbiguous(t *testing.T) {
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusGatewayTimeout)
	})
	err := stateChange(newTestClient(t, srv.URL), "restore")
	var ae *APIError
	if !errors.Is(err, ErrAmbiguous) || !errors.As(err, &ae) || ae.StatusCode != 504 || srv.count() != 1 {
		t.Fatalf("err = %v after %d requests; want ambiguous wrapping the 504, sent once", err, srv.count())
	}
}

func TestPostRetriedWhenConnectionRefused(t *testing.T) {
	// Reserve a port, close it: the first attempt is refused before anything is sent.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()

	var srv *httptest.Server
	requests := 0
	c := newTestClient(t, "http://"+addr)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		if srv == nil { // the server comes up on the same port during the wait
			nl, err := net.Listen("tcp", addr)
			if err != nil {
				t.Skipf("port %s was taken meanwhile: %v", addr, err)
			}
			srv = &httptest.Server{Listener: nl, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests++
				writeJSONString(w, 200, `{"restore_id":"r1","state":"queued"}`)
			})}}
			srv.Start()
		}
		return nil
	}
	defer func() {
		if srv != nil {
			srv.Close()
		}
	}()
	r, err := c.CreateRestore(context.Background(), "p", "e", RestoreRequest{SourceSnapshotID: "s"})
	if err != nil || r.RestoreID != "r1" {
		t.Fatalf("CreateRestore = %v, %v; a refused connection sent nothing and may be retried", r, err)
	}
	if requests != 1 {
		t.Errorf("server got %d restores, want 1", requests)
	}
}

func TestRetryAfterHonouredForEveryMethod(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		retryAfter string
		call       func(*Client) error
		wantWait   time.Duration
	}{
		{"429 GET seconds", 429, "7", func(c *Client) error { _, err := c.ListApps(context.Background()); return err }, 7 * time.Second},
		{"503 POST seconds", 503, "3", func(c *Client) error { return stateChange(c, "restore") }, 3 * time.Second},
		{"429 POST date", 429, time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat), func(c *Client) error { return stateChange(c, "snapshot") }, 10 * time.Second},
		{"429 POST without header", 429, "", func(c *Client) error { return stateChange(c, "stop") }, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCountingServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					w.WriteHeader(tc.status)
					return
				}
				switch {
				case strings.HasSuffix(r.URL.Path, "/restores"):
					writeJSONString(w, 200, `{"restore_id":"r1"}`)
				case strings.HasSuffix(r.URL.Path, "/snapshots"):
					writeJSONString(w, 200, `{"snapshot_id":"s1"}`)
				default:
					writeJSONString(w, 200, `[]`)
				}
			})
			c := newTestClient(t, srv.URL)
			sleeps := recordSleeps(c)
			if err := tc.call(c); err != nil {
				t.Fatalf("call after %d: %v", tc.status, err)
			}
			if srv.count() != 2 || len(*sleeps) != 1 {
				t.Fatalf("%d requests, %d waits; want 2 and 1", srv.count(), len(*sleeps))
			}
			got := (*sleeps)[0]
			switch {
			case tc.wantWait < 0:
				if got > 5*time.Millisecond {
					t.Errorf("waited %v without Retry-After, want the backoff (≤ 5ms here)", got)
				}
			case got > tc.wantWait || got < tc.wantWait-2*time.Second:
				t.Errorf("waited %v, want about %v", got, tc.wantWait)
			}
		})
	}
}

func TestRetryAfterBeyondCapIsReturnedNotWaited(t *testing.T) {
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		writeJSONString(w, 429, `{"errorCode":"TOO_MANY_REQUESTS","errorMessage":"slow down"}`)
	})
	c := newTestClient(t, srv.URL, WithMaxRetryAfter(time.Minute))
	sleeps := recordSleeps(c)
	_, err := c.ListApps(context.Background())
	var ae *APIError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &ae) || ae.RetryAfter != "3600" {
		t.Fatalf("err = %v, want ErrRateLimited with RetryAfter 3600", err)
	}
	if srv.count() != 1 || len(*sleeps) != 0 {
		t.Errorf("%d requests, %d waits; want 1 and 0", srv.count(), len(*sleeps))
	}
}

func TestRetryAfterIsReallyWaited(t *testing.T) {
	srv := newCountingServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(503)
			return
		}
		writeJSONString(w, 200, `[]`)
	})
	start := time.Now()
	if _, err := newTestClient(t, srv.URL).ListApps(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A lower bound only: the client must not come back before the server allowed it.
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before the 1 s Retry-After", waited)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]struct {
		want time.Duration
		ok   bool
	}{
		"0":                             {0, true},
		" 120 ":                         {120 * time.Second, true},
		"-1":                            {0, false},
		"soon":                          {0, false},
		"":                              {0, false},
		"Fri, 02 Jan 2026 03:05:05 GMT": {time.Minute, true},
		"Fri, 02 Jan 2026 03:00:00 GMT": {0, true}, // in the past: no wait
	}
	for in, want := range cases {
		got, ok := parseRetryAfter(in, now)
		if got != want.want || ok != want.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", in, got, ok, want.want, want.ok)
		}
	}
}

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	p := retryPolicy{base: 100 * time.Millisecond, max: time.Second}
	distinct := map[time.Duration]bool{}
	for attempt := range 40 {
		limit := min(time.Second, 100*time.Millisecond<<min(attempt, 20))
		for range 20 {
			d := p.backoff(attempt)
			if d < 0 || d > limit {
				t.Fatalf("backoff(%d) = %v, outside [0, %v]", attempt, d, limit)
			}
			distinct[d] = true
		}
	}
	if len(distinct) < 100 {
		t.Errorf("only %d distinct delays: no jitter?", len(distinct))
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(500)
	})
	c := newTestClient(t, srv.URL, WithBackoff(time.Hour, time.Hour))
	// Cancel once the client waits to retry: the request counted by the server may still
	// be on its way back, and cancelling then is a different case (a broken exchange).
	waiting := make(chan struct{})
	var once sync.Once
	c.sleep = func(ctx context.Context, d time.Duration) error {
		once.Do(func() { close(waiting) })
		return Sleep(ctx, d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.ListApps(ctx); done <- err }()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("ListApps returned %v without waiting to retry", err)
	}
	cancel()
	select {
	case err := <-done:
		var ae *APIError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &ae) {
			t.Errorf("err = %v, want context.Canceled that still carries the last *APIError", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListApps kept waiting after the context was cancelled")
	}
	if srv.count() != 1 {
		t.Errorf("%d requests, want 1", srv.count())
	}
}

func TestCancelledPostInFlightIsAmbiguous(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		close(arrived)
		<-release
	})
	defer close(release)
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := c.CreateRestore(ctx, "p", "e", RestoreRequest{SourceSnapshotID: "s"})
	if !errors.Is(err, ErrAmbiguous) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ambiguous and context.Canceled", err)
	}
}
