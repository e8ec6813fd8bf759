package restore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"restoredesk/core/archive"
	"restoredesk/core/journal"
	"restoredesk/core/localdb"
	"restoredesk/core/progress"
)

// KindLocalRestore is a backup restored into a PostgreSQL database on the user's machine.
const KindLocalRestore journal.Kind = "local_restore"

// Steps of a local restore.
const (
	StepLocalRestore StepKind = "local_restore" // pg_restore fed with the dump
	StepRowCheck     StepKind = "row_check"     // every table's rows counted and compared
)

// LocalRequest is a restore into a local PostgreSQL database. The source is a local file;
// a cloud snapshot is downloaded to a file first by the caller (core/download).
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
}

// LocalPlan is a checked local restore, shown before anything changes.
type LocalPlan struct {
	Request LocalRequest
	Steps   []Step
	Notes   []string
	Archive *archive.Report // the file's inspection, rows counted
	DB      *localdb.Plan
}

// LocalResult is how a local restore ended.
type LocalResult struct {
	RunID   int64
	Restore *localdb.Result
	Check   *localdb.Completeness // nil when the restore did not get that far
	Status  journal.Status
	Message string
}

// Complete reports whether every row arrived.
func (r *LocalResult) Complete() bool { return r != nil && r.Check != nil && r.Check.Complete }

// PlanLocal checks, changing nothing: the file passes inspection (its rows counted),
// pg_restore is found and reads this dump, the server answers and the credentials work,
// and the database exists (or may be created) and is empty (or replacing was confirmed).
// onEvent (may be nil, or Follow(u)) gets the inspection's EventBytes (Step StepInspect)
// while the file is read; a file read before (same path, size and time) is not read again.
func (e *Engine) PlanLocal(ctx context.Context, req LocalRequest, onEvent func(Event)) (*LocalPlan, error) {
	if req.File == "" {
		return nil, planErr("Choose the backup file to restore.", "", ErrInvalidRequest)
	}
	rep, err := e.inspectRows(ctx, req.File, onEvent)
	if err != nil {
		return nil, localErr("", err)
	}
	if err := checkDownloaded(req, rep); err != nil {
		return nil, err
	}
	db, err := localdb.MakePlan(ctx, localdb.Options{
		Source: req.File, Target: req.Target, Create: req.Create, Replace: req.Replace,
		PgRestore: req.PgRestore, Locator: req.Locator, Report: rep,
	}, nil)
	if err != nil {
		return nil, localErr("", err)
	}
	p := &LocalPlan{Request: req, DB: db, Archive: db.Report}
	titles := db.Steps()
	p.Steps = []Step{
		{Kind: StepLocalRestore, Title: upperFirst(joinSentences(titles[:len(titles)-1]))},
		{Kind: StepRowCheck, Title: upperFirst(titles[len(titles)-1])},
	}
	if db.DBExists && db.DBObjects > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("Database %q already holds %d tables, views or sequences: the backup's tables are dropped and restored; anything else stays.", req.Target.Database, db.DBObjects))
	}
	if !db.Report.RowsCounted {
		p.Notes = append(p.Notes, "The dump's rows cannot be counted (its data is compressed with lz4 or zstd), so completeness cannot be proven.")
	}
	return p, nil
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

// RunLocal carries out a local plan as a journaled run. prog (may be nil) receives the
// dump bytes fed and the TOC items done; onEvent (may be nil, or Follow(u)) gets the step
// events, and the restore step's EventBytes carries the counter of dump bytes fed.
// Cancelling ctx stops pg_restore; the error says what state the database is in.
func (e *Engine) RunLocal(ctx context.Context, p *LocalPlan, prog localdb.Progress, onEvent func(Event)) (*LocalResult, error) {
	if p == nil || p.DB == nil {
		return nil, planErr("There is no plan to run.", "Make a plan first.", ErrInvalidRequest)
	}
	req := p.Request
	jr := &journal.Run{
		Kind: KindLocalRestore, Profile: req.Profile,
		FilePath: req.File, FileName: fileName(req.File), FileSHA256: p.Archive.SHA256, FileSize: p.Archive.CompressedSize,
		AppID: req.Target.String(), Mode: req.Target.Database,
	}
	for _, s := range p.Steps {
		jr.Steps = append(jr.Steps, journal.Step{Kind: string(s.Kind), Title: s.Title})
	}
	id, release, err := e.begin(ctx, jr, "restore into the local database")
	if err != nil {
		return nil, err
	}
	defer release()
	lr := &localRun{e: e, id: id, sink: onEvent}
	res := &LocalResult{RunID: id}

	var restoreRes *localdb.Result
	err = lr.step(ctx, StepLocalRestore, p.Steps[0].Title, func() (string, error) {
		bytes := progress.NewCounter(0, p.Archive.DumpSize)
		lr.emit(Event{Step: StepLocalRestore, Type: EventBytes, Counter: bytes})
		r, err := p.DB.Restore(ctx, &countingProgress{next: prog, bytes: bytes})
		restoreRes = r
		if err != nil {
			return "", err
		}
		return r.Summary, nil
	})
	res.Restore = restoreRes
	if err == nil {
		err = lr.step(ctx, StepRowCheck, p.Steps[1].Title, func() (string, error) {
			c, err := p.DB.CheckRows(ctx)
			if err != nil && (errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled)) {
				// The restore is done; only the count was cut short. A cancel is said
				// as one (not as a failed check), and the database keeps the backup.
				why := context.Cause(ctx)
				if why == nil {
					why = err // cancelled underneath, not by the caller's ctx
				}
				return "", &RunError{
					Summary: fmt.Sprintf("The row count was cancelled: database %q holds the restored backup, but whether every row arrived was not checked.", req.Target.Database),
					Next:    "Restore the backup again with replacing confirmed to have its rows counted.",
					Err:     fmt.Errorf("%w: %w", localdb.ErrCancelled, why), // as a cancelled restore step says it
				}
			}
			if err != nil {
				return "", err
			}
			res.Check = c
			if restoreRes != nil {
				restoreRes.Check = c
			}
			if !c.Complete {
				return "", &RunError{Summary: c.Summary(), Next: "See Details for pg_restore's errors; fix the cause and restore again with replacing confirmed.", Err: ErrRestoreFailed}
			}
			return c.Summary(), nil
		})
	}

	res.Status = journal.StatusCompleted
	switch {
	case err == nil:
		res.Message = fmt.Sprintf("Database %q holds the backup. %s", req.Target.Database, res.Check.Summary())
	case errors.Is(err, localdb.ErrCancelled), errors.Is(err, context.Canceled):
		res.Status, res.Message = journal.StatusCancelled, plainOf(err)
	default:
		res.Status, res.Message = journal.StatusFailed, plainOf(err)
	}
	errText := ""
	if err != nil {
		errText = res.Message
	}
	if ferr := e.journal.Finish(jctx(ctx), id, res.Status, errText); ferr != nil {
		e.log.Error("journal write failed", "run", id, "what", "finish", "err", ferr)
	}
	if err != nil {
		lr.emit(Event{Type: EventRunFailed, Message: res.Message, Err: err})
		return res, err
	}
	lr.emit(Event{Type: EventRunDone, Message: res.Message})
	return res, nil
}

