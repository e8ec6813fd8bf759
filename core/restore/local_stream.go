package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"restoredesk/core/download"
	"restoredesk/core/journal"
	"restoredesk/core/localdb"
	"restoredesk/core/progress"
)

// A local restore of a cloud backup downloads the database dump and restores it in one
// pass: the bytes the download saves (the .part, then the file) and hashes are handed to
// pg_restore as they arrive (download.Tee), so the run takes about the longer of the two
// instead of their sum. The dump's header and table of contents are read from its first
// bytes, held until then, and judged (archive version, pg_restore, server, target) before
// the database is touched: those bytes are the ones pg_restore then reads, with no second
// request that could bring another object. The saved file is checked afterwards; if it
// is not what pg_restore got, the run says that the database must not be trusted.
//
// Where streaming is not sound the file is restored once saved, as before:
//   - a dump that is no raw custom-format dump (gzip-wrapped, a snapshot), whose data
//     cannot be counted here (lz4, zstd: its tables are listed from the whole file), or
//     whose table of contents is too large to hold (localdb.ErrNotStreamable);
//   - an earlier checked download of the same backup, used again (earlierDownloads).
//
// A .part an earlier run left is streamed too: the download hands it on from the disk as
// it hashes it, then what arrives. A renewed link that brings the object again from its
// start is skipped up to what pg_restore has had (download.Tee); the check then proves
// pg_restore got the saved bytes.

// defaultStreamFrom: streaming saves at most the rest of the download, while pg_restore
// on a saved file may run parallel jobs, which a stream cannot. Measured on 2 shared
// cores with the embedded cloud on loopback (BenchmarkRestoreLocalCloud, 12 paired runs
// at load averages of 2 to 9), a 28 MB dump downloads in 0.15 s, and one pg_restore fed
// as it arrives took 0.85 to 1.27 times as long as the download followed by 2 jobs on the
// saved file (median 1.065): a download that ends within about a second is not worth
// streaming when the file gets parallel jobs. The rest is told from the download's pace
// while the head is judged (arriving); told from the first bytes alone, whose time is
// mostly the wait for the host's answer, it came out above a second for a loopback
// download whose rest took 0.1 s, which was then streamed (three runs of three, once).
const defaultStreamFrom = time.Second

// WithStreamFrom sets how long the rest of a download must be expected to take, once the
// dump's head is judged, for a local restore to take it as it arrives rather than restore
// the saved file with parallel jobs (default 1 s); 0 always streams.
func WithStreamFrom(d time.Duration) Option {
	return func(e *Engine) { e.streamFrom = max(d, 0) }
}

// StepStreamRestore: the backup downloaded and restored into the local database as it
// arrives; it changes the file and the database.
const StepStreamRestore StepKind = "download_restore"

// errStreamStopped: the restore stopped reading what arrives (it ended, was refused, or
// the dump is restored from the saved file instead); the download saves the rest only.
var errStreamStopped = errors.New("the restore stopped reading the download")

// streamSteps are the steps of a local restore that streams dp's download into pg_restore.
func streamSteps(dp *DownloadPlan, t localdb.Target) []Step {
	return []Step{
		dp.Steps[0], // the archive
		{Kind: StepStreamRestore, Title: fmt.Sprintf("Download it to %s and restore it into database %q on %s:%d with pg_restore as it arrives (its header and table of contents are judged first), counting the dump's rows from the same bytes",
			dp.Path, t.Database, t.Host, t.Port)},
		{Kind: StepCheck, Title: "Check that the saved file's SHA-256 is what was downloaded and restored"},
		{Kind: StepRowCheck, Title: "Count the rows of every table in the database and compare them with the dump"},
	}
}

// arrived is how the restore of what arrives ended.
type arrived struct {
	res *localdb.Result // nil when pg_restore was not reached: the database was not touched
	err error
	// fallback: the dump cannot be restored as it arrives; the saved file is, once complete.
	fallback error
	plan     *localdb.Plan // the plan of the dump as it arrived, when it was made
}

// streamRestore downloads and restores in one pass (see the top of this file). The one
// byte counter the step shows is the download's: a byte counts once it is saved and
// handed to the restore's input (arriving, which reads at most readAheadLimit ahead).
func (l *localRun) streamRestore(ctx context.Context) (string, error) {
	pr, pw := io.Pipe()
	l.tee = download.NewTee(pw)
	done := make(chan arrived, 1)
	go func() { done <- l.restoreArriving(ctx, pr) }()
	saved, ferr := l.dl.fetchTo(ctx, StepStreamRestore, l.tee)
	if ferr != nil {
		pw.CloseWithError(ferr)
	} else {
		pw.Close()
	}
	return l.streamEnd(ctx, saved, ferr, <-done)
}

// restoreArriving judges the dump's head as it arrives, then restores the dump from it.
func (l *localRun) restoreArriving(ctx context.Context, pr *io.PipeReader) arrived {
	p, req := l.p, l.p.Request
	in := newArriving(pr, readAheadLimit)
	defer func() {
		in.stop()
		pr.CloseWithError(errStreamStopped) // a download still going saves the rest only
	}()
	db, err := localdb.MakeStreamPlan(ctx, localdb.Options{Source: p.Download.Path, Target: req.Target, Create: req.Create,
		Replace: req.Replace, PgRestore: req.PgRestore, Locator: req.Locator}, in, l.tee.Total)
	if errors.Is(err, localdb.ErrNotStreamable) {
		return arrived{fallback: err}
	}
	if err != nil {
		return arrived{err: err}
	}
	if db.Jobs > 1 && l.r.e.streamFrom > 0 {
		if rest := in.rest(l.tee.Total(), ctx.Done()); rest < l.r.e.streamFrom {
			return arrived{plan: db, fallback: fmt.Errorf("the rest of the download was to take about %.1f s, and pg_restore can run %d parallel jobs on the saved file", rest.Seconds(), db.Jobs)}
		}
	}
	p.DB, p.Archive = db, db.Report
	res, err := db.Restore(ctx, nil)
	return arrived{res: res, err: err}
}

