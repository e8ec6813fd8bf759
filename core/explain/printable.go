package explain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable returns s (text that came from the cloud: comments, status messages, names)
// safe to show in a terminal or a widget: control characters, terminal escape sequences,
// bidirectional overrides and invalid UTF-8 are shown escaped (\n, \x1b, \u202e), never
// interpreted. Printable text is returned unchanged. The CLI and the window both use it.
func Printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == '\\' && needsBackslashEscape(s):
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune: C1 controls (0x80–0x9f, among them the 8-bit CSI) and the Unicode controls
// that reorder or hide text (bidi overrides and isolates, zero-width marks used to spoof).
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// needsBackslashEscape: once something in s was escaped, a backslash of its own is doubled
// so that "\x1b" typed by someone cannot pass for an escaped ESC.
func needsBackslashEscape(s string) bool { return !isPrintable(s) }
