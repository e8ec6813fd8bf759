package download

import (
	"mime"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
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

// safeName keeps a name usable as a file name on every desktop system: no folders, no
// control characters, none of the characters Windows refuses; empty when nothing is left.
func safeName(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`<>:"|?*`, r) {
			return '_'
		}
		return r
	}, s)
	s = strings.Trim(s, ". ")
	if len(s) > 200 {
		s = s[len(s)-200:]
	}
	return s
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