// streamEnd says how the step ended, from the download's end (saved, ferr) and the
// restore's (a): above all, what state the database is in.
func (l *localRun) streamEnd(ctx context.Context, saved string, ferr error, a arrived) (string, error) {
	k, db := StepStreamRestore, l.p.Request.Target.Database
	l.res.Restore = a.res
	if ferr == nil {
		l.res.File = l.dl.res.Path
	}
	var dlErr *RunError
	if ferr != nil && !errors.As(ferr, &dlErr) {
		dlErr = &RunError{Step: k, Summary: plainOf(ferr), Err: ferr}
	}
	switch {
	case a.res == nil && ferr != nil:
		dlErr.Summary += fmt.Sprintf(" The database %q was not touched.", db)
		return "", dlErr
	case a.fallback != nil:
		l.r.e.log.Info("local restore: the dump is restored once saved", "why", a.fallback)
		l.tee = nil // pg_restore reads the saved file, which its plan checks first
		l.p.DB, l.p.Request.File, l.p.Request.DownloadedSHA256 = nil, l.dl.res.Path, l.dl.res.SHA256
		l.streamed = a.plan
		msg, err := l.restoreAs(ctx, k)
		if err != nil {
			return "", err
		}
		return saved + " It was restored once saved: " + a.fallback.Error() + ". " + msg, nil
	case a.res == nil:
		re := localErr(k, a.err).(*RunError)
		re.Summary += fmt.Sprintf(" The backup is saved as %s.", l.dl.res.Path)
		return "", re
	case a.err != nil:
		re := localErr(k, a.err).(*RunError)
		// pg_restore's input failing is worth saying, unless the restore stopped reading it
		// (it ended, or was cancelled: then the cancel is the story).
		if terr := l.tee.Err(); terr != nil && !errors.Is(terr, errStreamStopped) && ctx.Err() == nil {
			re.Summary += fmt.Sprintf(" pg_restore stopped getting the download's bytes (%v).", terr)
		}
		if dlErr != nil {
			re.Summary += " " + dlErr.Summary
		}
		return "", re
	case ferr != nil:
		// pg_restore ended content, but the file was not saved whole: nothing proves that
		// what it read is the backup.
		return "", &RunError{Step: k, Summary: fmt.Sprintf("%s Database %q holds what arrived and must not be trusted.", dlErr.Summary, db),
			Next: fmt.Sprintf("Drop database %q, or restore the backup again with replacing confirmed.", db), Err: dlErr.Err}
	}
	l.res.Connect = l.p.Request.Target.PsqlCommand()
	return saved + " " + a.res.Summary, nil
}

// checkStream checks the saved file after a streamed restore: its SHA-256 on disk must be
// what was written, and what pg_restore got must be those bytes; else the database holds
// what arrived and must not be trusted.
func (l *localRun) checkStream(ctx context.Context) (string, error) {
	out, db := l.dl.out, l.p.Request.Target.Database
	l.p.Request.File, l.p.Request.DownloadedSHA256, l.res.File = out.Path, out.SHA256, out.Path
	var sha string
	var err error
	if r := l.res.Restore; l.tee == nil && r != nil && r.SHA256 != "" {
		// Restored once saved: the row count read the saved file whole, beside
		// pg_restore, and hashed it; no third read.
		sha = r.SHA256
	} else {
		sha, err = localdb.HashFile(ctx, out.Path)
	}
	if err != nil && ctx.Err() != nil {
		return "", &RunError{Summary: fmt.Sprintf("The check of the saved file was cancelled: database %q holds the backup as it arrived, but whether that is the saved file was not checked.", db),
			Next: "Restore the backup again with replacing confirmed to have it checked.", Err: fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx))}
	}
	var why string
	switch {
	case err != nil:
		why = fmt.Sprintf("it cannot be read (%v)", err)
	case l.tee != nil && (l.tee.Handed() != out.Size || l.tee.SHA256() != out.SHA256):
		why = fmt.Sprintf("pg_restore got %s with SHA-256 %s, but %s with SHA-256 %s was saved (the storage host sent other bytes the second time)",
			progress.Size(l.tee.Handed()), l.tee.SHA256(), progress.Size(out.Size), out.SHA256)
	case sha != out.SHA256:
		why = fmt.Sprintf("its SHA-256 on disk is %s, but %s was written; something changed it, or the disk is failing", sha, out.SHA256)
	default:
		if l.p.Archive != nil {
			l.p.Archive.SHA256 = sha
		}
		return fmt.Sprintf("SHA-256 %s: the saved file is what was restored.", sha), nil
	}
	return "", &RunError{
		Summary: fmt.Sprintf("The downloaded file %s is not what was restored: %s. Database %q holds what arrived and must not be trusted.", out.Path, why, db),
		Next:    fmt.Sprintf("Drop database %q, or restore into it again with replacing confirmed, and download the backup again into another folder.", db),
		Err:     ErrFileChanged,
	}
}

// describeStream says what a local restore interrupted while it streamed had done.
func describeStream(r journal.Run) string {
	part := "the part already downloaded"
	if r.FilePath != "" {
		part = filepath.Base(r.FilePath) + ".part"
	}
	return fmt.Sprintf("Run %d was downloading %s and restoring it into the local database %q as it arrived when it was interrupted: the database may hold part of the backup, and %s stays for the next download of this backup to continue from.",
		r.ID, r.FileName, r.Mode, part)
}
