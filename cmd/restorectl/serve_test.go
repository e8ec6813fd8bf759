package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveURL runs `restorectl serve --demo` with args on a free port and a new data folder
// until the test ends and returns the URL it listens on.
func serveURL(t *testing.T, args ...string) string {
	t.Helper()
	url, stop := serveIn(t, t.TempDir(), args...)
	t.Cleanup(stop)
	return url
}

// serveIn runs `restorectl serve --demo` with args on a free port and data folder data; stop
// ends it and waits until it has.
func serveIn(t *testing.T, data string, args ...string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- run(ctx, append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", data}, args...),
			strings.NewReader(""), pw, &errb, func(string) string { return "" })
		pw.Close()
	}()
	stop = func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve ended with exit %d: %s", code, errb.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop after cancel")
		}
	}
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if f := strings.Fields(lines.Text()); len(f) > 4 && strings.HasPrefix(lines.Text(), "Embedded cloud listening on") {
			url = f[4]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if url == "" {
		stop()
		t.Fatal("serve printed no URL")
	}
	return url, stop
}

// serve --max-upload bounds an upload; the refusal comes before any byte and in plain words.
func TestServeMaxUpload(t *testing.T) {
	url := serveURL(t, "--max-upload", "10KB")
	file := filepath.Join("..", "..", "core", "archive", "testdata", "customerportal.backup") // 86 kB
	code, out, errs := ctl(t, url, map[string]string{"RESTOREDESK_POLL_INTERVAL": "5ms"}, "upload", "customerportal", "Test", file)
	if code != exitFailure || !strings.Contains(errs, "does not accept a file this large") {
		t.Errorf("upload over the limit: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := ctl(t, "", nil, "serve", "--max-upload", "lots"); code != exitUsage {
		t.Errorf("serve --max-upload lots: exit %d: %s", code, errs)
	}
}

// serve --like-mendix refuses the Free App's environment read, as Mendix Cloud does.
func TestServeLikeMendix(t *testing.T) {
	url := serveURL(t, "--like-mendix")
	code, out, errs := ctl(t, url, nil, "stop", "expensetracker", "Sandbox")
	if code != exitFailure || !strings.Contains(errs, "Stop Application") || !strings.Contains(errs, "Nothing was changed") {
		t.Errorf("stop of a Free App like Mendix: exit %d\n%s%s", code, out, errs)
	}
}
