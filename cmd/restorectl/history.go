package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"restoredesk/core/journal"
)

func init() {
	register(&command{
		name:    "history",
		args:    "[--app APP] [--limit N] [--csv | --json]",
		summary: "list past runs (restores, uploads, undos, starts, stops, backups) from the journal (--profile narrows to one profile)",
		run:     runHistory,
	})
}

func runHistory(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("history")
	app := fs.String("app", "", "only runs into this AppId")
	limit := fs.Int("limit", 50, "at most this many runs, newest first (0: all)")
	asCSV := fs.Bool("csv", false, "print every field as CSV")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("--limit must be 0 or more")
	}
	j, err := c.journal()
	if err != nil {
		return err
	}
	defer j.Close()
	filter := journal.Filter{Profile: c.profile, AppID: *app, Limit: *limit}
	if *asCSV {
		return j.ExportCSV(ctx, c.stdout, filter)
	}
	runs, err := j.List(ctx, filter)
	if err != nil {
		return err
	}
	if c.json {
		if runs == nil {
			runs = []journal.Run{}
		}
		return c.printJSON(runs)
	}
	if len(runs) == 0 {
		fmt.Fprintln(c.stdout, "No runs yet.")
		return nil
	}
	unfinished := map[int64]bool{}
	if un, err := j.Unfinished(ctx); err == nil {
		for _, r := range un {
			unfinished[r.ID] = true
		}
	}
	tw := c.table("RUN", "STARTED", "KIND", "TARGET", "SOURCE", "STATUS", "NOTES")
	for _, r := range runs {
		status := string(r.Status)
		var notes []string
		switch {
		case unfinished[r.ID]:
			status = "interrupted"
			notes = append(notes, fmt.Sprintf("follow it: restorectl resume %d", r.ID))
		case r.Status == journal.StatusRunning:
			status = "running"
		}
		if r.CanUndo() {
			notes = append(notes, fmt.Sprintf("undo: restorectl undo %d", r.ID))
		}
		if r.StoppedEnv && !r.StartedEnv && r.Status.Finished() {
			notes = append(notes, "left "+r.Mode+" stopped")
		}
		if r.Error != "" {
			notes = append(notes, p(firstLine(r.Error)))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.StartedAt.Local().Format(time.DateTime), r.Kind,
			p(r.Target()), p(shortID(r.Source())), status, strings.Join(notes, "; "))
	}
	return tw.Flush()
}

func shortID(s string) string {
	if len(s) > 36 {
		return s[:33] + "..."
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\n["); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}
