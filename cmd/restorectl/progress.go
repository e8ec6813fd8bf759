package main

import (
	"cmp"
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

// followed runs work with the transcript of follow, titled title over steps, and ends it
// with the run's result (base: the Result a run's own result type embeds).
func followed[R any](c *cli, title string, steps []restore.Step, work func(onEvent func(restore.Event)) (*R, error),
	base func(*R) *restore.Result) (*R, error) {
	u := c.follow(title, steps)
	res, err := work(restore.Follow(u))
	var b *restore.Result
	if res != nil {
		b = base(res)
	}
	restore.Finish(u, b, err)
	return res, err
}

// appLabel is an app as a line names it: its name, else its id; escaped (cloud text).
func appLabel(t restore.Target) string { return p(cmp.Or(t.App.Name, t.App.AppID)) }

// isTerminal reports whether w is a terminal, where progress redraws one line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
