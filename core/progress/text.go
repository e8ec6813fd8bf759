package progress

import (
	"fmt"
	"io"
	"time"
)

// Text prints a View as a transcript, for a terminal or a log: the view's log lines as
// they come (one per step, job state change and outcome), and the counted step's bytes
// with rate and ETA, redrawn in place on a terminal and every few seconds otherwise. Pass
// its Print to NewUpdater. It decides nothing: the view says it all.
type Text struct {
	w   io.Writer
	tty bool
	// verb says what happens to a counted step's bytes ("sent", "checked").
	verb func(stepKind string) string

	printed int // log lines printed so far
	last    time.Time
	inLine  bool // a bytes line is drawn without its newline
}

// NewText prints to w; tty redraws the bytes line in place. verb may be nil ("done").
func NewText(w io.Writer, tty bool, verb func(stepKind string) string) *Text {
	if verb == nil {
		verb = func(string) string { return "done" }
	}
	return &Text{w: w, tty: tty, verb: verb}
}

// Print prints what is new in v; the Updater calls it one call at a time.
func (t *Text) Print(v View, final bool) {
	for _, l := range v.Log[t.printed:] {
		t.line(v, l)
	}
	t.printed = len(v.Log)
	if v.Counting >= 0 && v.Bytes.Total > 0 && (t.tty || time.Since(t.last) >= 2*time.Second) {
		t.bytes(v.Steps[v.Counting].Kind, v.Bytes, false)
	}
	if final {
		t.endLine()
	}
}

func (t *Text) line(v View, l Line) {
	if l.Kind != LineBytes {
		t.endLine()
	}
	switch l.Kind {
	case LineStarted:
		if l.Step < v.Planned {
			fmt.Fprintf(t.w, "[%d/%d] %s\n", l.Step+1, v.Planned, l.Text)
		} else {
			fmt.Fprintf(t.w, "%s\n", l.Text)
		}
	case LineNote, LineJob:
		fmt.Fprintf(t.w, "      %s\n", l.Text)
	case LineBytes:
		if l.Bytes.Total > 0 && l.Step >= 0 {
			t.bytes(v.Steps[l.Step].Kind, l.Bytes, true)
		}
	case LineDone:
		fmt.Fprintf(t.w, "    ✓ %s\n", l.Text)
	case LineFailed:
		fmt.Fprintf(t.w, "    ✗ %s\n", l.Text)
	}
}

// BytesLine is a byte count as the transcript says it: "12 MB of 200 MB sent (6%),
// 4.1 MB/s, 46s left"; final leaves the time left out.
func BytesLine(b Bytes, verb string, final bool) string {
	line := fmt.Sprintf("%s of %s %s (%d%%)", Size(b.Done), Size(b.Total), verb, int(b.Fraction()*100))
	if r := Rate(b.Rate); r != "" {
		line += ", " + r
	}
	if b.ETA > 0 && !final {
		line += fmt.Sprintf(", %s left", b.ETA.Round(time.Second))
	}
	return line
}

func (t *Text) bytes(kind string, b Bytes, final bool) {
	t.last = time.Now()
	line := "      " + BytesLine(b, t.verb(kind), final)
	if t.tty {
		fmt.Fprintf(t.w, "\r\033[K%s", line)
		t.inLine = true
		if final {
			t.endLine()
		}
		return
	}
	fmt.Fprintln(t.w, line)
}

// endLine finishes a bytes line drawn in place.
func (t *Text) endLine() {
	if t.inLine {
		fmt.Fprintln(t.w)
		t.inLine = false
	}
}
