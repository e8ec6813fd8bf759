package explain_test

import (
	"strings"
	"testing"

	"restoredesk/core/explain"
)

func TestPrintableEscapesWhatATerminalWouldInterpret(t *testing.T) {
	for in, want := range map[string]string{
		"Before the migration":               "Before the migration",
		"naïve café ✓":                       "naïve café ✓",
		"red\x1b[31mALERT\x1b[0m":            `red\x1b[31mALERT\x1b[0m`,
		"title\x1b]0;pwned\x07":              `title\x1b]0;pwned\x07`,
		"two\nlines\r":                       `two\nlines\r`,
		"csi\u009b31m":                       `csi\u009b31m`,
		"evil\u202etxt.exe":                  `evil\u202etxt.exe`,
		"bad\xffutf8":                        `bad\xffutf8`,
		"a\\x1b typed, and a real \x1b":      `a\\x1b typed, and a real \x1b`,
		`plain backslash \ stays when clean`: `plain backslash \ stays when clean`,
	} {
		if got := explain.Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHandoffTextCarriesStepsLinkAndFile(t *testing.T) {
	h := explain.FreeAppRestoreHandoff("Expense Tracker", "Sandbox", "snap-1")
	txt := h.Text()
	for _, want := range []string{"nothing was changed", "1. Open Expense Tracker", "Backups", "Pick the backup snap-1", "Stop Application", "Restore Backup", "Mendix Portal: https://"} {
		if !strings.Contains(txt, want) {
			t.Errorf("Free App hand-off lacks %q:\n%s", want, txt)
		}
	}
	u := explain.UploadHandoff("Order Desk", "Test", "/home/me/backups/db.backup", "The file is a restorable database backup.")
	txt = u.Text()
	for _, want := range []string{"restorable database backup", "Upload Archive", "/home/me/backups/db.backup", "File: /home/me/backups/db.backup"} {
		if !strings.Contains(txt, want) {
			t.Errorf("upload hand-off lacks %q:\n%s", want, txt)
		}
	}
}
