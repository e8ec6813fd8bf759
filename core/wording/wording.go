// Package wording owns the small helpers that put English sentences together for people:
// a capital at the start, a count with its noun. Every package that words
// messages uses these, so a sentence is built the same way everywhere.
package wording

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// UpperFirst is s with its first letter in upper case ("the backup" → "The backup").
func UpperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// LowerFirst is s with its first letter in lower case, for a sentence used mid-sentence.
func LowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// Plural is one when n is 1, many otherwise: the noun alone ("table", "tables").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count is n with its noun: "1 file", "3 files".
func Count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, Plural(n, one, many))
}
