package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"

	"restoredesk/core/archive"
	"restoredesk/core/download"
	"restoredesk/core/journal"
	"restoredesk/core/localdb"
	"restoredesk/core/progress"
	"restoredesk/core/wording"
)

// KindLocalRestore is a backup restored into a PostgreSQL database on the user's machine.
const KindLocalRestore journal.Kind = "local_restore"

// Steps of a local restore.
const (
	StepLocalRestore StepKind = "local_restore" // pg_restore fed with the dump
	StepRowCheck     StepKind = "row_check"     // every table's rows counted and compared
)

// LocalRequest is a restore into a local PostgreSQL database. The source is a local file
// (File), or a backup in the cloud (Cloud) that the same run downloads first.
type LocalRequest struct {
	Profile   string // profile name, recorded in the journal; its keyring holds the password
	File      string
	Target    localdb.Target
	Create    bool   // create the database when it does not exist
	Replace   bool   // replace a non-empty database's content: the user confirmed it
	PgRestore string // pg_restore program or folder the user set; "" searches
	// Locator overrides where pg_restore is searched (tests); the zero value is the usual.
	Locator localdb.Locator
	// DownloadedSHA256 is the hash a download wrote File with (LocalSource), when the file
	// was just downloaded for this restore: a file that differs is refused.
	DownloadedSHA256 string
	// Cloud is a cloud backup to download first (its database only) instead of File:
	// Target, SnapshotID (or download.Latest) and Output (a folder or file name; "" is
	// the current folder). An identical file an earlier run downloaded there is used again.
	Cloud *DownloadRequest
}

// LocalPlan is a checked local restore, shown before anything changes: a download (when
// the source is in the cloud), the restore, the row check, as one run.
type LocalPlan struct {
	Outline // needs no confirmation: replacing a database's content is Request.Replace
	Request LocalRequest
	// Archive and DB are what the plan read of the file (its kind, the dump's header and
	// tables; their rows are counted during the run, from the read that feeds pg_restore)
	// and the database's plan; nil until a backup the run downloads is there.
	Archive *archive.Report
	DB      *localdb.Plan
	// Download is the download the run starts with; nil for a file, or when an identical
	// download is used again (ReusedRun says which run made it).
	Download  *DownloadPlan
	ReusedRun int64
}

// ConfirmWith confirms a local plan with anything: its one risk, replacing a database's
// content, was chosen in the request.
func (p *LocalPlan) ConfirmWith(string) bool { return true }

// LocalResult is how a local restore ended.
type LocalResult struct {
	Result
	Restore *localdb.Result
	Check   *localdb.Completeness // nil when the restore did not get that far
	// File is the backup restored (the downloaded one, for a cloud source).
	File string
	// Connect is a psql command that opens the restored database, without the password;
	// "" when the restore did not get that far.
	Connect string `json:"connect,omitempty"`
}

// Complete reports whether every row arrived.
func (r *LocalResult) Complete() bool { return r != nil && r.Check != nil && r.Check.Complete }

// PlanLocal checks, changing nothing: the file holds a custom-format dump whose header
// and table of contents read soundly, pg_restore is found and reads this dump, the server
// answers and the credentials work, and the database exists (or may be created) and is
// empty (or replacing was confirmed). The dump's data is not read here: the run reads it
// once, feeding pg_restore and counting the rows from the same read. onEvent (may be
// nil, or Follow(u)) gets the events of a download's plan. A cloud source (Request.Cloud) is checked as far as it can be without its file: the
// backup, the destination, the server and the database; the file is judged once it is
// downloaded, before the database is touched.
func (e *Engine) PlanLocal(ctx context.Context, req LocalRequest, onEvent func(Event)) (*LocalPlan, error) {
	if req.Cloud != nil {
		return e.planLocalFromCloud(ctx, req, onEvent)
	}
	if req.File == "" {
		return nil, planErr("Choose the backup file to restore.", "", ErrInvalidRequest)
	}
	p := &LocalPlan{Request: req}
	if err := e.planLocalFile(ctx, p, nil); err != nil {
		return nil, err
	}
	p.Steps = localSteps(p.DB)
	p.Notes = localNotes(p.DB)
	p.shape()
	return p, nil
}

