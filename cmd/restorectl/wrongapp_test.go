package main

import (
	"regexp"
	"strings"
	"testing"

	"restoredesk/core/localdb/pgtest"
)

// otherClientDump is a real pg_dump -Fc of another customer's HR database.
func otherClientDump(t *testing.T) string {
	t.Helper()
	c := pgtest.Start(t) // skips when the server programs are not installed
	c.MendixDatabase(t, "otherclient_hr", "hr$employee", "hr$payslip", "hr$department", "hr$contract", "system$user")
	return c.Dump(t, "otherclient_hr", "otherclient_hr.backup")
}

// Issue 20's proof for restorectl: another customer's dump, uploaded to Order Desk ›
// Acceptance where nothing was ever run from this computer, is caught by its tables: with
// --restore, --yes is refused and says to pass --confirm Acceptance, nothing is uploaded;
// uploaded alone it becomes a backup whose restore is refused the same way; --confirm
// Acceptance lets each go.
func TestAnotherCustomersDumpNeedsConfirmTheFirstTime(t *testing.T) {
	file := otherClientDump(t)
	b := newRestoreBed(t)
	env := b.envID("orderdesk", "Acceptance")
	before := b.state("orderdesk", "Acceptance")
	snapsBefore, err := b.srv.Cloud().Snapshots(env)
	if err != nil {
		t.Fatal(err)
	}

	code, out, errs := b.ctl("upload", "orderdesk", "Acceptance", file, "--restore", "--yes")
	if code != exitUsage {
		t.Fatalf("--yes: exit %d, want %d\n%s\n%s", code, exitUsage, out, errs)
	}
	if !strings.Contains(out, `  ! otherclient_hr.backup (its database is called "otherclient_hr") does not look like Order Desk's data: it shares 0 of its 4 tables`) {
		t.Errorf("the plan does not lead with the tables' warning:\n%s", out)
	}
	if !strings.Contains(errs, "--yes alone is not enough") || !strings.Contains(errs, "add --confirm Acceptance") || !strings.Contains(errs, "Nothing was uploaded") {
		t.Errorf("the refusal does not say to type --confirm Acceptance:\n%s", errs)
	}
	if snaps, err := b.srv.Cloud().Snapshots(env); err != nil || len(snaps) != len(snapsBefore) {
		t.Errorf("%d backups after the refusal (%v), want %d: something was uploaded", len(snaps), err, len(snapsBefore))
	}

	// Uploaded alone (that replaces nothing), then restored from the uploaded backup.
	code, out, errs = b.ctl("upload", "orderdesk", "Acceptance", file)
	id := regexp.MustCompile(`Uploaded backup: (\S+)`).FindStringSubmatch(out)
	if code != exitOK || id == nil {
		t.Fatalf("upload alone: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = b.ctl("restore", "orderdesk", "Acceptance", id[1], "--yes")
	if code != exitUsage || !strings.Contains(errs, "add --confirm Acceptance") || !strings.Contains(out, "does not look like Order Desk's data") {
		t.Fatalf("restore of the uploaded backup with --yes: exit %d\n%s\n%s", code, out, errs)
	}
	if after := b.state("orderdesk", "Acceptance"); after != before {
		t.Fatalf("Acceptance changed without --confirm: %+v → %+v", before, after)
	}
	code, out, errs = b.ctl("restore", "orderdesk", "Acceptance", id[1], "--confirm", "Acceptance", "--no-safety-backup")
	if code != exitOK || !strings.Contains(out, "completed") {
		t.Fatalf("--confirm Acceptance: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = b.ctl("upload", "orderdesk", "Acceptance", file, "--restore", "--confirm", "acceptance", "--no-safety-backup")
	if code != exitOK || !strings.Contains(out, "completed") {
		t.Fatalf("upload --restore --confirm acceptance: exit %d\n%s\n%s", code, out, errs)
	}
	if st := b.state("orderdesk", "Acceptance"); st.restores != before.restores+2 {
		t.Errorf("after two confirmed restores: %+v, want two more than %+v", st, before)
	}
}
