package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
	"golang.org/x/term"

	"restoredesk/core/archive"
	"restoredesk/core/download"
)

func init() {
	register(&command{
		name:    "download",
		args:    "APP ENV SNAPSHOT_ID|latest [--db-only] [--output PATH] [--force]",
		summary: "download a backup to this computer (resumable), check its SHA-256 and inspect it",
		run:     runDownload,
	})
}

// downloadReport is what --json prints.
type downloadReport struct {
	Path       string   `json:"path"`
	Size       int64    `json:"size"`
	SHA256     string   `json:"sha256"`
	SnapshotID string   `json:"snapshot_id"`
	ArchiveID  string   `json:"archive_id"`
	Kind       string   `json:"kind"`
	Restorable bool     `json:"restorable"`
	Problems   []string `json:"problems"`
}

func runDownload(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("download")
	dbOnly := fs.Bool("db-only", false, "download the database only (a .backup dump) instead of the full backup")
	output := fs.String("output", "", "a folder or a file name (default: the current folder)")
	force := fs.Bool("force", false, "replace an existing file of the same name")
	pos, err := parse(fs, args, 3, 3)
	if err != nil {
		return err
	}
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	app, env, err := resolveTarget(ctx, cl, pos[0], pos[1])
	if err != nil {
		return err
	}
	poll, err := c.pollInterval()
	if err != nil {
		return err
	}
	tg := download.Target{ProjectID: app.ProjectID, EnvironmentID: env.EnvironmentID, AppName: app.Name,
		EnvironmentName: env.Mode, SnapshotID: pos[2], DBOnly: *dbOnly, Output: *output, Force: *force}
	if tg.AppName == "" {
		tg.AppName = app.AppID
	}
	plan, err := download.MakePlan(ctx, cl, tg)
	if err != nil {
		return c.downloadFailed(err)
	}
	fmt.Fprintf(c.stdout, "Download from %s / %s\n", tg.AppName, env.Mode)
	for i, s := range plan.Steps() {
		fmt.Fprintf(c.stdout, "  %d. %s\n", i+1, s)
	}
	pres := newDownloadPresenter(c.stderr)
	defer pres.stop()
	r := &download.Runner{Cloud: cl, Fetcher: &download.Fetcher{Log: c.logger}, PollEvery: poll, Log: c.logger}
	out, err := r.Run(ctx, plan, download.Hooks{Stage: pres.stage, Progress: pres.fetched, Checked: pres.checked})
	pres.stop()
	if err != nil {
		return c.downloadFailed(err)
	}
	rep := out.Report
	if c.json {
		if err := c.printJSON(downloadReport{Path: out.Path, Size: out.Size, SHA256: out.SHA256, SnapshotID: plan.Snapshot.SnapshotID,
			ArchiveID: out.ArchiveID, Kind: string(rep.Kind), Restorable: rep.Restorable, Problems: rep.Problems}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.stdout, "Saved:   %s\n", out.Path)
		fmt.Fprintf(c.stdout, "Size:    %s (%d bytes)\n", humanize.IBytes(uint64(out.Size)), out.Size)
		fmt.Fprintf(c.stdout, "SHA-256: %s\n", out.SHA256)
		if rep.Restorable {
			fmt.Fprintf(c.stdout, "Check:   passed (%s, restorable)\n", kindWords(rep.Kind))
		} else {
			fmt.Fprintf(c.stdout, "Check:   FAILED: this file cannot be restored as it is\n")
			for _, p := range rep.Problems {
				fmt.Fprintf(c.stdout, "  • %s\n", p)
			}
		}
	}
	if !rep.Restorable {
		return &exitError{code: exitFailure}
	}
	return nil
}

// pollInterval reads RESTOREDESK_POLL_INTERVAL (for demos and tests on the embedded cloud).
func (c *cli) pollInterval() (time.Duration, error) {
	s := c.getenv("RESTOREDESK_POLL_INTERVAL")
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("RESTOREDESK_POLL_INTERVAL=%q is not a duration like 500ms or 2s", s)
	}
	return d, nil
}

