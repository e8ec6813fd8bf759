package main

import (
	"context"

	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name:    "upload",
		args:    "APP ENV FILE [--restore] [--db-only] [--no-safety-backup] [--start] [--yes | --confirm ENV]",
		summary: "check a local backup file and upload it as a backup; with --restore, restore it too",
		run:     runUpload,
	})
}

func runUpload(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("upload")
	f := addRunFlags(fs, false)
	andRestore := fs.Bool("restore", false, "restore the uploaded backup into ENV (stopping it first)")
	pos, err := parse(fs, args, 3, 3)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if !*andRestore && (f.start || f.dbOnly || f.noSafety) {
		return usagef("--start, --db-only and --no-safety-backup need --restore: an upload alone changes nothing in the environment")
	}
	s, err := c.openTarget(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer s.Close()
	opts := f.options()
	opts.UploadOnly = !*andRestore
	req := restore.Request{
		Profile: c.profile,
		Source:  restore.Source{File: pos[2]},
		Target:  s.target,
		Options: opts,
	}
	return c.planAndRun(ctx, s.e, req, f)
}