// planLocalFile reads the head of the plan's file and plans the database side; a
// downloaded file is first checked to be what its download wrote. streamed, when not
// nil, is the plan of the same download as it arrived: what it found of pg_restore and
// the target is not asked again.
func (e *Engine) planLocalFile(ctx context.Context, p *LocalPlan, streamed *localdb.Plan) error {
	req := p.Request
	sha, err := checkDownloaded(ctx, req)
	if err != nil {
		return err
	}
	var db *localdb.Plan
	if streamed != nil {
		db, err = streamed.Replan(ctx, req.File)
	} else {
		db, err = localdb.MakePlan(ctx, localdb.Options{
			Source: req.File, Target: req.Target, Create: req.Create, Replace: req.Replace,
			PgRestore: req.PgRestore, Locator: req.Locator,
		})
	}
	if err != nil {
		return localErr("", err)
	}
	p.DB, p.Archive = db, db.Report
	p.Archive.SHA256 = sha
	return nil
}

// localSteps are the restore and the row check of db's plan.
func localSteps(db *localdb.Plan) []Step {
	titles := db.Steps()
	return []Step{
		{Kind: StepLocalRestore, Title: wording.UpperFirst(joinSentences(titles[:len(titles)-1]))},
		{Kind: StepRowCheck, Title: wording.UpperFirst(titles[len(titles)-1])},
	}
}

func localNotes(db *localdb.Plan) []string {
	var out []string
	if db.DBExists && db.DBObjects > 0 {
		out = append(out, fmt.Sprintf("Database %q already holds %d tables, views or sequences: the backup's tables are dropped and restored; anything else stays.", db.Target.Database, db.DBObjects))
	}
	if !db.CountsRows() {
		out = append(out, "The dump's rows cannot be counted (its data is compressed with lz4 or zstd), so completeness cannot be proven.")
	}
	return out
}

func (p *LocalPlan) shape() {
	p.Confirm = Confirmation{Kind: ConfirmNone}
	p.Choices = []Choice{{Name: OptCreate, Set: p.Request.Create}, {Name: OptReplace, Set: p.Request.Replace}}
}

// PrecheckLocal makes the checks of PlanLocal that need no file (pg_restore, server,
// credentials, target database), so that a backup is downloaded only when it can be
// restored; PlanLocal on the downloaded file then checks the rest.
func (e *Engine) PrecheckLocal(ctx context.Context, req LocalRequest) error {
	err := localdb.Precheck(ctx, localdb.Options{Target: req.Target, Create: req.Create, Replace: req.Replace,
		PgRestore: req.PgRestore, Locator: req.Locator})
	if err != nil {
		return localErr("", err)
	}
	return nil
}

// RunLocal carries out a local plan as one journaled run, through the engine's runner:
// the download first when the plan has one, then pg_restore (recorded before it starts:
// if that record fails, pg_restore is not started), then the row check. onEvent (may be
// nil, or Follow(u)) gets the step events; the download's and the restore step's
// EventBytes carry their byte counters. Cancelling ctx stops the download (its .part
// stays) or pg_restore; the error says what state the database is in.
func (e *Engine) RunLocal(ctx context.Context, p *LocalPlan, onEvent func(Event)) (*LocalResult, error) {
	if p == nil || len(p.Steps) == 0 || (p.DB == nil && p.Download == nil) {
		return nil, planErr("There is no plan to run.", "Make a plan first.", ErrInvalidRequest)
	}
	req := p.Request
	jr := &journal.Run{
		Kind: KindLocalRestore, Profile: req.Profile, FilePath: req.File, FileName: fileName(req.File),
		AppID: req.Target.String(), Mode: req.Target.Database,
	}
	if p.Archive != nil {
		jr.FileSHA256, jr.FileSize = p.Archive.SHA256, p.Archive.CompressedSize
	}
	if c := req.Cloud; c != nil {
		jr.SnapshotID, jr.SourceEnvID, jr.SourceMode, jr.DBOnly = c.SnapshotID, c.Target.Env.EnvironmentID, c.Target.Env.Mode, true
		if p.Download != nil {
			jr.SnapshotID, jr.FilePath, jr.FileName = p.Download.Snapshot.SnapshotID, p.Download.Path, p.Download.plan.Name
		}
	}
	r, release, err := e.beginSteps(ctx, jr, p.Steps, "restore into the local database", onEvent)
	if err != nil {
		return nil, err
	}
	defer release()
	l := &localRun{r: r, p: p, res: &LocalResult{File: req.File}}
	if p.Download != nil {
		if l.dl, err = e.newDownloadRun(r, p.Download); err != nil {
			return nil, err
		}
	}
	for _, s := range p.Steps {
		if err = r.stepWith(ctx, s.Kind, l.body(s.Kind)); err != nil {
			break
		}
	}
	res, err := r.finish(ctx, err)
	l.res.Result = *res
	return l.res, err
}

