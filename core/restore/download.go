package restore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/download"
	"restoredesk/core/journal"
	"restoredesk/core/progress"
)

// Steps of a download run (DownloadBackup), in order.
const (
	StepArchive  StepKind = "archive"  // archive of the backup requested and followed until its link is ready
	StepDownload StepKind = "download" // archive fetched through <name>.part, renamed when complete
	StepCheck    StepKind = "check"    // SHA-256 compared and the file inspected
)

// DownloadRequest is a backup to bring to this computer.
type DownloadRequest struct {
	Profile string
	Target  Target // the app and environment the backup belongs to
	// SnapshotID is the backup's id, or download.Latest for the newest completed one.
	SnapshotID string
	DBOnly     bool   // the database only (a .backup dump) instead of database and files
	Output     string // a folder or a file name; empty means the current folder
	Force      bool   // replace an existing file of that name
}

// DownloadPlan is a checked download: the backup, where it goes, the steps.
type DownloadPlan struct {
	Outline  // needs no confirmation: nothing in the cloud changes
	Request  DownloadRequest
	Snapshot cloud.Snapshot
	// Path is the file, or the folder when the name comes from the archive.
	Path string

	plan *download.Plan
}

// DownloadResult is how a download run ended; the file fields are set once it was saved.
type DownloadResult struct {
	Result
	Path      string
	Size      int64
	SHA256    string
	ArchiveID string
	Resumed   int64 // bytes taken from a .part an earlier download left
	Renewed   bool  // the first link was refused and a new archive was requested
	// Report is the saved file's inspection; Report.Restorable is the verdict.
	Report *archive.Report
}

// downloadCloud is the cloud as core/download needs it (*cloud.Client is one).
func (e *Engine) downloadCloud() (download.Cloud, error) {
	dc, ok := e.cloud.(download.Cloud)
	if !ok {
		return nil, planErr("This connection to Mendix Cloud cannot request archives of backups.", "", ErrInvalidRequest)
	}
	return dc, nil
}

// downloadTarget is the request as core/download takes it, once the backup is named.
func (req DownloadRequest) downloadTarget() (download.Target, error) {
	t := req.Target
	switch {
	case t.App.AppID == "" || t.Env.Mode == "":
		return download.Target{}, planErr("Choose the app and environment whose backup to download.", "", ErrInvalidRequest)
	case t.App.ProjectID == "" || t.Env.EnvironmentID == "":
		return download.Target{}, planErr("The environment's ids are missing: refresh the list of apps and choose again.", "", ErrInvalidRequest)
	case strings.TrimSpace(req.SnapshotID) == "":
		return download.Target{}, planErr("Choose the backup to download.", "", ErrInvalidRequest)
	}
	return download.Target{
		ProjectID: t.App.ProjectID, EnvironmentID: t.Env.EnvironmentID, AppName: appLabel(t),
		EnvironmentName: t.Env.Mode, SnapshotID: req.SnapshotID, DBOnly: req.DBOnly, Output: req.Output, Force: req.Force,
	}, nil
}

// PlanDownload checks, without changing anything, that the backup exists and is
// completed, that the destination folder exists and takes new files, and that no file is
// replaced unasked; then it lists the steps.
func (e *Engine) PlanDownload(ctx context.Context, req DownloadRequest) (*DownloadPlan, error) {
	dt, err := req.downloadTarget()
	if err != nil {
		return nil, err
	}
	dc, err := e.downloadCloud()
	if err != nil {
		return nil, err
	}
	dp, err := download.MakePlan(ctx, dc, dt)
	if err != nil {
		return nil, downloadErr("", err)
	}
	p := &DownloadPlan{Request: req, Snapshot: dp.Snapshot, Path: dp.Path(), plan: dp}
	what := "database and files"
	if req.DBOnly {
		what = "database only"
	}
	dest := dp.Path()
	if dp.Name == "" {
		dest = "the folder " + dp.Dir
	}
	p.Steps = []Step{
		{Kind: StepArchive, Title: fmt.Sprintf("Ask Mendix Cloud for an archive of the backup of %s (%s) and wait until it is ready",
			when(snapshotTime(&dp.Snapshot), e.now()), what)},
		{Kind: StepDownload, Title: "Download it to " + dest},
		{Kind: StepCheck, Title: "Check its SHA-256 and inspect it"},
	}
	if dp.Name == "" {
		p.Notes = append(p.Notes, fmt.Sprintf("The file is named as Mendix Cloud names the archive (else %s).", dp.Fallback))
	}
	if req.Force {
		p.Notes = append(p.Notes, "A file of the same name in that folder is replaced.")
	}
	p.Notes = append(p.Notes, "An interrupted download continues where it stopped the next time; nothing in the environment changes.")
	p.Choices = []Choice{{Name: OptDBOnly, Set: req.DBOnly}, {Name: OptForce, Set: req.Force}}
	return p, nil
}