// localRun journals and reports the steps of one local restore.
type localRun struct {
	e    *Engine
	id   int64
	mu   sync.Mutex
	sink func(Event)
}

func (r *localRun) emit(ev Event) {
	if r.sink == nil {
		return
	}
	ev.RunID, ev.Time = r.id, r.e.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sink(ev)
}

func (r *localRun) step(ctx context.Context, k StepKind, title string, fn func() (string, error)) error {
	j := r.e.journal
	if err := j.StepStarted(jctx(ctx), r.id, string(k), title); err != nil {
		r.e.log.Error("journal write failed", "run", r.id, "what", "step started", "err", err)
	}
	r.emit(Event{Step: k, Type: EventStepStarted, Title: title})
	msg, err := fn()
	if err != nil {
		err = localErr(k, err)
		if jerr := j.StepFinished(jctx(ctx), r.id, string(k), journal.StepFailed, plainOf(err)); jerr != nil {
			r.e.log.Error("journal write failed", "run", r.id, "what", "step failed", "err", jerr)
		}
		r.emit(Event{Step: k, Type: EventStepFailed, Message: plainOf(err), Err: err})
		return err
	}
	if jerr := j.StepFinished(jctx(ctx), r.id, string(k), journal.StepDone, msg); jerr != nil {
		r.e.log.Error("journal write failed", "run", r.id, "what", "step done", "err", jerr)
	}
	r.emit(Event{Step: k, Type: EventStepDone, Message: msg})
	return nil
}

// inspectRows inspects a file with its rows counted (archive.InspectRows), through the
// engine's cache of inspections.
func (e *Engine) inspectRows(ctx context.Context, path string, onEvent func(Event)) (*archive.Report, error) {
	c := progress.NewCounter(0, 0)
	if onEvent != nil {
		onEvent(Event{Step: StepInspect, Type: EventBytes, Time: e.now(), Counter: c})
	}
	key, keyed := inspectKeyOf(path)
	if rep, ok := e.inspected.get(key); keyed && ok && rep.RowsCounted {
		c.SetTotal(key.size)
		c.Set(key.size)
		return rep, nil
	}
	rep, err := archive.InspectRows(ctx, path, func(done, total int64) {
		c.SetTotal(total)
		c.Set(done)
	})
	if err != nil || !keyed {
		return rep, err
	}
	if after, ok := inspectKeyOf(path); ok && after == key {
		e.inspected.put(key, rep)
	}
	return rep, nil
}

// countingProgress feeds the engine's byte counter and passes everything on.
type countingProgress struct {
	next  localdb.Progress
	bytes *progress.Counter
}

func (c *countingProgress) Add(k localdb.Counter, n int64) {
	if k == localdb.DumpBytes {
		c.bytes.Add(n)
	}
	if c.next != nil {
		c.next.Add(k, n)
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

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// FinishLocal ends u with how a local restore ended (res and err as RunLocal returned
// them) and returns the final view.
func FinishLocal(u *progress.Updater, res *LocalResult, err error) progress.View {
	msg := ""
	if res != nil {
		msg = res.Message
	}
	return finish(u, msg, err)
}

// describeLocal says what an interrupted local restore had done (see Describe).
func describeLocal(r journal.Run) string {
	return fmt.Sprintf("Run %d was restoring %s into the local database %q when it was interrupted: the database may hold part of the backup.", r.ID, r.FileName, r.Mode)
}

// localInterrupted closes an interrupted local restore: there is nothing to follow, as
// pg_restore ended with the process that ran it.
func localInterrupted(r journal.Run) error {
	return &RunError{
		Summary: describeLocal(r),
		Next:    fmt.Sprintf("Restore %s again and confirm replacing the database's content, or drop the database %q.", r.FileName, r.Mode),
		Err:     ErrInterrupted,
	}
}
