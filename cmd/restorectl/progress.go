package main

import (
	"io"
	"os"

	"golang.org/x/term"

	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// follow starts the core's updater for a run titled title with the planned steps,
// printing its view on stderr as a transcript; pass restore.Follow(u) to the engine and
// end it with restore.Finish.
func (c *cli) follow(title string, steps []restore.Step) *progress.Updater {
	text := progress.NewText(c.stderr, isTerminal(c.stderr), restore.BytesVerb)
	return progress.NewUpdater(0, nil, title, restore.PlanSteps(steps), text.Print)
}

// isTerminal reports whether w is a terminal, where progress redraws one line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
