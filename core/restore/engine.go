package restore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// InspectFunc inspects a local archive; archive.Inspect is the default.
type InspectFunc func(ctx context.Context, path string, onProgress archive.Progress) (*archive.Report, error)

// Engine plans and runs restores against one cloud account, recording every run in the
// journal. Safe for concurrent use: each Run is independent.
type Engine struct {
	cloud        Cloud
	journal      *journal.Journal
	poll         time.Duration // first wait between job polls
	maxPoll      time.Duration // polls back off up to this
	stopTimeout  time.Duration
	startTimeout time.Duration
	uploadWait   time.Duration // how long an upload may take to become a backup after its last byte
	progressTick time.Duration
	now          func() time.Time
	inspect      InspectFunc
	log          *slog.Logger
}

// Option configures an Engine.
type Option func(*Engine)

// WithPollInterval sets the first wait between polls of a job (default 2 s); waits grow
// to eight times that while a job runs long, so a slow restore is not hammered.
func WithPollInterval(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.poll, e.maxPoll = d, 8*d
		}
	}
}

// WithStopTimeout bounds the wait for an environment to report Stopped (default 15 min).
func WithStopTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.stopTimeout = d
		}
	}
}

// WithStartTimeout bounds the wait for an environment to start (default 20 min).
func WithStartTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.startTimeout = d
		}
	}
}

// WithProgressInterval sets how often byte progress events are emitted (default 200 ms).
func WithProgressInterval(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.progressTick = d
		}
	}
}

// WithClock sets the clock used for "2 weeks ago" sentences and timings.
func WithClock(now func() time.Time) Option {
	return func(e *Engine) {
		if now != nil {
			e.now = now
		}
	}
}

