package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// presenter prints a run's progress.View on stderr, as the core's updater paces it: the
// view's log lines as they come (one per step, job state change and outcome), and the
// counted step's bytes with rate and ETA, in place on a terminal and every few seconds
// otherwise. It decides nothing: the view says it all.
type presenter struct {
	w       io.Writer
	tty     bool
	printed int // log lines printed so far
	last    time.Time
	inLine  bool // a bytes line is drawn without its newline
}

// follow starts an updater for a run titled title with the planned steps; pass
// restore.Follow(u) to the engine and end it with restore.Finish.
func (c *cli) follow(title string, steps []restore.Step) *progress.Updater {
	p := &presenter{w: c.stderr}
	if f, ok := c.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return progress.NewUpdater(0, nil, title, restore.PlanSteps(steps), p.print)
}

// print draws what is new in v.
func (p *presenter) print(v progress.View, final bool) {
	for _, l := range v.Log[p.printed:] {
		p.line(v, l)
	}
	p.printed = len(v.Log)
	if v.Counting >= 0 && v.Bytes.Total > 0 && (p.tty || time.Since(p.last) >= 2*time.Second) {
		p.bytes(v.Steps[v.Counting].Kind, v.Bytes, false)
	}
	if final {
		p.endLine()
	}
}

func (p *presenter) line(v progress.View, l progress.Line) {
	if l.Kind != progress.LineBytes {
		p.endLine()
	}
	switch l.Kind {
	case progress.LineStarted:
		if l.Step < v.Planned {
			fmt.Fprintf(p.w, "[%d/%d] %s\n", l.Step+1, v.Planned, l.Text)
		} else {
			fmt.Fprintf(p.w, "%s\n", l.Text)
		}
	case progress.LineNote, progress.LineJob:
		fmt.Fprintf(p.w, "      %s\n", l.Text)
	case progress.LineBytes:
		if l.Bytes.Total > 0 && l.Step >= 0 {
			p.bytes(v.Steps[l.Step].Kind, l.Bytes, true)
		}
	case progress.LineDone:
		fmt.Fprintf(p.w, "    ✓ %s\n", l.Text)
	case progress.LineFailed:
		fmt.Fprintf(p.w, "    ✗ %s\n", l.Text)
	}
}

// bytes draws a byte count: "12 MB of 200 MB sent (6%), 4.1 MB/s, 46s left".
func (p *presenter) bytes(kind string, b progress.Bytes, final bool) {
	p.last = time.Now()
	what := "checked"
	if kind == string(restore.StepUpload) {
		what = "sent"
	}
	line := fmt.Sprintf("      %s of %s %s (%d%%)", progress.Size(b.Done), progress.Size(b.Total), what, int(b.Fraction()*100))
	if r := progress.Rate(b.Rate); r != "" {
		line += ", " + r
	}
	if b.ETA > 0 && !final {
		line += fmt.Sprintf(", %s left", b.ETA.Round(time.Second))
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.inLine = true
		if final {
			p.endLine()
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// endLine finishes a bytes line drawn in place.
func (p *presenter) endLine() {
	if p.inLine {
		fmt.Fprintln(p.w)
		p.inLine = false
	}
}