// DownloadBackup runs a download plan as a journaled run (kind download): the archive is
// requested and followed, fetched with its progress counted (cancel keeps the .part for
// the next time), then checked. The journal gets the file's path, size and SHA-256, never
// the archive's link. A file that does not pass inspection fails the check step and the
// run, with the report (ReportOf); the file stays.
func (e *Engine) DownloadBackup(ctx context.Context, p *DownloadPlan, onEvent func(Event)) (*DownloadResult, error) {
	if p == nil || p.plan == nil {
		return nil, planErr("There is no download plan to run.", "Make a plan first.", ErrInvalidRequest)
	}
	if _, err := e.downloadCloud(); err != nil {
		return nil, err
	}
	req := p.Request
	jr := e.backupRun(journal.KindDownload, req.Profile, &p.Snapshot, req.Target, req.DBOnly)
	jr.FilePath, jr.FileName = p.Path, p.plan.Name
	r, release, err := e.beginSteps(ctx, jr, p.Steps, "start the download", onEvent)
	if err != nil {
		return nil, err
	}
	defer release()
	d, err := e.newDownloadRun(r, p)
	if err != nil {
		return nil, err
	}
	err = r.stepWith(ctx, StepArchive, d.archive)
	if err == nil {
		err = r.stepWith(ctx, StepDownload, d.fetch)
	}
	if err == nil {
		err = r.stepWith(ctx, StepCheck, d.check)
	}
	if err == nil {
		r.final = fmt.Sprintf("The backup is saved as %s (%s) and passed the check.", d.res.Path, progress.Size(d.res.Size))
	}
	res, err := r.finish(ctx, err)
	d.res.Result = *res
	return d.res, err
}

// backupRun is the journal entry of a run of kind on backup s of t, which it reads (a
// download, a link, a table read): the backup's environment is both source and target.
func (e *Engine) backupRun(kind journal.Kind, profile string, s *cloud.Snapshot, t Target, dbOnly bool) *journal.Run {
	return &journal.Run{
		Kind: kind, Profile: profile, Username: e.cloud.Username(),
		SnapshotID: s.SnapshotID, SourceEnvID: t.Env.EnvironmentID, SourceMode: t.Env.Mode,
		SourceTakenAt: snapshotTime(s), SourceKind: string(cloud.KindOf(*s)),
		AppID: t.App.AppID, AppName: t.App.Name, ProjectID: t.App.ProjectID, EnvID: t.Env.EnvironmentID,
		Mode: t.Env.Mode, Production: isProduction(t), FreeApp: IsFreeApp(t), DBOnly: dbOnly,
	}
}

// newDownloadRun carries plan p's download steps in run r.
func (e *Engine) newDownloadRun(r *runner, p *DownloadPlan) (*downloadRun, error) {
	dc, err := e.downloadCloud()
	if err != nil {
		return nil, err
	}
	return &downloadRun{r: r, p: p, res: &DownloadResult{},
		dl: &download.Runner{Cloud: dc, Fetcher: &download.Fetcher{Log: e.log}, PollEvery: e.poll, Log: e.log}}, nil
}

// ConfirmWith confirms a download with anything: it replaces only what Force allowed.
func (p *DownloadPlan) ConfirmWith(string) bool { return true }

// downloadRun carries the steps of one download run.
type downloadRun struct {
	r   *runner
	p   *DownloadPlan
	dl  *download.Runner
	arc *cloud.Archive
	out *download.Outcome
	res *DownloadResult
}

// hooks report the archive's states as job progress of step k (journaled) and notes as
// messages.
func (d *downloadRun) hooks(ctx context.Context, k StepKind) download.Hooks {
	say := func(msg string) {
		d.r.emit(Event{Step: k, Type: EventMessage, Message: msg})
		d.r.journalErr("step message", d.r.e.journal.StepMessage(jctx(ctx), d.r.id, string(k), msg))
	}
	return download.Hooks{
		Job: func(state cloud.JobState, msg string) {
			d.r.jobState(ctx, k, string(state), msg)
		},
		Stage: func(s download.Stage, msg string) {
			if s == download.StageArchive && k != StepArchive { // a refused link renewed
				say(msg)
			}
		},
		Note: say, // a wait the cloud asked for, an archive state not known
	}
}

