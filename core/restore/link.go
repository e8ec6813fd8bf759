package restore

import (
	"context"
	"fmt"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/download"
	"restoredesk/core/journal"
	"restoredesk/core/wording"
)

// The download link on request: Mendix documents an archive's link as usable with
// download managers, and the Portal shows it (Show URL). Asking for it asks the cloud to
// build an archive, so it is a run like any other: planned, journaled before the request
// is sent, run by the one runner. The link itself is a credential while it lasts: it
// reaches the caller only in LinkResult.Link (a cloud.Link, which prints masked), never
// the journal, a log, an event or an error.

// StepLink: an archive of the backup requested and followed until its download link is
// ready.
const StepLink StepKind = "link"

// LinkRequest asks for the download link of one backup.
type LinkRequest struct {
	Profile string
	Target  Target
	// SnapshotID is the backup's id, or download.Latest for the newest completed one.
	SnapshotID string
	DBOnly     bool // a link to the database only (a .backup dump)
}

// LinkPlan is a checked link request: the backup and the one step.
type LinkPlan struct {
	Outline  // needs no confirmation: nothing in the environment changes
	Request  LinkRequest
	Snapshot cloud.Snapshot

	plan *download.Plan
	// reading names the backup mid-sentence when the link is for Restore Desk itself, to
	// read the table list at the archive's start (target_tables.go); "" for the user's.
	reading string
}

// ConfirmWith confirms a link request with anything: the request itself is the ask.
func (p *LinkPlan) ConfirmWith(string) bool { return true }

// LinkResult is how a link run ended; Link is set once the link is ready.
type LinkResult struct {
	Result
	ArchiveID string
	// Link is the signed download link and its expiry. It prints masked; front ends show
	// Link.Reveal() to the user who asked, and nowhere else.
	Link cloud.Link
}

// PlanLink checks, without changing anything, that the backup exists and is completed,
// and says what the link is and for how long it works.
func (e *Engine) PlanLink(ctx context.Context, req LinkRequest) (*LinkPlan, error) {
	dt, err := DownloadRequest{Target: req.Target, SnapshotID: req.SnapshotID, DBOnly: req.DBOnly}.downloadTarget()
	if err != nil {
		return nil, err
	}
	dc, err := e.downloadCloud()
	if err != nil {
		return nil, err
	}
	snap, err := download.FindSnapshot(ctx, dc, dt)
	if err != nil {
		return nil, downloadErr("", err)
	}
	dp := &download.Plan{Target: dt, Snapshot: *snap, DataType: cloud.DataFilesAndDatabase}
	what := "database and files"
	if req.DBOnly {
		dp.DataType, what = cloud.DataDatabaseOnly, "database only"
	}
	p := &LinkPlan{Request: req, Snapshot: *snap, plan: dp}
	p.Steps = []Step{{Kind: StepLink, Title: fmt.Sprintf(
		"Ask Mendix Cloud for an archive of the backup of %s (%s) and wait until its download link is ready",
		when(snapshotTime(snap), e.now()), what)}}
	p.Notes = []string{
		fmt.Sprintf("The link works for %s after the archive is ready. Anyone who has it can download the backup without signing in: share it only with someone you would give the backup to.", hoursText(cloud.LinkValidity)),
		"Restore Desk shows the link to you only: it is not kept in the history, the logs or any file.",
		"Nothing in the environment changes.",
	}
	p.Choices = []Choice{{Name: OptDBOnly, Set: req.DBOnly}}
	return p, nil
}

// RunLink runs a link plan as a journaled run (kind download_link): the archive request
// is recorded before it is sent, followed until the link is ready, and the run ends with
// the link's expiry in its message. The link is returned in LinkResult.Link only.
func (e *Engine) RunLink(ctx context.Context, p *LinkPlan, onEvent func(Event)) (*LinkResult, error) {
	if p == nil || p.plan == nil {
		return nil, planErr("There is no download link plan to run.", "Make a plan first.", ErrInvalidRequest)
	}
	dc, err := e.downloadCloud()
	if err != nil {
		return nil, err
	}
	req := p.Request
	kind := journal.KindDownloadLink
	if p.reading != "" {
		kind = KindTableRead
	}
	jr := e.backupRun(kind, req.Profile, &p.Snapshot, req.Target, req.DBOnly)
	r, release, err := e.beginSteps(ctx, jr, p.Steps, "ask for the download link", onEvent)
	if err != nil {
		return nil, err
	}
	defer release()
	res := &LinkResult{}
	d := &downloadRun{r: r, dl: &download.Runner{Cloud: dc, PollEvery: e.poll, Log: e.log}}
	err = r.stepWith(ctx, StepLink, func(ctx context.Context) (string, error) {
		a, err := d.dl.Archive(ctx, p.plan, d.hooks(ctx, StepLink))
		if err != nil {
			return "", downloadErr(StepLink, err)
		}
		link, err := cloud.LinkOf(a)
		if err != nil {
			return "", &RunError{Step: StepLink, Summary: sentence(err.Error()),
				Next: "Ask for the link again later; if it is refused again, download the backup instead or ask Mendix Support.", Err: err}
		}
		res.ArchiveID, res.Link = a.ArchiveID, link
		if p.reading != "" {
			return "The archive is ready; its table list is read from its first bytes.", nil
		}
		return "The download link is ready; " + expiryText(link.Expires, e.now()) + ".", nil
	})
	switch {
	case err == nil && p.reading != "":
		r.final = fmt.Sprintf("The archive of %s is ready: Restore Desk reads the table list at its start, and keeps the link nowhere.", p.reading)
	case err == nil:
		r.final = fmt.Sprintf("The download link of the backup of %s is ready; %s. Anyone who has it can download the backup.",
			when(snapshotTime(&p.Snapshot), e.now()), expiryText(res.Link.Expires, e.now()))
	}
	base, err := r.finish(ctx, err)
	res.Result = *base
	if err != nil {
		res.Link = cloud.Link{}
	}
	return res, err
}

// expiryText says until when a link works: "it works until 23:15 (8 hours from now)".
func expiryText(expires, now time.Time) string {
	if expires.IsZero() {
		return fmt.Sprintf("it works for %s after the archive was ready", hoursText(cloud.LinkValidity))
	}
	if !expires.After(now) {
		return "it has expired already: ask for a new one"
	}
	return "it works until " + when(expires, now)
}

// hoursText is a whole number of hours in words: "8 hours".
func hoursText(d time.Duration) string { return wording.Count(int(d/time.Hour), "hour", "hours") }
