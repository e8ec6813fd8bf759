package cloud

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for the client's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAPIKeyNeverInErrorsOrLogs runs calls that fail in every way with a debug logger and
// looks for the key in every error text and every log line.
func TestAPIKeyNeverInErrorsOrLogs(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	jsonLogs := &syncBuffer{}
	jsonLogger := slog.New(slog.NewJSONHandler(jsonLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// A server that misbehaves in every way, and echoes the request headers in its bodies
	// as a careless proxy might.
	echo := func(r *http.Request) string {
		var b strings.Builder
		_ = r.Header.Write(&b)
		return b.String()
	}
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/unauthorized"):
			writeJSONString(w, 401, `{"errorCode":"UNAUTHORIZED","errorMessage":"bad key `+testKey+`"}`)
		case strings.Contains(r.URL.Path, "/broken"):
			w.WriteHeader(500)
			_, _ = w.Write([]byte(echo(r)))
		case strings.Contains(r.URL.Path, "/drop"):
			dropConnection(t, w)
		case strings.Contains(r.URL.Path, "/busy"):
			w.Header().Set("Retry-After", "99999")
			w.WriteHeader(429)
			_, _ = w.Write([]byte(echo(r)))
		case strings.Contains(r.URL.Path, "/uploads/"):
			w.WriteHeader(404)
			_, _ = w.Write([]byte(echo(r)))
		default:
			writeJSONString(w, 200, `[]`)
		}
	})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + l.Addr().String()
	_ = l.Close()

	var errs []error
	collect := func(_ any, err error) { errs = append(errs, err) }
	ctx := context.Background()
	for _, lg := range []*slog.Logger{logger, jsonLogger} {
		c := newTestClient(t, srv.URL, WithLogger(lg), WithRetries(1))
		collect(c.GetApp(ctx, "unauthorized"))
		collect(c.GetApp(ctx, "broken"))
		collect(c.CreateSnapshot(ctx, "p", "broken", ""))
		collect(c.CreateRestore(ctx, "p", "drop", RestoreRequest{SourceSnapshotID: "s"}))
		collect(c.GetApp(ctx, "drop"))
		collect(c.GetApp(ctx, "busy"))
		collect(c.CreateUpload(ctx, "p", "e", UploadMeta{Filename: "x.backup", Size: 3, SHA256: strings.Repeat("0", 64)}))
		collect(c.UploadOffset(ctx, "https://elsewhere.example/"+testKey))
		collect(nil, c.SendUpload(ctx, srv.URL+"/uploads/x", strings.NewReader("abc"), 3, nil))
		collect(c.ListApps(ctx)) // one success, so the log is known to work

		gone := newTestClient(t, closedURL, WithLogger(lg), WithRetries(1))
		collect(gone.ListApps(ctx))
		collect(gone.CreateRestore(ctx, "p", "e", RestoreRequest{SourceSnapshotID: "s"}))
		ctxDone, cancel := context.WithTimeout(ctx, time.Nanosecond)
		<-ctxDone.Done()
		collect(c.ListApps(ctxDone))
		cancel()
	}

	failures := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		failures++
		t.Logf("error: %v", err)
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(text, testKey) {
				t.Errorf("error shows the API key: %s", text)
			}
		}
	}
	if failures < 20 {
		t.Fatalf("only %d of %d calls failed; the test does not cover what it claims", failures, len(errs))
	}
	for name, out := range map[string]string{"text": logs.String(), "json": jsonLogs.String()} {
		if strings.Contains(out, testKey) {
			t.Errorf("%s log shows the API key:\n%s", name, out)
		}
		for _, want := range []string{"/api/1/apps/unauthorized", "401", "/api/v2/apps/p/environments/drop/restores", "duration"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %q; debug logging is not working:\n%s", name, want, out)
			}
		}
		if strings.Contains(out, "Mendix-Apikey") || strings.Contains(out, "Mendix-ApiKey") {
			t.Errorf("%s log mentions the key header", name)
		}
	}
}