// localRun carries the steps of one local restore.
type localRun struct {
	r   *runner
	p   *LocalPlan
	dl  *downloadRun  // the download it starts with, if any
	tee *download.Tee // what the download handed to pg_restore, when it streamed
	res *LocalResult
	// streamed is the plan of the download as it arrived, when its saved file is restored
	// instead (streamEnd).
	streamed *localdb.Plan
}

// body is the work of step k.
func (l *localRun) body(k StepKind) func(context.Context) (string, error) {
	switch k {
	case StepArchive:
		return l.dl.archive
	case StepDownload:
		return l.dl.fetch
	case StepStreamRestore:
		return l.streamRestore
	case StepCheck:
		if l.p.streams() {
			return l.checkStream
		}
		return l.checkDownload
	case StepLocalRestore:
		return func(ctx context.Context) (string, error) { return l.restoreAs(ctx, StepLocalRestore) }
	case StepRowCheck:
		return l.rowCheck
	}
	return func(context.Context) (string, error) {
		return "", planErr(fmt.Sprintf("The plan holds a step Restore Desk does not know (%s).", k), "", ErrInvalidRequest)
	}
}

// checkDownload checks the downloaded file's hash; a dump Mendix Cloud could not restore
// (a newer archive version) may still restore locally: the local plan judges the file.
func (l *localRun) checkDownload(ctx context.Context) (string, error) {
	msg, err := l.dl.check(ctx)
	if err != nil && !errors.Is(err, ErrNotRestorable) {
		return "", err
	}
	l.p.Request.File, l.p.Request.DownloadedSHA256, l.res.File = l.dl.res.Path, l.dl.res.SHA256, l.dl.res.Path
	if err != nil {
		msg = fmt.Sprintf("SHA-256 %s; Mendix Cloud could not restore this file, so the local restore judges it.", l.dl.res.SHA256)
	}
	return msg, nil
}

// restoreAs plans the database side when the file came with this run, then feeds
// pg_restore, as step k.
func (l *localRun) restoreAs(ctx context.Context, k StepKind) (string, error) {
	p := l.p
	if p.DB == nil {
		if err := l.r.e.planLocalFile(ctx, p, l.streamed); err != nil {
			return "", err
		}
	}
	bytes := progress.NewCounter(0, p.Archive.DumpSize)
	l.r.emit(Event{Step: k, Type: EventBytes, Counter: bytes})
	res, err := p.DB.Restore(ctx, &countingProgress{bytes: bytes})
	l.res.Restore = res
	if res != nil && res.SHA256 != "" {
		l.r.journalErr("file", l.r.e.journal.SetFile(jctx(ctx), l.r.id, res.SHA256, p.Archive.CompressedSize))
	}
	if err != nil {
		return "", localErr(k, err)
	}
	l.res.Connect = p.Request.Target.PsqlCommand()
	return res.Summary, nil
}

