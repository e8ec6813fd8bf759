package main

import (
	"context"
	"errors"
	"fmt"

	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name:    "download",
		args:    "APP ENV SNAPSHOT_ID|latest [--db-only] [--output PATH] [--force] | [--db-only] --print-url",
		summary: "download a backup to this computer (resumable), check its SHA-256 and inspect it; or, with --print-url, only print a fresh download link (it works for 8 hours, for anyone who has it)",
		run:     runDownload,
	})
}

// downloadReport is what --json prints.
type downloadReport struct {
	RunID      int64    `json:"run_id"`
	Path       string   `json:"path"`
	Size       int64    `json:"size"`
	SHA256     string   `json:"sha256"`
	SnapshotID string   `json:"snapshot_id"`
	ArchiveID  string   `json:"archive_id"`
	Kind       string   `json:"kind"`
	Restorable bool     `json:"restorable"`
	Problems   []string `json:"problems"`
}

func runDownload(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("download")
	dbOnly := fs.Bool("db-only", false, "download the database only (a .backup dump) instead of the full backup")
	output := fs.String("output", "", "a folder or a file name (default: the current folder)")
	force := fs.Bool("force", false, "replace an existing file of the same name")
	printURL := fs.Bool("print-url", false, "download nothing: print a fresh signed download link on stdout")
	pos, err := parse(fs, args, 3, 3)
	if err != nil {
		return err
	}
	if pos[2], err = snapshotArg("download", pos[2], true); err != nil {
		return err
	}
	if *printURL && (*output != "" || *force) {
		return usagef("--print-url downloads nothing, so --output and --force do not apply: leave them out")
	}
	s, err := c.openTarget(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer s.Close()
	if *printURL {
		return c.printLink(ctx, s, pos[2], *dbOnly)
	}
	plan, err := s.e.PlanDownload(ctx, restore.DownloadRequest{Profile: c.profile, Target: s.target, SnapshotID: pos[2],
		DBOnly: *dbOnly, Output: *output, Force: *force})
	if err != nil {
		return err
	}
	title := fmt.Sprintf("Download a backup of %s / %s", appLabel(s.target), p(s.target.Env.Mode))
	if err := c.confirmPlan(title, plan, nil); err != nil {
		return err
	}
	res, err := followed(c, title, plan.Steps, func(on func(restore.Event)) (*restore.DownloadResult, error) {
		return s.e.DownloadBackup(ctx, plan, on)
	}, func(r *restore.DownloadResult) *restore.Result { return &r.Result })
	if err != nil && !errors.Is(err, restore.ErrNotRestorable) {
		return err
	}
	rep := res.Report
	if rep == nil {
		rep = restore.ReportOf(err)
	}
	if c.json {
		out := downloadReport{RunID: res.RunID, Path: res.Path, Size: res.Size, SHA256: res.SHA256,
			SnapshotID: plan.Snapshot.SnapshotID, ArchiveID: res.ArchiveID}
		if rep != nil {
			out.Kind, out.Restorable, out.Problems = string(rep.Kind), rep.Restorable, rep.Problems
		}
		if err := c.printJSON(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.stdout, "Saved:   %s\n", p(res.Path))
		fmt.Fprintf(c.stdout, "Size:    %s (%d bytes)\n", progress.Size(res.Size), res.Size)
		fmt.Fprintf(c.stdout, "SHA-256: %s\n", res.SHA256)
		switch {
		case rep != nil && rep.Restorable:
			fmt.Fprintf(c.stdout, "Check:   passed: %s that Mendix Cloud can restore (run %d)\n", rep.Kind.Label(), res.RunID)
		default:
			fmt.Fprintf(c.stdout, "Check:   FAILED: this file cannot be restored as it is (run %d)\n", res.RunID)
			if rep != nil {
				for _, pr := range rep.Problems {
					fmt.Fprintf(c.stdout, "  • %s\n", p(pr))
				}
			}
		}
	}
	if err != nil {
		return &exitError{code: exitFailure}
	}
	return nil
}
