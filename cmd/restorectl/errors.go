package main

import (
	"fmt"

	"restoredesk/core/explain"
	"restoredesk/core/restore"
)

// printError says what went wrong in plain words, what to do next, and the technical
// detail for support (never the API key: the client keeps it out of every error).
func (c *cli) printError(cmdName string, err error) {
	e := explain.Explain(err)
	fmt.Fprintf(c.stderr, "restorectl %s: %s\n", cmdName, e.Summary)
	if e.NextStep != "" {
		fmt.Fprintf(c.stderr, "What to do: %s\n", e.NextStep)
	}
	if a := restore.ActionOf(err); a != nil && a.Kind != restore.ActionStart {
		fmt.Fprintf(c.stderr, "Run: %s\n", actionCommand(*a, "", ""))
	}
	if e.Detail != "" && e.Detail != e.Summary {
		fmt.Fprintf(c.stderr, "Detail: %s\n", e.Detail)
	}
}