func (l *localRun) rowCheck(ctx context.Context) (string, error) {
	db := l.p.Request.Target.Database
	c, err := l.p.DB.CheckRows(ctx, l.res.Restore)
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled)) {
		// The restore is done; only the count was cut short. A cancel is said as one
		// (not as a failed check), and the database keeps the backup.
		why := context.Cause(ctx)
		if why == nil {
			why = err // cancelled underneath, not by the caller's ctx
		}
		return "", &RunError{
			Summary: fmt.Sprintf("The row count was cancelled: database %q holds the restored backup, but whether every row arrived was not checked.", db),
			Next:    "Restore the backup again with replacing confirmed to have its rows counted.",
			Err:     fmt.Errorf("%w: %w", localdb.ErrCancelled, why), // as a cancelled restore step says it
		}
	}
	if err != nil {
		return "", localErr(StepRowCheck, err)
	}
	l.res.Check = c
	if l.res.Restore != nil {
		l.res.Restore.Check = c
	}
	if !c.Complete {
		return "", &RunError{Summary: c.Summary(), Next: "See Details for pg_restore's errors; fix the cause and restore again with replacing confirmed.", Err: ErrRestoreFailed}
	}
	if r := l.res.Restore; r != nil && len(r.Errors) > 0 {
		return "", lostItems(db, c, r)
	}
	l.r.final = fmt.Sprintf("Database %q holds the backup. %s", db, c.Summary())
	return c.Summary(), nil
}

// ErrRestoredWithErrors: every row arrived, but pg_restore could not restore some items
// (a view, an extension, a trigger), so the database is not the whole backup.
var ErrRestoredWithErrors = errors.New("pg_restore could not restore everything")

// lostItems is the end of a restore whose rows all arrived while pg_restore reported
// errors: it names what is missing and is no success.
func lostItems(db string, c *localdb.Completeness, r *localdb.Result) error {
	n := max(len(r.Errors), len(r.Failed))
	what := wording.Count(n, "item", "items")
	if len(r.Failed) > 0 {
		what += " (" + strings.Join(r.Failed, ", ") + ")"
	}
	return &RunError{
		Summary: fmt.Sprintf("All %s %s arrived in database %q, but pg_restore could not restore %s, so the database lacks %s: %s",
			humanize.Comma(c.DumpRows), wording.Plural(int(min(c.DumpRows, 2)), "row", "rows"), db, what,
			wording.Plural(n, "it", "them"), wording.LowerFirst(r.Summary)),
		Next: "See Details for pg_restore's errors; fix their cause and restore again with replacing confirmed, or use the database knowing what it lacks.",
		Err:  ErrRestoredWithErrors,
	}
}

// countingProgress feeds the engine's byte counter.
type countingProgress struct{ bytes *progress.Counter }

func (c *countingProgress) Add(k localdb.Counter, n int64) {
	if k == localdb.DumpBytes {
		c.bytes.Add(n)
	}
}

// localErr makes a *RunError of a localdb refusal or failure, keeping its reason in the
// chain for errors.Is.
func localErr(k StepKind, err error) error {
	var re *RunError
	if errors.As(err, &re) {
		if re.Step == "" {
			re.Step = k
		}
		return re
	}
	var le *localdb.Error
	if errors.As(err, &le) {
		return &RunError{Step: k, Summary: le.Advice, Err: le.Cause()}
	}
	var fe *archive.FileError
	if errors.As(err, &fe) {
		return &RunError{Step: k, Summary: fmt.Sprintf("%s: %s.", fe.Path, fe.Advice), Err: err}
	}
	return &RunError{Step: k, Summary: cause(err) + ".", Err: err}
}

func joinSentences(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", then "
		}
		out += x
	}
	return out
}

// describeLocal says what an interrupted local restore had done (see Describe).
func describeLocal(r journal.Run) string {
	if stepIs(r, StepStreamRestore, journal.StepRunning) { // interrupted while it streamed
		return describeStream(r)
	}
	return fmt.Sprintf("Run %d was restoring %s into the local database %q when it was interrupted: the database may hold part of the backup.", r.ID, r.FileName, r.Mode)
}

// localInterrupted closes an interrupted local restore: there is nothing to follow, as
// pg_restore ended with the process that ran it.
func localInterrupted(r journal.Run) error {
	re := &RunError{
		Summary: describeLocal(r),
		Next:    fmt.Sprintf("Restore %s again and confirm replacing the database's content, or drop the database %q.", r.FileName, r.Mode),
		Err:     ErrInterrupted,
	}
	if stepIs(r, StepStreamRestore, journal.StepRunning) { // interrupted while it streamed
		re.Next = fmt.Sprintf("Restore the backup again and confirm replacing the database's content (its download continues from what was saved), or drop the database %q.", r.Mode)
	}
	return re
}
