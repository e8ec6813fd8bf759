package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name:    "restore",
		args:    "APP ENV SNAPSHOT_ID [--from SOURCE_ENV] [--db-only] [--no-safety-backup] [--start] [--yes | --confirm ENV]",
		summary: "restore a backup into an environment (stopping it first when it runs), with a safety backup",
		run:     runRestore,
	})
}

// runFlags are the choices restore, upload and undo share.
type runFlags struct {
	from     string
	dbOnly   bool
	noSafety bool
	start    bool
	yes      bool
	confirm  string
	// planOnStderr draws the plan on stderr: stdout is one line scripts read.
	planOnStderr bool
}

func addRunFlags(fs *flag.FlagSet, from bool) *runFlags {
	f := &runFlags{}
	if from {
		fs.StringVar(&f.from, "from", "", "the environment the backup belongs to (default: ENV)")
	}
	fs.BoolVar(&f.dbOnly, "db-only", false, "restore the database only; file documents stay as they are")
	fs.BoolVar(&f.noSafety, "no-safety-backup", false, "do not make a safety backup first (the restore cannot be undone)")
	fs.BoolVar(&f.start, "start", false, "start the environment after restoring")
	fs.BoolVar(&f.yes, "yes", false, "do not ask before restoring (not enough for production, nor for data that may be another app's: use --confirm)")
	fs.StringVar(&f.confirm, "confirm", "", "the environment's name, as the confirmation a restore into production, or of data that may be another app's, needs")
	return f
}

func runRestore(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("restore")
	f := addRunFlags(fs, true)
	pos, err := parse(fs, args, 3, 3)
	if err != nil {
		return err
	}
	if pos[2], err = snapshotArg("restore", pos[2], false); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	s, err := c.openTarget(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer s.Close()
	req := restore.Request{
		Profile: c.profile,
		Source:  restore.Source{SnapshotID: pos[2]},
		Target:  s.target,
		Options: f.options(),
	}
	if f.from != "" {
		src, err := resolveEnv(ctx, s.cl, s.target.App, f.from)
		if err != nil {
			return err
		}
		req.Source.SourceEnvID = src.EnvironmentID
	}
	return c.planAndRun(ctx, s.e, req, f)
}

// planAndRun mentions interrupted runs of the target, plans req (showing the inspection
// of a file as it goes), then confirms and runs the plan.
func (c *cli) planAndRun(ctx context.Context, e *restore.Engine, req restore.Request, f *runFlags) error {
	c.noteUnfinished(ctx, e, req.Target.App.AppID, req.Target.Env.Mode)
	u := c.follow("plan", nil)
	p, err := e.PlanWithProgress(ctx, req, restore.Follow(u))
	restore.Finish(u, nil, err)
	if err != nil {
		return err
	}
	return c.confirmAndRun(ctx, e, p, f)
}

func (f *runFlags) check() error {
	if f.yes && f.confirm != "" {
		return usagef("use --yes or --confirm ENV, not both")
	}
	return nil
}

func (f *runFlags) options() restore.Options {
	return restore.Options{DBOnly: f.dbOnly, SafetyBackup: !f.noSafety, Start: f.start, Confirm: f.confirm}
}

// noteUnfinished mentions interrupted runs of the same environment before a new one.
func (c *cli) noteUnfinished(ctx context.Context, e *restore.Engine, appID, mode string) {
	runs, err := e.Unfinished(ctx)
	if err != nil {
		return
	}
	for _, r := range runs {
		if r.AppID == appID && strings.EqualFold(r.Mode, mode) {
			fmt.Fprintf(c.stderr, "Note: %s Follow it with: restorectl resume %d\n", p(restore.Describe(r)), r.ID)
		}
	}
}

// planHeader names what the plan does, and where.
func planHeader(plan *restore.Plan) string {
	t := plan.Request.Target
	what := "Restore into"
	if plan.Request.Options.UploadOnly {
		what = "Upload to"
	}
	if plan.UndoOf != 0 {
		what = fmt.Sprintf("Undo run %d in", plan.UndoOf)
	}
	return fmt.Sprintf("%s %s / %s (%s)", what, appLabel(t), p(t.Env.Mode), t.Env.Status.Label())
}

// confirmAndRun draws the plan, gets the confirmation it asks for, runs it with live
// progress and prints the result. Nothing changes before the confirmation.
func (c *cli) confirmAndRun(ctx context.Context, e *restore.Engine, p *restore.Plan, f *runFlags) error {
	if err := c.confirmPlan(planHeader(p), p, f); err != nil {
		return err
	}
	mode := p.Request.Target.Env.Mode
	u := c.follow(mode, p.Steps)
	res, err := e.Run(ctx, p, restore.Follow(u))
	restore.Finish(u, res, err)
	return c.report(res, err, p.Request.Target.App.AppID, mode)
}

// report prints how a run ended and the next steps it suggests, in restorectl's words;
// the error (if any) is printed by main in plain words.
func (c *cli) report(res *restore.Result, err error, appID, mode string) error {
	if res == nil {
		return err
	}
	jerr := c.printEnd(res, res, func() {
		if res.UploadSnapshotID != "" {
			fmt.Fprintf(c.stdout, "Uploaded backup: %s\n", res.UploadSnapshotID)
		}
		if res.SafetySnapshotID != "" {
			fmt.Fprintf(c.stdout, "Safety backup: %s\n", res.SafetySnapshotID)
		}
		if res.RestoreID != "" {
			fmt.Fprintf(c.stdout, "Restore: %s\n", res.RestoreID)
		}
	})
	if jerr != nil {
		return jerr
	}
	for _, a := range res.NextActions() {
		switch {
		case a.Kind == restore.ActionFollow && restore.ActionOf(err) == nil: // else main says it with the error
			fmt.Fprintf(c.stderr, "The restore goes on in the cloud. Follow it again with: %s\n", actionCommand(a, appID, mode))
		case a.Kind == restore.ActionStart && appID != "" && (err == nil || errors.Is(err, restore.ErrInterrupted)):
			fmt.Fprintf(c.stderr, "%s is stopped. Start it with: %s\n", p(mode), p(actionCommand(a, appID, mode)))
		case a.Kind == restore.ActionUndo && !c.json:
			fmt.Fprintf(c.stdout, "Undo it with: %s\n", actionCommand(a, appID, mode))
		}
	}
	return err
}

// printEnd prints how a run ended: all of whole as JSON, or res's line ("Run 12
// completed: …") followed by details. Its error is only JSON's that could not be written.
func (c *cli) printEnd(whole any, res *restore.Result, details func()) error {
	if c.json {
		return c.printJSON(whole)
	}
	fmt.Fprintf(c.stdout, "Run %d %s: %s\n", res.RunID, res.Status, p(res.Message))
	details()
	return nil
}

// actionCommand is the command line that takes the engine's next step a.
func actionCommand(a restore.NextAction, appID, mode string) string {
	switch a.Kind {
	case restore.ActionFollow:
		return fmt.Sprintf("restorectl resume %d", a.RunID)
	case restore.ActionUndo:
		return fmt.Sprintf("restorectl undo %d", a.RunID)
	case restore.ActionStart:
		return fmt.Sprintf("restorectl start %s %s", appID, mode)
	case restore.ActionInspect:
		return fmt.Sprintf("restorectl inspect %q", a.File)
	}
	return ""
}