// WithInspector replaces archive.Inspect (for tests that need a slow or failing inspector).
func WithInspector(f InspectFunc) Option {
	return func(e *Engine) {
		if f != nil {
			e.inspect = f
		}
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns an engine that uses c and records runs in j.
func New(c Cloud, j *journal.Journal, opts ...Option) *Engine {
	e := &Engine{
		cloud: c, journal: j,
		poll: 2 * time.Second, maxPoll: 16 * time.Second,
		stopTimeout: 15 * time.Minute, startTimeout: 20 * time.Minute,
		uploadWait: 30 * time.Minute, progressTick: 200 * time.Millisecond,
		now: time.Now, inspect: archive.Inspect,
		log: slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Journal is the journal the engine records runs in.
func (e *Engine) Journal() *journal.Journal { return e.journal }

// IsFreeApp is the engine's (and so the plan's) verdict on a target; see cloud.IsFreeApp.
func IsFreeApp(t Target) bool {
	return cloud.IsFreeApp(t.App, []cloud.Environment{t.Env})
}

func planErr(summary, next string, err error) error {
	return &RunError{Summary: summary, Next: next, Err: err}
}

// Plan checks everything that can be checked without changing anything, then lists the
// steps a run will take with sentences that say what will happen. It returns an error
// (a *RunError) when the restore cannot be done; a production target without the typed
// confirmation gives a plan with ConfirmationRequired set.
func (e *Engine) Plan(ctx context.Context, req Request) (*Plan, error) {
	return e.PlanWithProgress(ctx, req, nil)
}

// PlanWithProgress is Plan that reports the inspection of a file source as progress
// events (Step StepInspect) while it reads the file.
func (e *Engine) PlanWithProgress(ctx context.Context, req Request, onEvent func(Event)) (*Plan, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	app, mode := req.Target.App, req.Target.Env.Mode
	p := &Plan{Request: req}
	freeAppUpload := func() error {
		return planErr(
			"A Free App cannot receive an uploaded archive: Mendix Cloud restores a Free App only from its own backups.",
			"Pick one of the app's backups instead, or upload the archive to an environment of a licensed app.",
			ErrFreeAppUpload)
	}
	if req.Source.File != "" && IsFreeApp(req.Target) {
		return nil, freeAppUpload()
	}

	env, err := readRetry(ctx, e, func() (*cloud.Environment, error) { return e.cloud.GetEnvironment(ctx, app.AppID, mode) })
	if err != nil {
		return nil, planErr(fmt.Sprintf("Restore Desk could not read the status of %s: %s.", mode, cause(err)), "", err)
	}
	if req.Target.Env.EnvironmentID != "" && env.EnvironmentID != "" && env.EnvironmentID != req.Target.Env.EnvironmentID {
		return nil, planErr(
			fmt.Sprintf("%s of %s is no longer the environment that was chosen (its id changed).", mode, app.AppID),
			"Refresh the app's environments and choose again.", ErrTargetChanged)
	}
	if env.EnvironmentID == "" {
		env.EnvironmentID = req.Target.Env.EnvironmentID
	}
	p.Request.Target.Env = *env
	p.FreeApp = IsFreeApp(req.Target) || IsFreeApp(p.Request.Target)
	if req.Source.File != "" && p.FreeApp {
		return nil, freeAppUpload()
	}
	if p.FreeApp {
		p.Request.Options.SafetyBackup = false // Mendix Cloud cannot make one; the notes say so
	}
	p.Production = env.IsProduction()
	uploadOnly := req.Source.File != "" && req.Options.UploadOnly
	if !uploadOnly {
		switch env.Status {
		case cloud.StatusRunning, cloud.StatusStopped:
		case cloud.StatusEmpty:
			return nil, planErr(
				fmt.Sprintf("Nothing is deployed to %s yet, so it has no database to restore into.", mode),
				fmt.Sprintf("Deploy the app to %s in the Mendix Portal first, then restore.", mode), ErrTargetBusy)
		default:
			return nil, planErr(
				fmt.Sprintf("%s reports the status %s, neither running nor stopped: it may be starting or stopping.", mode, env.Status.Label()),
				"Wait until it has settled and try again.", ErrTargetBusy)
		}
	}

	// The account may use backups here, and no backup job is in the way.
	page, err := readRetry(ctx, e, func() (*cloud.SnapshotPage, error) {
		return e.cloud.ListSnapshots(ctx, app.ProjectID, env.EnvironmentID, cloud.ListOptions{Limit: 20})
	})
	if err != nil {
		return nil, planErr(fmt.Sprintf("Restore Desk could not read the backups of %s: %s.", mode, cause(err)), "", err)
	}
	for _, s := range page.Snapshots {
		if s.State == cloud.StateQueued || s.State == cloud.StateRunning {
			return nil, planErr(
				fmt.Sprintf("A backup of %s is being made right now; Mendix Cloud does not restore or upload while it runs.", mode),
				"Wait until that backup has finished (a few minutes), then try again.", ErrTargetBusy)
		}
	}

	if req.Source.File != "" {
		if err := e.planFile(ctx, p, onEvent); err != nil {
			return nil, err
		}
	} else if err := e.planSnapshot(ctx, p); err != nil {
		return nil, err
	}

	p.ConfirmationRequired = p.needsConfirmation()
	p.Steps = steps(p)
	p.Notes = notes(p, e.now())
	return p, nil
}

// readRetry asks again when the cloud said "too many requests" (the client already waited
// what it could): a plan should not fail because the account is busy for a moment. Other
// failures are reported at once, so a dead server is said quickly.
func readRetry[T any](ctx context.Context, e *Engine, fn func() (T, error)) (T, error) {
	wait := e.poll
	for attempt := 0; ; attempt++ {
		v, err := fn()
		if err == nil || !errors.Is(err, cloud.ErrRateLimited) || attempt >= 3 {
			return v, err
		}
		if serr := sleep(ctx, wait); serr != nil {
			return v, err
		}
		wait = min(e.maxPoll, 2*wait)
	}
}

func validate(req Request) error {
	bad := func(s string) error { return planErr(s, "", ErrInvalidRequest) }
	switch {
	case req.Target.App.AppID == "":
		return bad("Choose the app to restore into.")
	case req.Target.App.ProjectID == "":
		return bad("The app's project id is missing: refresh the list of apps and choose again.")
	case req.Target.Env.Mode == "":
		return bad("Choose the environment to restore into.")
	case req.Source.File == "" && req.Source.SnapshotID == "":
		return bad("Choose a backup or a backup file to restore.")
	case req.Source.File != "" && req.Source.SnapshotID != "":
		return bad("Choose either a backup or a file, not both.")
	case req.Options.UploadOnly && req.Source.File == "":
		return bad("Only a file can be uploaded; a backup in the cloud is already there.")
	case req.Options.UploadOnly && req.Options.Start:
		return bad("An upload alone does not stop the environment, so there is nothing to start.")
	}
	return nil
}

func (e *Engine) planSnapshot(ctx context.Context, p *Plan) error {
	src, t := p.Request.Source, p.Request.Target
	srcEnv := src.SourceEnvID
	if srcEnv == "" {
		srcEnv = t.Env.EnvironmentID
	}
	p.SourceMode = t.Env.Mode
	if srcEnv != t.Env.EnvironmentID {
		envs, err := readRetry(ctx, e, func() ([]cloud.Environment, error) { return e.cloud.ListEnvironments(ctx, t.App.AppID) })
		if err != nil {
			return planErr(fmt.Sprintf("Restore Desk could not read the environments of %s: %s.", t.App.AppID, cause(err)), "", err)
		}
		p.SourceMode = ""
		for _, env := range envs {
			if env.EnvironmentID == srcEnv {
				p.SourceMode = env.Mode
			}
		}
		if p.SourceMode == "" {
			return planErr(
				fmt.Sprintf("The backup's environment is not an environment of %s: a backup can only be restored into the app it was made of.", t.App.AppID),
				"Choose a backup of this app.", ErrInvalidRequest)
		}
	}
	snap, err := readRetry(ctx, e, func() (*cloud.Snapshot, error) {
		return e.cloud.GetSnapshot(ctx, t.App.ProjectID, srcEnv, src.SnapshotID)
	})
	if err != nil {
		if errors.Is(err, cloud.ErrNotFound) {
			return planErr(fmt.Sprintf("The backup %s was not found in %s: it may have expired or been deleted.", src.SnapshotID, p.SourceMode),
				"Refresh the list of backups and choose another one.", err)
		}
		return planErr(fmt.Sprintf("Restore Desk could not read the backup %s: %s.", src.SnapshotID, cause(err)), "", err)
	}
	if snap.State != cloud.StateCompleted {
		msg := ""
		if snap.StatusMessage != "" {
			msg = fmt.Sprintf(" (Mendix Cloud says: %s)", snap.StatusMessage)
		}
		return planErr(fmt.Sprintf("The backup of %s is %s%s; only a completed backup can be restored.", when(snapshotTime(snap), e.now()), jobLabel(snap.State), msg),
			"Wait until it is completed, or choose another backup.", ErrSnapshotNotReady)
	}
	p.Snapshot = snap
	p.Request.Source.SourceEnvID = srcEnv
	return nil
}

func (e *Engine) planFile(ctx context.Context, p *Plan, onEvent func(Event)) error {
	path := p.Request.Source.File
	fi, err := os.Stat(path)
	if err != nil {
		return planErr(fmt.Sprintf("The file %s cannot be opened: %s.", path, plainFileError(err)),
			"Check the file's name and place, and choose it again.", err)
	}
	if !fi.Mode().IsRegular() {
		return planErr(fmt.Sprintf("%s is not a file.", path), "Choose a backup file (.backup, .db or .tar.gz).", archive.ErrNotAFile)
	}
	rep, err := e.inspectWithProgress(ctx, path, 0, onEvent)
	if err != nil {
		return planErr(fmt.Sprintf("The file %s could not be read: %s.", fileName(path), plainFileError(err)), "", err)
	}
	if !rep.Restorable {
		return notRestorable(path, rep)
	}
	p.Archive, p.fileSize, p.fileMod = rep, fi.Size(), fi.ModTime()
	return nil
}

func notRestorable(path string, rep *archive.Report) error {
	problems := strings.Join(rep.Problems, " ")
	if problems == "" {
		problems = "Restore Desk does not recognise what it holds."
	}
	return planErr(fmt.Sprintf("%s cannot be restored: %s", fileName(path), problems),
		"Nothing was changed. Choose a full snapshot (.tar.gz) or a database backup (.backup) made with pg_dump -Fc by PostgreSQL 12 to 15.",
		ErrNotRestorable)
}

func plainFileError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "it does not exist"
	case errors.Is(err, os.ErrPermission):
		return "this account is not allowed to read it"
	case errors.Is(err, context.Canceled):
		return "the check was cancelled"
	}
	return err.Error()
}

// steps lists what a run will do, each step only when it applies.
func steps(p *Plan) []Step {
	req := p.Request
	mode := req.Target.Env.Mode
	var out []Step
	add := func(k StepKind, title string) { out = append(out, Step{Kind: k, Title: title}) }
	if f := req.Source.File; f != "" {
		add(StepInspect, fmt.Sprintf("Check %s (integrity, layout, PostgreSQL dump version)", fileName(f)))
		add(StepUpload, fmt.Sprintf("Upload %s (%s) to %s, where it becomes a backup", fileName(f), sizeText(p.fileSize), mode))
		if req.Options.UploadOnly {
			return out
		}
	}
	if req.Options.SafetyBackup && !p.FreeApp {
		add(StepSafetyBackup, fmt.Sprintf("Make a safety backup of %s, so this restore can be undone", mode))
	}
	if req.Target.Env.Status == cloud.StatusRunning {
		add(StepStop, defaultTitle(StepStop, mode))
	}
	what := "the backup"
	if req.Source.File != "" {
		what = "the uploaded backup"
	} else if p.Snapshot != nil {
		what = "the backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		if p.SourceMode != mode {
			what = p.SourceMode + "'s backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		}
	}
	if req.Options.DBOnly {
		add(StepRestore, fmt.Sprintf("Restore the database only from %s into %s", what, mode))
	} else {
		add(StepRestore, fmt.Sprintf("Restore %s into %s", what, mode))
	}
	add(StepWait, defaultTitle(StepWait, mode))
	if req.Options.Start {
		add(StepStart, defaultTitle(StepStart, mode))
		add(StepVerify, defaultTitle(StepVerify, mode))
	}
	return out
}

// notes are the plan's sentences: what is replaced and since when, what cannot be done.
func notes(p *Plan, now time.Time) []string {
	req := p.Request
	mode := req.Target.Env.Mode
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }

	if req.Source.File != "" && req.Options.UploadOnly {
		add("%s will be checked and uploaded to %s, where it becomes a backup you can restore later. Nothing is stopped or replaced.", fileName(req.Source.File), mode)
		return out
	}
	data := mode + "'s data"
	if req.Options.DBOnly {
		data = mode + "'s database"
	}
	switch {
	case req.Source.File != "":
		dumped := ""
		if p.Archive != nil && !p.Archive.DumpedAt.IsZero() {
			dumped = fmt.Sprintf(" (its database was dumped on %s)", p.Archive.DumpedAt.Format("2 Jan 2006 15:04"))
		}
		add("%s will be replaced by the contents of %s%s. Everything now in %s will be lost.", data, fileName(req.Source.File), dumped, mode)
	case p.SourceMode != mode:
		add("%s will be replaced by the backup %s made on %s. Everything now in %s will be lost.", data, p.SourceMode, when(snapshotTime(p.Snapshot), now), mode)
	default:
		add("%s will be replaced by the backup of %s. Changes made since then will be lost.", data, when(snapshotTime(p.Snapshot), now))
	}
	if req.Options.DBOnly {
		add("Only the database is restored: %s's file documents stay as they are, so some may no longer match the database.", mode)
	}
	if p.Snapshot != nil && p.Snapshot.ModelVersion != "" && req.Target.Env.ModelVersion != "" &&
		p.Snapshot.ModelVersion != req.Target.Env.ModelVersion {
		add("The backup was made with model version %s; %s runs %s. Deploy the matching model afterwards if the app does not start.",
			p.Snapshot.ModelVersion, mode, req.Target.Env.ModelVersion)
	}
	switch {
	case p.FreeApp:
		add("This is a Free App: Mendix Cloud cannot make a safety backup of it, so this restore cannot be undone from Restore Desk. Free Apps cannot receive uploaded archives either.")
	case req.Options.SafetyBackup:
		add("A safety backup of %s is made first, so you can undo this restore.", mode)
	default:
		add("No safety backup will be made, so this restore cannot be undone from Restore Desk.")
	}
	switch {
	case req.Target.Env.Status == cloud.StatusRunning && req.Options.Start:
		add("%s is running: it is stopped before the restore (its users are offline meanwhile) and started again afterwards.", mode)
	case req.Target.Env.Status == cloud.StatusRunning:
		add("%s is running: it is stopped before the restore, and stays stopped afterwards until you start it.", mode)
	case req.Options.Start:
		add("%s is stopped; it is started after the restore.", mode)
	default:
		add("%s is stopped and stays stopped after the restore.", mode)
	}
	if req.Source.File != "" && req.Target.Env.Status == cloud.StatusRunning {
		add("%s is stopped only after the file was checked and uploaded: a bad file never causes downtime.", mode)
	}
	if p.ConfirmationRequired {
		add("%s is a production environment: type its name, %s, to confirm.", mode, mode)
	}
	return out
}
