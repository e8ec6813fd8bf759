package main

import (
	"os"

	"golang.org/x/term"

	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// follow starts the core's updater for a run titled title with the planned steps,
// printing its view on stderr as a transcript; pass restore.Follow(u) to the engine and
// end it with restore.Finish.
func (c *cli) follow(title string, steps []restore.Step) *progress.Updater {
	tty := false
	if f, ok := c.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		tty = true
	}
	text := progress.NewText(c.stderr, tty, restore.BytesVerb)
	return progress.NewUpdater(0, nil, title, restore.PlanSteps(steps), text.Print)
}