func (d *downloadRun) archive(ctx context.Context) (string, error) {
	a, err := d.dl.Archive(ctx, d.p.plan, d.hooks(ctx, StepArchive))
	if err != nil {
		return "", downloadErr(StepArchive, err)
	}
	d.arc = a
	d.res.ArchiveID = a.ArchiveID
	return "The archive is ready.", nil
}

func (d *downloadRun) fetch(ctx context.Context) (string, error) {
	return d.fetchTo(ctx, StepDownload, nil)
}

// fetchTo fetches as step k, handing the bytes to tee (nil: none) as they are saved.
func (d *downloadRun) fetchTo(ctx context.Context, k StepKind, tee *download.Tee) (string, error) {
	counter := progress.NewCounter(0, 0)
	d.r.emit(Event{Step: k, Type: EventBytes, Counter: counter})
	h := d.hooks(ctx, k)
	h.Progress = counter
	out, err := d.dl.FetchTo(ctx, d.p.plan, d.arc, h, tee)
	if err != nil {
		return "", downloadErr(k, err)
	}
	d.out = out
	d.res.Path, d.res.Size, d.res.SHA256, d.res.ArchiveID = out.Path, out.Size, out.SHA256, out.ArchiveID
	d.res.Resumed, d.res.Renewed = out.Resumed, out.Renewed
	jc := jctx(ctx)
	d.r.journalErr("file path", d.r.e.journal.SetFilePath(jc, d.r.id, out.Path))
	d.r.journalErr("file", d.r.e.journal.SetFile(jc, d.r.id, out.SHA256, out.Size))
	msg := fmt.Sprintf("Saved %s (%s).", out.Path, progress.Size(out.Size))
	if out.Resumed > 0 {
		msg += fmt.Sprintf(" It continued from the %s an earlier download had left.", progress.Size(out.Resumed))
	}
	return msg, nil
}

func (d *downloadRun) check(ctx context.Context) (string, error) {
	counter := progress.NewCounter(0, 0)
	d.r.emit(Event{Step: StepCheck, Type: EventBytes, Counter: counter})
	rep, err := d.dl.Check(ctx, d.out, counter)
	if err != nil {
		return "", downloadErr(StepCheck, err)
	}
	d.res.Report = rep
	if !rep.Restorable {
		return "", &RunError{Step: StepCheck,
			Summary: fmt.Sprintf("%s was downloaded, but it did not pass the check: %s", filepath.Base(d.out.Path), strings.Join(rep.Problems, " ")),
			Next:    "Download the backup again; if the check fails again, ask Mendix Support about this backup.",
			Err:     ErrNotRestorable, report: rep}
	}
	return fmt.Sprintf("SHA-256 %s; %s that Mendix Cloud can restore.", d.out.SHA256, strings.ToLower(rep.Kind.Label())), nil
}

// downloadErr turns the download's own errors, which are already plain and never hold the
// link, into a RunError; a cancel becomes ErrCancelled (the .part stays). Cloud errors pass
// through for explain.
func downloadErr(step StepKind, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &RunError{Step: step, Summary: sentence(strings.TrimSuffix(strings.TrimSuffix(err.Error(), ": context canceled"), ": context deadline exceeded")),
			Next: "Download the backup again when you are ready.", Err: fmt.Errorf("%w: %w", ErrCancelled, err)}
	}
	for _, own := range []error{download.ErrExists, download.ErrFolder, download.ErrNoSpace, download.ErrNotCompleted,
		download.ErrLinkRefused, download.ErrLinkGone, download.ErrBadLink, download.ErrBadResponse, download.ErrArchiveFailed, download.ErrBusy,
		download.ErrNotAFile} {
		if errors.Is(err, own) {
			re := &RunError{Step: step, Summary: sentence(err.Error()), Err: err}
			if errors.Is(err, download.ErrExists) {
				// Its own way on, not "Try again": the file would still be there.
				what, _, _ := strings.Cut(err.Error(), ";")
				re.Summary, re.Next = sentence(what), "Choose another name, or choose to replace that file."
			}
			if errors.Is(err, download.ErrNotCompleted) {
				re.Err = fmt.Errorf("%w: %w", ErrSnapshotNotReady, err)
			}
			return re
		}
	}
	return err
}

// sentence starts s with a capital and ends it with a period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
