package restore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/download"
	"restoredesk/core/journal"
)

// Learning what a target's own data looks like: the tables its newest backup lists. A
// custom-format dump keeps its table of contents at its start, so the first bytes of a
// database-only archive of the backup tell them (download.Fetcher.OpenPrefix, then
// archive.ReadDumpTables, which stops at the end of the table of contents). Each backup's
// list is learned once and remembered in the journal, keyed by app, environment and backup.

// KindTableRead is the archive request that learns a backup's tables for the wrong-app
// guard: a run of its own, as every archive request is, though a plan makes it.
const KindTableRead journal.Kind = "table_read"

// defaultLearnWait bounds the whole learning (the archive's preparation and the read): a
// plan must not hang on a slow archive. Past it the plan says it cannot tell.
const defaultLearnWait = 30 * time.Second

// prefixLimit is the most of an archive read for its table list. A Mendix app's table of
// contents (every table, index, constraint and sequence with its SQL) is a few megabytes
// at most; a longer one is not read and the plan says it cannot tell.
const prefixLimit = 64 << 20

// backupsLooked is how many of the environment's newest backups are looked through for
// the newest one of its own (not uploaded).
const backupsLooked = 50

// WithTableLearnTimeout bounds how long a plan may take to learn the tables of the
// target's newest backup (default 30 s).
func WithTableLearnTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.learnWait = d
		}
	}
}

// targetTables is the table list of t's newest completed backup of its own (uploaded
// backups hold whatever was uploaded, and skip is the source itself). When it cannot be
// learned now, the newest list remembered for the environment stands in; otherwise the
// list says why it is not known.
func (e *Engine) targetTables(ctx context.Context, profile string, t Target, skip string) TableList {
	mode := t.Env.Mode
	wait := e.learnWait
	if wait <= 0 {
		wait = defaultLearnWait
	}
	lctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	page, err := readRetry(lctx, e, func() (*cloud.SnapshotPage, error) {
		return e.cloud.ListSnapshots(lctx, t.App.ProjectID, t.Env.EnvironmentID, cloud.ListOptions{Limit: backupsLooked})
	})
	var newest *cloud.Snapshot
	if err == nil {
		for i, s := range page.Snapshots {
			if s.State == cloud.StateCompleted && s.SnapshotID != skip && cloud.KindOf(s) != cloud.KindUploaded &&
				(newest == nil || snapshotTime(&s).After(snapshotTime(newest))) {
				newest = &page.Snapshots[i]
			}
		}
	}
	var list TableList
	switch {
	case err != nil:
		list.Why = fmt.Sprintf("the backups of %s could not be read (%s)", mode, cause(err))
	case newest == nil:
		return TableList{Why: fmt.Sprintf("%s has no completed backup of its own to compare it with", mode)}
	default:
		list = e.backupTables(lctx, profile, t, *newest, fmt.Sprintf("%s's newest backup (%s)", mode, snapshotTime(newest).Local().Format("2 Jan 15:04")))
		if list.Known {
			return list
		}
	}
	// Not learned now: an older backup's list, learned before, is better than none.
	if ts, ok, rerr := e.journal.NewestTables(ctx, t.App.AppID, t.Env.EnvironmentID); rerr == nil && ok {
		return TableList{Names: ts.Tables, Known: true, From: fmt.Sprintf("%s's backup of %s", mode, ts.TakenAt.Local().Format("2 Jan 15:04"))}
	}
	return list
}

// backupTables is the table list of backup s of of's environment, from
// the journal when it was learned before, else from the start of a database-only archive
// of it. what names the backup mid-sentence.
func (e *Engine) backupTables(ctx context.Context, profile string, of Target, s cloud.Snapshot, what string) TableList {
	envID := of.Env.EnvironmentID
	ts, ok, err := e.journal.Tables(ctx, of.App.AppID, envID, s.SnapshotID)
	if err != nil {
		e.log.Warn("journal not readable for a backup's tables", "err", err)
	}
	if ok {
		return TableList{Names: ts.Tables, Known: true, From: what}
	}
	names, err := e.readBackupTables(ctx, profile, of, s, what)
	if err != nil {
		e.log.Info("the tables of a backup could not be read", "app", of.App.AppID, "env", envID, "snapshot", s.SnapshotID, "err", err)
		return TableList{Why: unreadTables(what, err)}
	}
	if err := e.journal.RememberTables(ctx, journal.TableSet{AppID: of.App.AppID, EnvID: envID, SnapshotID: s.SnapshotID,
		TakenAt: snapshotTime(&s), LearnedAt: e.now(), Tables: names}); err != nil {
		e.log.Warn("the tables of a backup could not be remembered", "err", err)
	}
	return TableList{Names: names, Known: true, From: what}
}

// readBackupTables asks for a database-only archive of s (a backup of of's environment),
// waits until its link is ready, and reads the table of contents from the archive's first
// bytes. The request is a run of its own, as any archive request is: journaled before it
// is sent, run by the one runner (RunLink), so History shows that Restore Desk asked.
func (e *Engine) readBackupTables(ctx context.Context, profile string, of Target, s cloud.Snapshot, what string) ([]string, error) {
	lp := &LinkPlan{Request: LinkRequest{Profile: profile, Target: of, SnapshotID: s.SnapshotID, DBOnly: true}, Snapshot: s,
		plan: &download.Plan{Target: download.Target{ProjectID: of.App.ProjectID, EnvironmentID: of.Env.EnvironmentID, SnapshotID: s.SnapshotID},
			Snapshot: s, DataType: cloud.DataDatabaseOnly},
		reading: what}
	lp.Steps = []Step{{Kind: StepLink, Title: fmt.Sprintf(
		"Ask Mendix Cloud for a database-only archive of %s, to read the table list at its start (is the file to restore this app's data?)", what)}}
	res, err := e.RunLink(ctx, lp, nil)
	if err != nil {
		return nil, err
	}
	body, err := (&download.Fetcher{Log: e.log}).OpenPrefix(ctx, res.Link.Reveal(), prefixLimit)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	dt, err := archive.ReadDumpTables(body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return dt.Tables, nil
}

// fileTables is the table list of a local file, read from its first bytes.
func fileTables(path string) TableList {
	what := fileName(path)
	f, err := os.Open(path)
	if err != nil {
		return TableList{Why: unreadTables(what, err)}
	}
	defer f.Close()
	dt, err := archive.ReadDumpTables(bufio.NewReader(f))
	if err != nil {
		return TableList{Why: unreadTables(what, err)}
	}
	return TableList{Names: dt.Tables, Known: true, From: what}
}

// unreadTables says, mid-sentence, why the tables of what could not be read.
func unreadTables(what string, err error) string {
	switch {
	case errors.Is(err, ErrJournalWrite):
		return fmt.Sprintf("Restore Desk could not record in its journal that it would ask Mendix Cloud for %s, so it did not ask", what)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("Mendix Cloud did not prepare %s for reading in time", what)
	case errors.Is(err, download.ErrLinkRefused), errors.Is(err, download.ErrLinkGone), errors.Is(err, cloud.ErrNoAccess), errors.Is(err, cloud.ErrNotAllowed):
		return fmt.Sprintf("Mendix Cloud refused the download of %s", what)
	case errors.Is(err, archive.ErrDumpTruncated):
		return fmt.Sprintf("the table list of %s is longer than Restore Desk reads", what)
	case errors.Is(err, archive.ErrDumpUnreadable), errors.Is(err, archive.ErrNoDump):
		return fmt.Sprintf("%s holds no table list Restore Desk can read", what)
	}
	return fmt.Sprintf("%s could not be read (%s)", what, cause(err))
}
