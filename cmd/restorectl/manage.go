package main

import (
	"context"
	"fmt"

	"restoredesk/core/explain"
	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name:    "comment",
		args:    "APP ENV SNAPSHOT_ID TEXT",
		summary: "set a backup's comment (an empty TEXT removes it)",
		run:     runComment,
	})
	register(&command{
		name:    "delete",
		args:    "APP ENV SNAPSHOT_ID [--yes | --confirm ENV]",
		summary: "delete a manual backup (never one being restored; production needs --confirm ENV)",
		run:     runDelete,
	})
}

func runComment(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("comment"), args, 4, 4)
	if err != nil {
		return err
	}
	if pos[2], err = snapshotArg("comment", pos[2], false); err != nil {
		return err
	}
	return c.manage(ctx, pos, restore.ManageRequest{SnapshotID: pos[2], Comment: pos[3]}, &runFlags{yes: true})
}

func runDelete(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("delete")
	f := &runFlags{}
	fs.BoolVar(&f.yes, "yes", false, "do not ask before deleting (not enough for production: use --confirm)")
	fs.StringVar(&f.confirm, "confirm", "", "the environment's name, as the confirmation deleting a production backup needs")
	pos, err := parse(fs, args, 3, 3)
	if err != nil {
		return err
	}
	if pos[2], err = snapshotArg("delete", pos[2], false); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	return c.manage(ctx, pos, restore.ManageRequest{SnapshotID: pos[2], Delete: true}, f)
}

// manage plans the change to one backup, shows the plan, gets the confirmation the plan
// asks for, and runs it.
func (c *cli) manage(ctx context.Context, pos []string, req restore.ManageRequest, f *runFlags) error {
	s, err := c.openTarget(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer s.Close()
	e, env := s.e, s.target.Env
	req.Profile, req.Target = c.profile, s.target
	p, err := e.PlanManage(ctx, req)
	if err != nil {
		return err
	}
	if err := c.confirmPlan("", p, f); err != nil {
		return err
	}
	u := c.follow(env.Mode, p.Steps)
	res, err := e.RunManage(ctx, p, restore.Follow(u))
	restore.Finish(u, res, err)
	if err != nil {
		return err
	}
	if c.json {
		if res.Backup != nil {
			return c.printJSON(res.Backup)
		}
		return c.printJSON(res)
	}
	fmt.Fprintln(c.stdout, explain.Printable(res.Message))
	return nil
}
