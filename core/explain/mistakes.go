package explain

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"restoredesk/core/cloud"
)

// Mistake is an error in what the user asked for (an unknown name, a missing setting, a
// wrong path), told with its own summary and next step: a user's mistake is never
// "something unexpected". Front ends and core packages return it where they find one.
type Mistake struct {
	Summary  string // what is wrong, e.g. "There is no profile named \"acme\"."
	NextStep string // what to do instead
	Err      error  // the cause, for the detail and for errors.Is; may be nil
}

// NewMistake returns a *Mistake.
func NewMistake(summary, nextStep string, cause error) error {
	return &Mistake{Summary: summary, NextStep: nextStep, Err: cause}
}

func (m *Mistake) Error() string {
	if m.Err == nil {
		return m.Summary
	}
	return m.Summary + " (" + m.Err.Error() + ")"
}

func (m *Mistake) Unwrap() error         { return m.Err }
func (m *Mistake) PlainSummary() string  { return m.Summary }
func (m *Mistake) PlainNextStep() string { return m.NextStep }

// byMistake explains the local mistakes that reach Explain without plain words of their
// own: a bad API URL, an address already in use, a path that is not there. ok is false for
// anything else.
func byMistake(err error) (message, bool) {
	var urlErr *cloud.APIURLError
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &urlErr):
		return message{
			"The cloud address (API URL) cannot be used: it " + firstClause(urlErr.Problem) + ".",
			"Use https://deploy.mendix.com for Mendix Cloud, or the http://127.0.0.1:PORT address that the embedded cloud prints when it starts; leave the address out to use Mendix Cloud.",
		}, true
	case errors.Is(err, syscall.EADDRINUSE):
		return message{
			"The address is already in use: another program (perhaps another embedded cloud) is listening on that port.",
			"Stop the other program, or choose another address, e.g. 127.0.0.1:8081 (port 0 picks a free one).",
		}, true
	case errors.As(err, &pathErr) && errors.Is(err, fs.ErrNotExist):
		return message{
			"There is no file or folder at " + pathErr.Path + ".",
			"Check the path (a relative path starts in the current folder) and try again.",
		}, true
	case errors.As(err, &pathErr) && errors.Is(err, syscall.EISDIR):
		return message{
			pathErr.Path + " is a folder, where a file was expected.",
			"Give the path of the file itself.",
		}, true
	case errors.As(err, &pathErr) && errors.Is(err, fs.ErrPermission):
		return message{
			"Restore Desk is not allowed to use " + pathErr.Path + ".",
			"Check the permissions of the file and its folder, or choose a place in your own folders.",
		}, true
	case errors.Is(err, syscall.ENOSPC):
		return message{
			"The disk is full, so Restore Desk could not write what it needed.",
			"Free some space on this computer's disk and try again.",
		}, true
	}
	return message{}, false
}

// firstClause drops the advice after a semicolon: the next step gives the advice.
func firstClause(s string) string {
	if i := strings.Index(s, ";"); i > 0 {
		return s[:i]
	}
	return s
}
