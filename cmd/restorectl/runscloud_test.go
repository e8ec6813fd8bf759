package main

import (
	"strings"
	"testing"
)

// undo and resume go back to the cloud (and profile) the run was recorded with: no
// --api-url is needed, and another one is refused.
func TestUndoUsesTheRunsOwnCloud(t *testing.T) {
	b := newRestoreBed(t)
	code, out, errs := b.ctl("restore", "orderdesk", "Test", b.olderSnapshot("orderdesk", "Test"), "--yes")
	if code != exitOK {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errs)
	}
	m := runLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no run number in:\n%s", out)
	}
	// Another cloud is refused, saying which one the run used.
	code, _, errs = ctl(t, "http://127.0.0.1:1", b.env, "undo", m[1], "--yes")
	if code == exitOK || !strings.Contains(errs, "was made on "+b.srv.URL()) {
		t.Errorf("undo on another cloud: exit %d\n%s", code, errs)
	}
	// Without --api-url the run's own cloud is used (the default would be Mendix's).
	code, out, errs = ctl(t, "", b.env, "undo", m[1], "--yes")
	if code != exitOK || !strings.Contains(out, "Undo run "+m[1]) {
		t.Fatalf("undo without --api-url: exit %d\n%s%s", code, out, errs)
	}
}
