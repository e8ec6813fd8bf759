package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A link the cloud answers is handed over only when showing it cannot hurt: an https
// address (plain http only to this computer), nothing but printable ASCII, no user
// part. The refusal never repeats the link.
func TestLinkOfRefusesWhatCannotBeShownSafely(t *testing.T) {
	done := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)
	good := map[string]string{
		"https":           "https://storage.example.com/b/archive.tar.gz?X-Amz-Signature=abc123",
		"loopback http":   "http://127.0.0.1:8080/downloads/a/archive.tar.gz?expires=1&signature=abc123",
		"localhost http":  "http://localhost/downloads/a?signature=abc123",
		"percent-encoded": "https://storage.example.com/b/a%20b.tar.gz?sig=abc123",
	}
	for name, u := range good {
		l, err := LinkOf(&Archive{URL: u, FinishedAt: done})
		if err != nil || l.Reveal() != u || !l.Expires.Equal(done.Add(8*time.Hour)) {
			t.Errorf("%s: LinkOf = %q, %s, %v", name, l.Reveal(), l.Expires, err)
		}
	}
	bad := map[string]string{
		"newline forges a line": "https://storage.example.com/a?sig=abc123\nCheck:   passed",
		"escape sequence":       "https://storage.example.com/a?sig=abc123\x1b[2K",
		"space":                 "https://storage.example.com/a b?sig=abc123",
		"bidi override":         "https://storage.example.com/a\u202e?sig=abc123",
		"plain http elsewhere":  "http://storage.example.com/a?sig=abc123",
		"not a web address":     "file:///etc/passwd?sig=abc123",
		"no host":               "https:///a?sig=abc123",
		"user part":             "https://user:pw@storage.example.com/a?sig=abc123",
		"empty":                 "",
	}
	for name, u := range bad {
		_, err := LinkOf(&Archive{URL: u, FinishedAt: done})
		if !errors.Is(err, ErrLinkUnusable) {
			t.Errorf("%s: LinkOf(%q) = %v, want ErrLinkUnusable", name, u, err)
			continue
		}
		if u != "" && strings.Contains(err.Error(), "abc123") {
			t.Errorf("%s: the refusal repeats the link: %v", name, err)
		}
	}
}

// Printed, logged or marshalled by accident, a link shows as a mask.
func TestLinkPrintsMasked(t *testing.T) {
	const u = "https://storage.example.com/a?sig=abc123"
	l, err := LinkOf(&Archive{URL: u, UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(struct{ L Link }{l})
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("ready", "link", l)
	all := fmt.Sprintf("%v %+v %#v %s", l, l, l, l) + string(j) + logged.String()
	if strings.Contains(all, "abc123") || !strings.Contains(all, "[download link]") {
		t.Fatalf("the link shows: %s", all)
	}
	if l.Expires.IsZero() {
		t.Error("no expiry from the archive's update time")
	}
}