// downloadFailed prints a download's own errors as they are (they say what to do and
// never hold the link); cloud errors go through the usual explanation.
func (c *cli) downloadFailed(err error) error {
	for _, known := range []error{download.ErrExists, download.ErrFolder, download.ErrNoSpace, download.ErrNotCompleted,
		download.ErrLinkRefused, download.ErrLinkGone, download.ErrBadResponse, download.ErrArchiveFailed, context.Canceled} {
		if errors.Is(err, known) {
			fmt.Fprintf(c.stderr, "restorectl download: %v\n", err)
			return &exitError{code: exitFailure}
		}
	}
	return err
}

func kindWords(k archive.Kind) string {
	switch k {
	case archive.KindFullSnapshot:
		return "a full backup: database and files"
	case archive.KindDatabaseOnly:
		return "a database dump"
	case archive.KindFilesOnly:
		return "files only"
	}
	return "unknown content"
}

// byteCount is one counter of the download presenter: the work code only adds to it.
type byteCount struct{ done, total atomic.Int64 }

func (b *byteCount) SetTotal(n int64) { b.total.Store(n) }
func (b *byteCount) Add(n int64)      { b.done.Add(n) }

// downloadPresenter draws a download on stderr: a line per stage and archive state, and
// the bytes with rate and time left, redrawn in place on a terminal (5 times a second) and
// printed every 2 seconds otherwise.
type downloadPresenter struct {
	w       io.Writer
	tty     bool
	fetched *byteCount
	checked *byteCount

	mu      sync.Mutex
	current *byteCount // the counter being drawn
	label   string
	since   time.Time
	from    int64 // bytes already there when the stage started (a resumed .part)
	inLine  bool
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newDownloadPresenter(w io.Writer) *downloadPresenter {
	p := &downloadPresenter{w: w, fetched: &byteCount{}, checked: &byteCount{}, quit: make(chan struct{}), stopped: make(chan struct{})}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	every := 2 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	go func() {
		defer close(p.stopped)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-tick.C:
				p.draw(false)
			}
		}
	}()
	return p
}

func (p *downloadPresenter) stage(s download.Stage, msg string) {
	p.draw(true) // the end of the stage before
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLine()
	fmt.Fprintf(p.w, "%s\n", msg)
	switch s {
	case download.StageFetch:
		p.current, p.label = p.fetched, "downloaded"
	case download.StageCheck:
		p.current, p.label = p.checked, "checked"
	default:
		p.current = nil
	}
	p.since = time.Now()
	if p.current != nil {
		p.from = p.current.done.Load()
	}
}

// draw prints the current counter; final draws it even when nothing moved.
func (p *downloadPresenter) draw(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.current
	if c == nil {
		return
	}
	done, total := c.done.Load(), c.total.Load()
	if total <= 0 || (final && done == 0) {
		return
	}
	line := fmt.Sprintf("  %s of %s %s (%d%%)", humanize.IBytes(uint64(done)), humanize.IBytes(uint64(total)), p.label, done*100/total)
	if secs := time.Since(p.since).Seconds(); secs > 0.5 && done > p.from {
		rate := float64(done-p.from) / secs
		line += fmt.Sprintf(", %s/s", humanize.IBytes(uint64(rate)))
		if left := total - done; left > 0 {
			line += fmt.Sprintf(", %s left", time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second))
		}
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.inLine = true
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *downloadPresenter) endLine() {
	if p.inLine {
		fmt.Fprintln(p.w)
		p.inLine = false
	}
}

// stop ends the drawing, with the last figures.
func (p *downloadPresenter) stop() {
	p.once.Do(func() {
		close(p.quit)
		<-p.stopped
		p.draw(true)
		p.mu.Lock()
		p.endLine()
		p.current = nil
		p.mu.Unlock()
	})
}
