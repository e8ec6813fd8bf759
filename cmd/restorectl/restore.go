package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"golang.org/x/term"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name:    "restore",
		args:    "APP ENV SNAPSHOT_ID [--from SOURCE_ENV] [--db-only] [--no-safety-backup] [--start] [--yes | --confirm ENV]",
		summary: "restore a backup into an environment (stopping it first when it runs), with a safety backup",
		run:     runRestore,
	})
}

// runFlags are the choices restore, upload and undo share.
type runFlags struct {
	from     string
	dbOnly   bool
	noSafety bool
	start    bool
	yes      bool
	confirm  string
}

func addRunFlags(fs *flag.FlagSet, from bool) *runFlags {
	f := &runFlags{}
	if from {
		fs.StringVar(&f.from, "from", "", "the environment the backup belongs to (default: ENV)")
	}
	fs.BoolVar(&f.dbOnly, "db-only", false, "restore the database only; file documents stay as they are")
	fs.BoolVar(&f.noSafety, "no-safety-backup", false, "do not make a safety backup first (the restore cannot be undone)")
	fs.BoolVar(&f.start, "start", false, "start the environment after restoring")
	fs.BoolVar(&f.yes, "yes", false, "do not ask before restoring (not enough for production: use --confirm)")
	fs.StringVar(&f.confirm, "confirm", "", "the environment's name, as the confirmation a production restore needs")
	return f
}

// engine opens the journal and builds the restore engine on the account's client, with
// extra options after the defaults. RESTOREDESK_JOURNAL overrides the journal's place;
// RESTOREDESK_POLL_INTERVAL how often jobs are polled (for demos and tests against the
// embedded cloud).
func (c *cli) engine(ctx context.Context, extra ...restore.Option) (*restore.Engine, *journal.Journal, *cloud.Client, error) {
	j, err := c.journal()
	if err != nil {
		return nil, nil, nil, err
	}
	cl, err := c.client(ctx)
	if err != nil {
		j.Close()
		return nil, nil, nil, err
	}
	opts := []restore.Option{restore.WithLogger(c.logger)}
	if s := c.getenv("RESTOREDESK_POLL_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			j.Close()
			return nil, nil, nil, explain.NewMistake(fmt.Sprintf("RESTOREDESK_POLL_INTERVAL=%q is not a duration.", s),
				"Give a duration like 500ms or 2s, or unset it to poll at the normal pace.", nil)
		}
		opts = append(opts, restore.WithPollInterval(d))
	}
	return restore.New(cl, j, append(opts, extra...)...), j, cl, nil
}

