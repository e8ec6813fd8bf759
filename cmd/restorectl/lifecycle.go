package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"restoredesk/core/cloud"
)

func init() {
	register(&command{name: "create-backup", args: "APP ENV [--comment TEXT] [--no-wait]", summary: "make a manual backup of an environment", run: runCreateBackup})
	register(&command{name: "start", args: "APP ENV [--timeout DURATION]", summary: "start an environment and wait until it runs", run: runStart})
	register(&command{name: "stop", args: "APP ENV [--timeout DURATION]", summary: "stop an environment and wait until it is stopped", run: runStop})
}

// pollInterval is how often job states are asked for.
const pollInterval = 2 * time.Second

func runCreateBackup(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("create-backup")
	comment := fs.String("comment", cloud.CommentManual, "the backup's comment")
	noWait := fs.Bool("no-wait", false, "return once the backup is queued")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	app, env, err := resolveTarget(ctx, cl, pos[0], pos[1])
	if err != nil {
		return err
	}
	snap, err := cl.CreateSnapshot(ctx, app.ProjectID, env.EnvironmentID, *comment)
	if err != nil {
		return fmt.Errorf("create a backup of %s %s: %w", app.Name, env.Mode, err)
	}
	if !*noWait {
		fmt.Fprintf(c.stderr, "Backing up %s %s (snapshot %s)...\n", app.Name, env.Mode, snap.SnapshotID)
		snap, err = waitSnapshot(ctx, cl, app.ProjectID, env.EnvironmentID, snap.SnapshotID)
		if err != nil {
			return err
		}
	}
	if c.json {
		return c.printJSON(snap)
	}
	fmt.Fprintf(c.stdout, "Backup %s of %s %s: %s\n", snap.SnapshotID, app.Name, env.Mode, snap.State)
	return nil
}

// waitSnapshot polls until the snapshot is completed (or failed, an error).
func waitSnapshot(ctx context.Context, cl *cloud.Client, projectID, envID, id string) (*cloud.Snapshot, error) {
	for {
		s, err := cl.GetSnapshot(ctx, projectID, envID, id)
		if err != nil {
			return nil, err
		}
		switch s.State {
		case cloud.StateCompleted:
			return s, nil
		case cloud.StateFailed:
			return s, fmt.Errorf("the backup failed: %s", orDash(s.StatusMessage))
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return nil, err
		}
	}
}

func runStart(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("start")
	timeout := fs.Duration("timeout", 15*time.Minute, "how long to wait until it runs")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	app, env, err := resolveTarget(ctx, cl, pos[0], pos[1])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	job, err := cl.StartEnvironment(ctx, app.AppID, env.Mode, true)
	if errors.Is(err, cloud.ErrAlreadyStarted) {
		fmt.Fprintf(c.stdout, "%s %s is already running.\n", app.Name, env.Mode)
		return nil
	}
	if err != nil {
		return fmt.Errorf("start %s %s: %w", app.Name, env.Mode, err)
	}
	fmt.Fprintf(c.stderr, "Starting %s %s...\n", app.Name, env.Mode)
	for {
		st, err := cl.GetStartJob(ctx, app.AppID, env.Mode, job.JobID)
		if err != nil {
			return fmt.Errorf("start %s %s: %w", app.Name, env.Mode, waitErr(ctx, err, *timeout, "start"))
		}
		if strings.EqualFold(st.Status, cloud.StartStarted) {
			fmt.Fprintf(c.stdout, "%s %s is running.\n", app.Name, env.Mode)
			return nil
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("start %s %s: %w", app.Name, env.Mode, waitErr(ctx, err, *timeout, "start"))
		}
	}
}

func runStop(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("stop")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait until it is stopped")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	app, env, err := resolveTarget(ctx, cl, pos[0], pos[1])
	if err != nil {
		return err
	}
	if env.Status == cloud.StatusStopped {
		fmt.Fprintf(c.stdout, "%s %s is already stopped.\n", app.Name, env.Mode)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := cl.StopEnvironment(ctx, app.AppID, env.Mode); err != nil {
		return fmt.Errorf("stop %s %s: %w", app.Name, env.Mode, err)
	}
	fmt.Fprintf(c.stderr, "Stopping %s %s...\n", app.Name, env.Mode)
	for {
		e, err := cl.GetEnvironment(ctx, app.AppID, env.Mode)
		if err != nil {
			return fmt.Errorf("stop %s %s: %w", app.Name, env.Mode, waitErr(ctx, err, *timeout, "stop"))
		}
		if e.Status == cloud.StatusStopped {
			fmt.Fprintf(c.stdout, "%s %s is stopped.\n", app.Name, env.Mode)
			return nil
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("stop %s %s: %w", app.Name, env.Mode, waitErr(ctx, err, *timeout, "stop"))
		}
	}
}

// waitErr turns a deadline into a sentence about the wait.
func waitErr(ctx context.Context, err error, timeout time.Duration, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("did not %s within %s; look at the environment in the Mendix Portal", what, timeout)
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
