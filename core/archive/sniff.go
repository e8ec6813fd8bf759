package archive

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// content is what the first bytes of a file (or of a decompressed stream) say it is.
type content int

const (
	contentEmpty content = iota
	contentUnknown
	contentGzip
	contentDump // PGDMP
	contentTar
	contentZip
	contentOtherCompression
	contentText
)

// sniffLen is how many leading bytes classification looks at: enough for a tar header
// and for the comment block at the top of a plain SQL dump.
const sniffLen = 8 << 10

// otherCompressions are containers people mistake for a backup, by magic number.
var otherCompressions = []struct {
	magic string
	name  string
}{
	{"BZh", "bzip2"},
	{"\xfd7zXZ\x00", "xz"},
	{"\x28\xb5\x2f\xfd", "zstd"},
	{"7z\xbc\xaf\x27\x1c", "7-Zip"},
	{"Rar!\x1a\x07", "RAR"},
	{"\x04\x22\x4d\x18", "lz4"},
}

// sniff classifies head, the first bytes of a stream; name is set for
// contentOtherCompression.
func sniff(head []byte) (c content, name string) {
	switch {
	case len(head) == 0:
		return contentEmpty, ""
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return contentGzip, ""
	case bytes.HasPrefix(head, []byte("PGDMP")):
		return contentDump, ""
	case isTarHeader(head):
		return contentTar, ""
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")),
		bytes.HasPrefix(head, []byte("PK\x07\x08")):
		return contentZip, ""
	}
	for _, o := range otherCompressions {
		if bytes.HasPrefix(head, []byte(o.magic)) {
			return contentOtherCompression, o.name
		}
	}
	if isText(head) {
		return contentText, ""
	}
	return contentUnknown, ""
}

// isTarHeader accepts a POSIX/GNU header ("ustar" at 257) or an old V7 header whose
// checksum adds up.
func isTarHeader(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	if string(b[257:262]) == "ustar" {
		return true
	}
	if b[0] == 0 {
		return false
	}
	field := strings.Trim(string(b[148:156]), " \x00")
	want, err := strconv.ParseInt(field, 8, 64)
	if err != nil {
		return false
	}
	var sum int64
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want
}

// isText reports whether b looks like text: valid UTF-8 (a rune cut at the end is fine),
// no NUL bytes, and hardly any control characters.
func isText(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	cut := b
	for i := 0; i < utf8.UTFMax && len(cut) > 0; i++ {
		if utf8.Valid(cut) {
			break
		}
		cut = cut[:len(cut)-1]
	}
	if !utf8.Valid(cut) || len(cut) == 0 {
		return false
	}
	control := 0
	for _, c := range cut {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			control++
		}
	}
	return control*100 <= len(cut)
}

// textKind says which kind of text a user mistook for a backup.
type textKind int

const (
	kindOtherText textKind = iota
	kindSQLDump            // pg_dump -Fp or pg_dumpall output
	kindSQL                // some other SQL script
	kindWebPage            // HTML, or an XML/JSON error document saved by a browser
)

func classifyText(b []byte) textKind {
	s := string(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	if strings.Contains(s, "PostgreSQL database dump") || strings.Contains(s, "PostgreSQL database cluster dump") {
		return kindSQLDump
	}
	trim := strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(trim, "<!doctype html"), strings.HasPrefix(trim, "<html"),
		strings.Contains(trim[:min(len(trim), 1024)], "<html"):
		return kindWebPage
	case strings.HasPrefix(trim, "<?xml") && (strings.Contains(trim, "<error") || strings.Contains(trim, "<html")):
		return kindWebPage
	case strings.HasPrefix(trim, "{") && (strings.Contains(trim, "\"error") || strings.Contains(trim, "\"message\"")):
		return kindWebPage
	}
	for _, line := range strings.Split(trim, "\n") {
		line = strings.TrimSpace(line)
		for _, kw := range []string{"create table ", "insert into ", "copy ", "set ", "create schema ", "alter table ", "\\connect "} {
			if strings.HasPrefix(line, kw) {
				return kindSQL
			}
		}
	}
	return kindOtherText
}

// nameExpect is what a file name promises about the content.
type nameExpect int

const (
	expectNothing nameExpect = iota
	expectTarGz
	expectGzip
	expectDump
	expectZip
	expectSQL
	expectTar
)

func expectFromName(path string) (nameExpect, string) {
	lower := strings.ToLower(filepath.Base(path))
	for _, suffix := range []string{".crdownload", ".part", ".download", ".partial"} {
		lower = strings.TrimSuffix(lower, suffix)
	}
	switch {
	case strings.HasSuffix(lower, ".tar.gz"):
		return expectTarGz, ".tar.gz"
	case strings.HasSuffix(lower, ".tgz"):
		return expectTarGz, ".tgz"
	}
	ext := filepath.Ext(lower)
	switch ext {
	case ".gz":
		return expectGzip, ext
	case ".backup", ".dump", ".db", ".pgdump":
		return expectDump, ext
	case ".zip":
		return expectZip, ext
	case ".sql":
		return expectSQL, ext
	case ".tar":
		return expectTar, ext
	}
	return expectNothing, ext
}

// partialDownloadName reports names browsers give to downloads that have not finished.
func partialDownloadName(path string) bool {
	lower := strings.ToLower(path)
	for _, suffix := range []string{".crdownload", ".part", ".download", ".partial"} {
		if strings.HasSuffix(lower, suffix) {
			return true
		}
	}
	return false
}
