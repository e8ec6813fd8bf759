package main

import (
	"strings"
	"testing"

	"restoredesk/core/localcloud/localcloudtest"
)

// create-backup --no-wait says that it did not wait for the backup.
func TestCreateBackupNoWaitSaysSo(t *testing.T) {
	srv := localcloudtest.Start(t, localcloudtest.WithJobDelay(2_000_000_000))
	code, out, errs := ctl(t, srv.URL(), nil, "create-backup", "orderdesk", "Test", "--no-wait")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Not waiting for it to finish (--no-wait)") || !strings.Contains(out, "restorectl backups orderdesk Test") {
		t.Errorf("output does not say it did not wait:\n%s", out)
	}
}
