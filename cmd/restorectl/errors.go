package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"restoredesk/core/download"
	"restoredesk/core/explain"
	"restoredesk/core/localdb"
	"restoredesk/core/restore"
)

// printError says what went wrong in plain words, what to do next, and the technical
// detail for support (never the API key: the client keeps it out of every error).
func (c *cli) printError(cmdName string, err error) {
	e := explain.Explain(err)
	fmt.Fprintf(c.stderr, "restorectl %s: %s\n", cmdName, explain.Printable(e.Summary))
	switch {
	case e.Handoff != nil:
		// The way on is the Mendix Portal: its steps, the link and the file say it all.
		fmt.Fprintln(c.stderr, "What to do, in the Mendix Portal:")
		for i, step := range e.Handoff.Steps {
			fmt.Fprintf(c.stderr, "  %d. %s\n", i+1, explain.Printable(step))
		}
		fmt.Fprintf(c.stderr, "Mendix Portal: %s\n", explain.Printable(e.Handoff.URL))
		if e.Handoff.File != "" {
			fmt.Fprintf(c.stderr, "File: %s\n", explain.Printable(e.Handoff.File))
		}
	case e.NextStep != "":
		fmt.Fprintf(c.stderr, "What to do: %s\n", explain.Printable(e.NextStep))
	}
	if flag := optionFlag(cmdName, err); flag != "" {
		fmt.Fprintf(c.stderr, "Option: %s\n", flag)
	}
	if a := restore.ActionOf(err); a != nil && a.Kind != restore.ActionStart {
		fmt.Fprintf(c.stderr, "Run: %s\n", actionCommand(*a, "", ""))
	}
	if e.Detail != "" && e.Detail != e.Summary {
		// The detail has several lines (explain escapes the newlines of cloud text inside
		// them); each is escaped on its own.
		lines := strings.Split(e.Detail, "\n")
		for i, l := range lines {
			lines[i] = explain.Printable(l)
		}
		fmt.Fprintf(c.stderr, "Detail: %s\n", strings.Join(lines, "\n"))
	}
}

// optionFlag is the flag that answers a refusal pointing to a choice. Core words the
// choice plainly ("choose to create the database"); naming the control is ours.
func optionFlag(cmdName string, err error) string {
	switch localdb.OptionOf(err) {
	case localdb.OptionCreate:
		return "--create"
	case localdb.OptionReplace:
		return "--replace"
	case localdb.OptionPgRestore:
		return "--pg-restore PATH"
	}
	switch {
	case errors.Is(err, download.ErrExists) && cmdName == "download":
		return "--force"
	case errors.Is(err, download.ErrExists):
		return "--output PATH"
	case errors.Is(err, syscall.EADDRINUSE):
		return "--addr 127.0.0.1:PORT"
	}
	return ""
}
