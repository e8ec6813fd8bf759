package main

import (
	"context"
	"flag"
	"fmt"
	"restoredesk/core/journal"
	"strconv"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/restore"
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
	if jr, jerr := j.Get(ctx, id); jerr == nil && jr.Status.Finished() {
		next := "'restorectl history' shows how it ended."
		if jr.CanUndo() {
			next += fmt.Sprintf(" To put back the data from before it, run 'restorectl undo %d'.", id)
		}
		return explain.NewMistake(fmt.Sprintf("Run %d has already finished (%s): there is nothing to follow.", id, jr.Status), next, nil)
	}
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

// useRunsCloud points the command at the cloud run id was recorded with, under the
// profile it was recorded with: undoing or following a run on another cloud or account
// would act on the wrong environment. A --profile or --api-url that names another one is
// a mistake; an unknown run is left to the engine, which says so plainly.
func (c *cli) useRunsCloud(ctx context.Context, id int64) error {
	j, err := c.journal()
	if err != nil {
		return err
	}
	defer j.Close()
	jr, err := j.Get(ctx, id)
	if err != nil {
		return nil
	}
	if jr.Profile != "" {
		if c.profile != "" && c.profile != jr.Profile {
			return explain.NewMistake(fmt.Sprintf("Run %d was made with the profile %q, not %q.", id, jr.Profile, c.profile),
				"Leave --profile out: the run's own profile is used.", nil)
		}
		c.profile = jr.Profile
	}
	if jr.APIURL != "" {
		if c.apiURLSet && !cloud.SameCloud(c.apiURL, jr.APIURL) {
			return explain.NewMistake(fmt.Sprintf("Run %d was made on %s, not on %s.", id, cloud.RedactURL(jr.APIURL), cloud.RedactURL(c.apiURL)),
				"Leave --api-url out: the run's own cloud is used.", nil)
		}
		c.apiURL, c.apiURLSet = jr.APIURL, true
	}
	return nil
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
	if err := c.useRunsCloud(ctx, id); err != nil {
		return 0, nil, nil, err
	}
	e, j, _, err := c.engine(ctx)
	return id, e, j, err
}
