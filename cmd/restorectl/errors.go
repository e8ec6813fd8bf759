package main

import (
	"fmt"
	"strings"

	"restoredesk/core/explain"
)

// printError says what went wrong in plain words, what to do next, and the technical
// detail for support (never the API key: the client keeps it out of every error).
func (c *cli) printError(cmdName string, err error) {
	e := explain.Explain(err)
	fmt.Fprintf(c.stderr, "restorectl %s: %s\n", cmdName, explain.Printable(e.Summary))
	if e.NextStep != "" {
		fmt.Fprintf(c.stderr, "What to do: %s\n", explain.Printable(e.NextStep))
	}
	if e.Handoff != nil {
		fmt.Fprint(c.stderr, e.Handoff.Text())
	}
	if e.Detail != "" && e.Detail != e.Summary {
		// The detail has several lines; each is escaped on its own.
		lines := strings.Split(e.Detail, "\n")
		for i, l := range lines {
			lines[i] = explain.Printable(l)
		}
		fmt.Fprintf(c.stderr, "Detail: %s\n", strings.Join(lines, "\n"))
	}
}
