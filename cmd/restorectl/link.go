package main

import (
	"context"
	"fmt"
	"time"

	"restoredesk/core/explain"
	"restoredesk/core/restore"
)

// linkReport is what download --print-url --json prints.
type linkReport struct {
	RunID      int64     `json:"run_id"`
	SnapshotID string    `json:"snapshot_id"`
	ArchiveID  string    `json:"archive_id"`
	URL        string    `json:"url"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

// printLink asks for a fresh download link of the backup snapshotID (a journaled run, as
// the engine plans it) and prints it on stdout, alone on its line: the plan, progress and
// the warning go to stderr, so that `restorectl download … --print-url | …` reads only the
// link. The link is printed here and nowhere else.
func (c *cli) printLink(ctx context.Context, s *session, snapshotID string, dbOnly bool) error {
	lp, err := s.e.PlanLink(ctx, restore.LinkRequest{Profile: c.profile, Target: s.target, SnapshotID: snapshotID, DBOnly: dbOnly})
	if err != nil {
		return err
	}
	title := fmt.Sprintf("Download link of a backup of %s / %s", appLabel(s.target), p(s.target.Env.Mode))
	if err := c.confirmPlan(title, lp, &runFlags{planOnStderr: true}); err != nil {
		return err
	}
	res, err := followed(c, title, lp.Steps, func(on func(restore.Event)) (*restore.LinkResult, error) {
		return s.e.RunLink(ctx, lp, on)
	}, func(r *restore.LinkResult) *restore.Result { return &r.Result })
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(linkReport{RunID: res.RunID, SnapshotID: lp.Snapshot.SnapshotID, ArchiveID: res.ArchiveID,
			URL: res.Link.Reveal(), ExpiresAt: res.Link.Expires})
	}
	fmt.Fprintln(c.stderr, explain.Printable(res.Message))
	_, err = fmt.Fprintln(c.stdout, res.Link.Reveal())
	return err
}
