package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud/localcloudtest"
)

// newBackupID makes a manual backup of app/env through restorectl and returns its id.
func newBackupID(t *testing.T, url string, env map[string]string, app, mode, comment string) string {
	t.Helper()
	code, out, errs := ctl(t, url, env, "create-backup", app, mode, "--comment", comment, "--json")
	if code != exitOK {
		t.Fatalf("create-backup: %s", errs)
	}
	var s struct {
		ID string `json:"snapshot_id"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.ID == "" {
		t.Fatalf("create-backup --json: %v\n%s", err, out)
	}
	return s.ID
}

func TestCommentAndDeleteABackup(t *testing.T) {
	srv := localcloudtest.Start(t)
	env := map[string]string{"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	id := newBackupID(t, srv.URL(), env, "orderdesk", "Test", "before the migration")

	code, out, errs := ctl(t, srv.URL(), env, "comment", "orderdesk", "Test", id, "known good \x1b[31mred")
	if code == exitOK {
		t.Fatalf("a comment with an escape sequence was accepted:\n%s", out)
	}
	if !strings.Contains(errs, "control characters") {
		t.Errorf("refusal does not say why:\n%s", errs)
	}
	code, out, errs = ctl(t, srv.URL(), env, "comment", "orderdesk", "Test", id, "known good, before go-live")
	if code != exitOK || !strings.Contains(out, `now has the comment "known good, before go-live"`) {
		t.Fatalf("comment: exit %d:\n%s%s", code, out, errs)
	}
	_, out, _ = ctl(t, srv.URL(), env, "backups", "orderdesk", "Test")
	if !strings.Contains(out, "known good, before go-live") {
		t.Errorf("new comment not listed:\n%s", out)
	}
	// An automatic backup is not deleted.
	var snaps []struct {
		ID      string `json:"snapshot_id"`
		Comment string `json:"comment"`
	}
	_, out, _ = ctl(t, srv.URL(), env, "backups", "orderdesk", "Test", "--json")
	_ = json.Unmarshal([]byte(out), &snaps)
	for _, s := range snaps {
		if strings.HasPrefix(s.Comment, "Automatically created") {
			code, _, errs = ctl(t, srv.URL(), env, "delete", "orderdesk", "Test", s.ID, "--yes")
			if code == exitOK || !strings.Contains(errs, "only manual backups can be deleted") {
				t.Errorf("deleting a nightly backup: exit %d:\n%s", code, errs)
			}
			break
		}
	}
	// Without a terminal and without --yes nothing happens.
	if code, _, errs = ctl(t, srv.URL(), env, "delete", "orderdesk", "Test", id); code != exitUsage {
		t.Errorf("delete without --yes and without a terminal: exit %d:\n%s", code, errs)
	}
	code, out, errs = ctl(t, srv.URL(), env, "delete", "orderdesk", "Test", id, "--yes")
	if code != exitOK || !strings.Contains(out, "is deleted from Test") {
		t.Fatalf("delete: exit %d:\n%s%s", code, out, errs)
	}
	_, out, _ = ctl(t, srv.URL(), env, "backups", "orderdesk", "Test")
	if strings.Contains(out, id) {
		t.Errorf("deleted backup still listed:\n%s", out)
	}
	_, out, _ = ctl(t, srv.URL(), env, "history")
	if !strings.Contains(out, "delete") || !strings.Contains(out, "comment") {
		t.Errorf("history lacks the delete and comment runs:\n%s", out)
	}
}

// Deleting a production backup needs its typed name; --yes is not enough.
func TestDeleteProductionBackupNeedsConfirm(t *testing.T) {
	srv := localcloudtest.Start(t)
	env := map[string]string{"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	id := newBackupID(t, srv.URL(), env, "orderdesk", "Production", "manual")
	for _, args := range [][]string{{"--yes"}, {}, {"--confirm", "Test"}} {
		code, _, errs := ctl(t, srv.URL(), env, append([]string{"delete", "orderdesk", "Production", id}, args...)...)
		if code != exitUsage {
			t.Errorf("delete %v: exit %d, want 2:\n%s", args, code, errs)
		}
	}
	_, out, _ := ctl(t, srv.URL(), env, "backups", "orderdesk", "Production")
	if !strings.Contains(out, id) {
		t.Fatalf("the backup went without confirmation")
	}
	code, out, errs := ctl(t, srv.URL(), env, "delete", "orderdesk", "Production", id, "--confirm", "production")
	if code != exitOK {
		t.Fatalf("delete --confirm production: exit %d:\n%s%s", code, out, errs)
	}
}

// Text from the cloud is escaped in the terminal: a comment with an escape sequence set
// through the API (not through restorectl, which refuses it) is shown escaped.
func TestCloudTextIsEscapedInTheTerminal(t *testing.T) {
	srv := localcloudtest.Start(t)
	env := map[string]string{"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	id := newBackupID(t, srv.URL(), env, "orderdesk", "Test", "plain")
	setCommentOverAPI(t, srv.URL(), "orderdesk", "Test", id, "evil\x1b]0;owned\x07\x1b[2J")
	_, out, _ := ctl(t, srv.URL(), env, "backups", "orderdesk", "Test")
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) {
		t.Errorf("raw control characters reached the terminal: %q", out)
	}
	if !strings.Contains(out, `evil\x1b]0;owned\x07\x1b[2J`) {
		t.Errorf("the comment is not shown escaped:\n%s", out)
	}
}
