package main

import (
	"context"
	"flag"
	"fmt"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
	"strconv"
)

func init() {
	register(&command{
		name:    "undo",
		args:    "RUN_ID [--yes | --confirm ENV]",
		summary: "restore the safety backup a run made, putting back the data from before it",
		run:     runUndo,
	})
	register(&command{
		name:    "resume",
		args:    "RUN_ID",
		summary: "follow an interrupted run to its end (a restore is never submitted twice)",
		run:     runResume,
	})
}

func runID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("RUN_ID must be a run number from 'restorectl history', not %q", arg)
	}
	return id, nil
}

func runUndo(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("undo")
	var f runFlags
	fs.BoolVar(&f.yes, "yes", false, "do not ask before restoring (not enough for production: use --confirm)")
	fs.StringVar(&f.confirm, "confirm", "", "the environment's name, as the confirmation a production restore needs")
	if err := f.check(); err != nil {
		return err
	}
	id, e, j, err := c.openRun(ctx, fs, args)
	if err != nil {
		return err
	}
	defer j.Close()
	p, err := e.Undo(ctx, id)
	if err != nil {
		return err
	}
	return c.confirmAndRun(ctx, e, p, &f)
}

func runResume(ctx context.Context, c *cli, args []string) error {
	id, e, j, err := c.openRun(ctx, c.flags("resume"), args)
	if err != nil {
		return err
	}
	defer j.Close()
	// Reattach reads the run itself and says plainly when there is no such run.
	u := c.follow(fmt.Sprintf("run %d", id), nil)
	res, err := e.Reattach(ctx, id, restore.Follow(u))
	restore.Finish(u, res, err)
	if res == nil {
		return err
	}
	var appID, mode string
	if jr, jerr := j.Get(ctx, id); jerr == nil {
		appID, mode = jr.AppID, jr.Mode
	}
	return c.report(res, err, appID, mode)
}

// openRun parses RUN_ID (the one argument) and opens the engine; close the journal when done.
func (c *cli) openRun(ctx context.Context, fs *flag.FlagSet, args []string) (int64, *restore.Engine, *journal.Journal, error) {
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return 0, nil, nil, err
	}
	id, err := runID(pos[0])
	if err != nil {
		return 0, nil, nil, err
	}
	e, j, _, err := c.engine(ctx)
	return id, e, j, err
}
