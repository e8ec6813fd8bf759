package main

import (
	"context"
	"fmt"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
)

// The lifecycle commands are runs of the restore engine, as the desktop app's toolbar
// buttons are: journaled, with the same progress lines, timeouts and plain-words errors.
func init() {
	register(&command{name: "create-backup", args: "APP ENV [--comment TEXT] [--no-wait]", summary: "make a manual backup of an environment", run: runCreateBackup})
	register(&command{name: "start", args: "APP ENV [--timeout DURATION]", summary: "start an environment and wait until it runs", run: runStart})
	register(&command{name: "stop", args: "APP ENV [--timeout DURATION] [--confirm ENV]", summary: "stop an environment and wait until it is stopped (production needs --confirm ENV)", run: runStop})
}

func runCreateBackup(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("create-backup")
	comment := fs.String("comment", cloud.CommentManual, "the backup's comment")
	noWait := fs.Bool("no-wait", false, "return once the backup is queued")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	req := restore.Request{Action: journal.KindBackup, Backup: restore.BackupOptions{Comment: *comment, NoWait: *noWait}}
	return c.lifecycle(ctx, pos, nil, req, &runFlags{planOnStderr: true}, func(t restore.Target, res *restore.Result) error {
		snap := res.Backup
		if c.json {
			return c.printJSON(snap)
		}
		fmt.Fprintf(c.stdout, "Backup %s of %s %s: %s\n", p(snap.SnapshotID), p(t.App.Name), p(t.Env.Mode), p(string(snap.State)))
		if *noWait && !snap.State.Done() {
			fmt.Fprintf(c.stdout, "Not waiting for it to finish (--no-wait); 'restorectl backups %s %s' shows when it is completed.\n", p(t.App.AppID), p(t.Env.Mode))
		}
		return nil
	})
}

func runStart(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("start")
	timeout := fs.Duration("timeout", 15*time.Minute, "how long to wait until it runs")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usagef("--timeout must be longer than 0, e.g. 15m")
	}
	return c.lifecycle(ctx, pos, []restore.Option{restore.WithStartTimeout(*timeout)}, restore.Request{Action: journal.KindStart}, &runFlags{planOnStderr: true},
		c.stateReport("is already running", "is running"))
}

func runStop(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("stop")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait until it is stopped")
	confirm := fs.String("confirm", "", "the environment's name, as the confirmation stopping production needs")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usagef("--timeout must be longer than 0, e.g. 10m")
	}
	return c.lifecycle(ctx, pos, []restore.Option{restore.WithStopTimeout(*timeout)}, restore.Request{Action: journal.KindStop},
		&runFlags{confirm: *confirm, planOnStderr: true}, c.stateReport("is already stopped", "is stopped"))
}

// lifecycle resolves APP and ENV (pos), has the engine plan req (a start, stop or backup)
// there, confirms it as the plan asks (only stopping production needs its name), runs it
// with progress on stderr, and lets report print the outcome of a run that succeeded; a
// refusal or failure is printed by main.
func (c *cli) lifecycle(ctx context.Context, pos []string, opts []restore.Option, req restore.Request, f *runFlags,
	report func(t restore.Target, res *restore.Result) error) error {
	s, err := c.openTarget(ctx, pos[0], pos[1], opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	t := s.target
	req.Profile, req.Target = c.profile, t
	p, err := s.e.Plan(ctx, req)
	if err != nil {
		return err
	}
	if err := c.confirmPlan("", p, f); err != nil {
		return err
	}
	u := c.follow(t.Env.Mode, p.Steps)
	res, err := s.e.Run(ctx, p, restore.Follow(u))
	restore.Finish(u, res, err)
	if err != nil {
		return err
	}
	return report(t, res)
}

// stateReport prints "Order Desk Production is stopped." (or already), or the run as JSON.
func (c *cli) stateReport(already, now string) func(restore.Target, *restore.Result) error {
	return func(t restore.Target, res *restore.Result) error {
		if c.json {
			return c.printJSON(res)
		}
		state := now
		if res.AlreadyDone {
			state = already
		}
		fmt.Fprintf(c.stdout, "%s %s %s.\n", p(t.App.Name), p(t.Env.Mode), state)
		return nil
	}
}
