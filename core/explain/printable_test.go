package explain_test

import (
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