// journal opens the run journal: RESTOREDESK_JOURNAL, else the user's data directory.
func (c *cli) journal() (*journal.Journal, error) {
	path := c.getenv("RESTOREDESK_JOURNAL")
	if path == "" {
		p, err := journal.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return journal.Open(path)
}

func runRestore(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("restore")
	f := addRunFlags(fs, true)
	pos, err := parse(fs, args, 3, 3)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	e, j, cl, err := c.engine(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	app, env, err := resolveTarget(ctx, cl, pos[0], pos[1])
	if err != nil {
		return err
	}
	req := restore.Request{
		Profile: c.profile,
		Source:  restore.Source{SnapshotID: pos[2]},
		Target:  restore.Target{App: app, Env: env},
		Options: f.options(),
	}
	if f.from != "" {
		src, err := resolveEnv(ctx, cl, app, f.from)
		if err != nil {
			return err
		}
		req.Source.SourceEnvID = src.EnvironmentID
	}
	return c.planAndRun(ctx, e, req, f)
}

// planAndRun mentions interrupted runs of the target, plans req (showing the inspection
// of a file as it goes), then confirms and runs the plan.
func (c *cli) planAndRun(ctx context.Context, e *restore.Engine, req restore.Request, f *runFlags) error {
	c.noteUnfinished(ctx, e, req.Target.App.AppID, req.Target.Env.Mode)
	pres := newPresenter(c)
	p, err := e.PlanWithProgress(ctx, req, pres.on)
	pres.endLine()
	if err != nil {
		return err
	}
	return c.confirmAndRun(ctx, e, p, f, pres)
}

func (f *runFlags) check() error {
	if f.yes && f.confirm != "" {
		return usagef("use --yes or --confirm ENV, not both")
	}
	return nil
}

func (f *runFlags) options() restore.Options {
	return restore.Options{DBOnly: f.dbOnly, SafetyBackup: !f.noSafety, Start: f.start, Confirm: f.confirm}
}

// noteUnfinished mentions interrupted runs of the same environment before a new one.
func (c *cli) noteUnfinished(ctx context.Context, e *restore.Engine, appID, mode string) {
	runs, err := e.Unfinished(ctx)
	if err != nil {
		return
	}
	for _, r := range runs {
		if r.AppID == appID && strings.EqualFold(r.Mode, mode) {
			fmt.Fprintf(c.stderr, "Note: %s Follow it with: restorectl resume %d\n", restore.Describe(r), r.ID)
		}
	}
}

// printPlan shows what will happen before anything does.
func (c *cli) printPlan(p *restore.Plan) {
	t := p.Request.Target
	what := "Restore into"
	if p.Request.Options.UploadOnly {
		what = "Upload to"
	}
	if p.UndoOf != 0 {
		what = fmt.Sprintf("Undo run %d in", p.UndoOf)
	}
	name := t.App.Name
	if name == "" {
		name = t.App.AppID
	}
	fmt.Fprintf(c.stdout, "%s %s / %s (%s)\n", what, name, t.Env.Mode, t.Env.Status.Label())
	for i, s := range p.Steps {
		fmt.Fprintf(c.stdout, "  %d. %s\n", i+1, s.Title)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(c.stdout, "  • %s\n", n)
	}
}

// stdinIsTerminal reports whether the confirmation can be asked for; a variable so that
// tests can answer the prompt through a pipe.
var stdinIsTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// confirmAndRun prints the plan, gets the confirmation the target needs, runs the plan
// with live progress and prints the result. Nothing changes before the confirmation.
func (c *cli) confirmAndRun(ctx context.Context, e *restore.Engine, p *restore.Plan, f *runFlags, pres *presenter) error {
	c.printPlan(p)
	mode := p.Request.Target.Env.Mode
	if !p.Request.Options.UploadOnly {
		switch {
		case f.confirm != "":
			if !strings.EqualFold(strings.TrimSpace(f.confirm), mode) {
				return usagef("--confirm %q does not name the environment %s. Nothing was changed", f.confirm, mode)
			}
			p.Request.Options.Confirm = mode
		case f.yes && p.Production:
			return usagef("%s is a production environment: --yes alone is not enough, add --confirm %s. Nothing was changed", mode, mode)
		case f.yes:
		case !stdinIsTerminal(c.stdin):
			hint := "--yes"
			if p.Production {
				hint = "--confirm " + mode
			}
			return usagef("there is no terminal to ask for a confirmation on: pass %s to restore. Nothing was changed", hint)
		default:
			if !c.ask(p) {
				fmt.Fprintln(c.stdout, "Cancelled: nothing was changed.")
				return &exitError{code: exitFailure}
			}
			p.Request.Options.Confirm = mode
		}
	}
	pres.setPlan(p)
	res, err := e.Run(ctx, p, pres.on)
	pres.endLine()
	return c.report(res, err, p.Request.Target.App.AppID, mode)
}

// ask asks on the terminal: yes for an ordinary environment, the environment's name for
// production.
func (c *cli) ask(p *restore.Plan) bool {
	mode := p.Request.Target.Env.Mode
	if p.Production {
		fmt.Fprintf(c.stderr, "%s is a production environment. Type its name (%s) to restore into it, or press Enter to cancel: ", mode, mode)
	} else {
		fmt.Fprintf(c.stderr, "Restore into %s? Type yes to continue: ", mode)
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return false
	}
	line = strings.TrimSpace(line)
	if p.Production {
		return strings.EqualFold(line, mode)
	}
	return strings.EqualFold(line, "yes") || strings.EqualFold(line, "y")
}

// report prints how a run ended; the error (if any) is printed by main in plain words.
func (c *cli) report(res *restore.Result, err error, appID, mode string) error {
	if res == nil {
		return err
	}
	if c.json {
		if jerr := c.printJSON(res); jerr != nil {
			return jerr
		}
	} else {
		fmt.Fprintf(c.stdout, "Run %d %s: %s\n", res.RunID, res.Status, res.Message)
		if res.UploadSnapshotID != "" {
			fmt.Fprintf(c.stdout, "Uploaded backup: %s\n", res.UploadSnapshotID)
		}
		if res.SafetySnapshotID != "" {
			fmt.Fprintf(c.stdout, "Safety backup: %s (undo with: restorectl undo %d)\n", res.SafetySnapshotID, res.RunID)
		}
		if res.RestoreID != "" {
			fmt.Fprintf(c.stdout, "Restore: %s\n", res.RestoreID)
		}
	}
	switch {
	case res.Detached:
		fmt.Fprintf(c.stderr, "The restore goes on in the cloud. Follow it again with: restorectl resume %d\n", res.RunID)
	case res.LeftStopped && appID != "" && (err == nil || errors.Is(err, restore.ErrInterrupted)):
		fmt.Fprintf(c.stderr, "%s is stopped. Start it with: restorectl start %s %s\n", mode, appID, mode)
	}
	return err
}

// presenter draws engine events on stderr: one line per step and per job state change,
// byte progress with rate and ETA redrawn in place on a terminal and printed every few
// seconds otherwise. The engine only emits events; the presenter decides what to show.
type presenter struct {
	w   io.Writer
	tty bool

	mu        sync.Mutex
	index     map[restore.StepKind]int
	steps     int
	lastBytes time.Time
	lastState map[restore.StepKind]string
	finalDone map[restore.StepKind]bool
	inLine    bool // a progress line is drawn without its newline
}

func newPresenter(c *cli) *presenter {
	p := &presenter{w: c.stderr, index: map[restore.StepKind]int{}, lastState: map[restore.StepKind]string{}, finalDone: map[restore.StepKind]bool{}}
	if f, ok := c.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *presenter) setPlan(pl *restore.Plan) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.steps = len(pl.Steps)
	for i, s := range pl.Steps {
		p.index[s.Kind] = i + 1
	}
}

// endLine finishes a progress line drawn in place.
func (p *presenter) endLine() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLineLocked()
}

