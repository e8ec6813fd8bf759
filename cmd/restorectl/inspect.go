package main

import (
	"context"

	"restoredesk/core/archive"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name:    "inspect",
		args:    "FILE [--json]",
		summary: "check a local backup file (.backup, .db, .tar.gz, .gz) before uploading it; exit 1 when not restorable",
		run:     runInspect,
	})
}

func runInspect(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("inspect"), args, 1, 1)
	if err != nil {
		return err
	}
	u := c.follow("inspect", nil)
	counted := progress.NewCounter(0, 0)
	u.Count(string(restore.StepInspect), counted)
	rep, err := archive.Inspect(ctx, pos[0], func(d, t int64) { counted.SetTotal(t); counted.Set(d) })
	u.Done(progress.RunCompleted, "", err)
	if err != nil {
		return err
	}
	if c.json {
		if err := c.printJSON(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(c.stdout); err != nil {
		return err
	}
	if !rep.Restorable {
		return &exitError{code: exitFailure}
	}
	return nil
}
