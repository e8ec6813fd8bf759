package download

import (
	"mime"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// nameFromLink is the file name the storage host gives: Content-Disposition first, then
// the last segment of the URL path when it looks like a file name (has an extension).
// Empty when neither does.
func nameFromLink(u *url.URL, contentDisposition string) string {
	if contentDisposition != "" {
		if _, params, err := mime.ParseMediaType(contentDisposition); err == nil {
			if n := safeName(params["filename"]); n != "" {
				return n
			}
		}
	}
	return nameFromPath(u)
}

// nameFromPath is the last segment of the link's path when it looks like a file name.
func nameFromPath(u *url.URL) string {
	if u == nil {
		return ""
	}
	n := safeName(path.Base(u.Path))
	if i := strings.LastIndexByte(n, '.'); i <= 0 || i == len(n)-1 {
		return ""
	}
	return n
}

// maxNameBytes bounds a file name: file systems allow 255 bytes, and the .part and
// .part.json beside it need room.
const maxNameBytes = 200

// safeName keeps a name usable as a file name on every desktop system: one component (no
// folders), valid UTF-8, no control characters, none of the characters or device names
// Windows refuses, at most maxNameBytes (the end is kept, so is the extension, cut at a
// character's start; a device name's "_" may add one); empty when nothing is left.
func safeName(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "_")
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`<>:"|?*`, r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, s)
	if len(s) > maxNameBytes {
		cut := len(s) - maxNameBytes
		for cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut++
		}
		s = s[cut:]
	}
	s = strings.Trim(s, ". ")
	if stem, _, _ := strings.Cut(s, "."); windowsDevice(stem) {
		s = "_" + s
	}
	return s
}

// windowsDevice reports whether stem is a name Windows keeps for a device (CON, NUL,
// COM1, ...), which no file may have, whatever its extension.
func windowsDevice(stem string) bool {
	switch strings.ToUpper(strings.TrimRight(stem, " ")) {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	u := strings.ToUpper(stem)
	return len(u) == 4 && (strings.HasPrefix(u, "COM") || strings.HasPrefix(u, "LPT")) && u[3] >= '1' && u[3] <= '9'
}

// FallbackName is the name of a download whose link names no file:
// <app>-<environment>-<yyyymmdd-hhmm>.tar.gz for a full backup, .backup for database only.
// at is the backup's creation time (shown in UTC).
func FallbackName(app, env string, at time.Time, dbOnly bool) string {
	part := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
				return r
			}
			return '-'
		}, strings.TrimSpace(s))
		if s == "" {
			return "backup"
		}
		return s
	}
	ext := ".tar.gz"
	if dbOnly {
		ext = ".backup"
	}
	return part(app) + "-" + part(env) + "-" + at.UTC().Format("20060102-1504") + ext
}