func (p *presenter) endLineLocked() {
	if p.inLine {
		fmt.Fprintln(p.w)
		p.inLine = false
	}
}

func (p *presenter) on(ev restore.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Type {
	case restore.EventStepStarted:
		p.endLineLocked()
		if i := p.index[ev.Step]; i > 0 {
			fmt.Fprintf(p.w, "[%d/%d] %s\n", i, p.steps, ev.Title)
		} else {
			fmt.Fprintf(p.w, "%s\n", ev.Title)
		}
	case restore.EventProgress:
		if ev.Total > 0 {
			p.bytes(ev)
			return
		}
		line := strings.TrimSpace(ev.State + ": " + ev.Message)
		if ev.Message == "" {
			line = ev.State
		}
		if line == "" || p.lastState[ev.Step] == line {
			return
		}
		p.lastState[ev.Step] = line
		p.endLineLocked()
		fmt.Fprintf(p.w, "      %s\n", line)
	case restore.EventMessage:
		p.endLineLocked()
		fmt.Fprintf(p.w, "      %s\n", ev.Message)
	case restore.EventStepDone:
		p.endLineLocked()
		fmt.Fprintf(p.w, "    ✓ %s\n", ev.Message)
	case restore.EventStepFailed:
		p.endLineLocked()
		fmt.Fprintf(p.w, "    ✗ %s\n", ev.Message)
	case restore.EventRunDone, restore.EventRunFailed:
		p.endLineLocked()
	}
}

// bytes draws byte progress: in place every event on a terminal (the engine already
// paces them), otherwise a line every 2 seconds and at the end.
func (p *presenter) bytes(ev restore.Event) {
	final := ev.Done >= ev.Total
	if final && p.finalDone[ev.Step] {
		return
	}
	if !p.tty && !final && time.Since(p.lastBytes) < 2*time.Second {
		return
	}
	p.finalDone[ev.Step] = final
	p.lastBytes = time.Now()
	what := "checked"
	if ev.Step == restore.StepUpload {
		what = "sent"
	}
	line := fmt.Sprintf("      %s of %s %s (%d%%)", humanize.Bytes(uint64(ev.Done)), humanize.Bytes(uint64(ev.Total)), what, ev.Done*100/ev.Total)
	if ev.Rate > 0 {
		line += fmt.Sprintf(", %s/s", humanize.Bytes(uint64(ev.Rate)))
	}
	if ev.ETA > 0 && !final {
		line += fmt.Sprintf(", %s left", ev.ETA.Round(time.Second))
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.inLine = true
		if final {
			p.endLineLocked()
		}
		return
	}
	fmt.Fprintln(p.w, line)
}
