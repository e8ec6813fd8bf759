package download

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func TestFileNameComesFromTheLinkElseTheFallback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ link, cd, want string }{
		{"https://h/a/b/db.backup?sig=1", "", "db.backup"},
		{"https://h/a/b/db.backup?sig=1", `attachment; filename="files_and_database-1.tar.gz"`, "files_and_database-1.tar.gz"},
		{"https://h/a/b/db.backup", `attachment; filename="../../etc/passwd.tar.gz"`, "passwd.tar.gz"},
		{"https://h/objects/3f2a9c", "", ""},
		{"https://h/", "attachment", ""},
	} {
		u, err := url.Parse(tc.link)
		if err != nil {
			t.Fatal(err)
		}
		if got := nameFromLink(u, tc.cd); got != tc.want {
			t.Errorf("name of %s with Content-Disposition %q = %q, want %q", tc.link, tc.cd, got, tc.want)
		}
	}
	at := time.Date(2026, 11, 30, 21, 5, 0, 0, time.UTC)
	if got := FallbackName("Customer Portal", "Production", at, false); got != "Customer-Portal-Production-20261130-2105.tar.gz" {
		t.Errorf("fallback name of a full backup = %q", got)
	}
	if got := FallbackName("crm", "Acceptance", at, true); got != "crm-Acceptance-20261130-2105.backup" {
		t.Errorf("fallback name of a database-only backup = %q", got)
	}
}

func TestDownloadIntoAVanishedFolderLeavesNoFinalFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(fullFixture, false)
	dir := t.TempDir() + "/sub"
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	prog := &counter{onReach: 1, reached: func() { _ = os.RemoveAll(dir) }}
	_, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, dir, false)), Hooks{Progress: prog})
	if !errors.Is(err, ErrFolder) || !strings.Contains(err.Error(), "vanished") {
		t.Fatalf("download into a folder removed mid-way: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the folder is back: %v", err)
	}
}
