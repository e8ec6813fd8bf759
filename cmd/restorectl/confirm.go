package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"restoredesk/core/explain"
	"restoredesk/core/restore"
	"restoredesk/core/wording"
)

// stdinIsTerminal reports whether the confirmation can be asked for; a variable so that
// tests can answer the prompt through a pipe.
var stdinIsTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// confirmPlan is restorectl's one confirmation flow, for every plan: it draws the plan
// under header (warnings first, then the steps and notes), then gets the confirmation the
// plan asks for: --confirm NAME, --yes (refused where a name must be typed), or the
// terminal. Without a terminal and without those, nothing changes. f may be nil (a
// command without --yes and --confirm).
func (c *cli) confirmPlan(header string, p restore.Planned, f *runFlags) error {
	if f == nil {
		f = &runFlags{}
	}
	o := p.Shape()
	w := c.stdout
	if c.json || f.planOnStderr {
		w = c.stderr
	}
	drawPlan(w, header, o)
	cf := o.Confirm
	nothing := "Nothing was changed"
	for _, s := range o.Steps {
		if s.Kind == restore.StepUpload {
			nothing = "Nothing was uploaded or changed"
		}
	}
	switch {
	case cf.Kind == restore.ConfirmNone:
		return nil
	case f.confirm != "":
		if !p.ConfirmWith(f.confirm) {
			return usagef("--confirm %q does not name the environment %s. %s", f.confirm, cf.Name, nothing)
		}
		return nil
	case f.yes && cf.Kind == restore.ConfirmName:
		// The plan says why its name must be typed (another app's data, or production).
		return usagef("%s --yes alone is not enough for that: if you are sure, add --confirm %s. %s", cf.Reason, cf.Name, nothing)
	case f.yes:
		return nil
	case !stdinIsTerminal(c.stdin):
		hint := "--yes"
		if cf.Kind == restore.ConfirmName {
			hint = "--confirm " + cf.Name
		}
		return usagef("there is no terminal to ask for a confirmation on: pass %s to %s. %s", hint, cf.Verb, nothing)
	}
	if cf.Kind == restore.ConfirmName {
		fmt.Fprintf(c.stderr, "%s If you are sure, type the environment's name (%s) to %s, or press Enter to cancel: ",
			explain.Printable(cf.Reason), explain.Printable(cf.Name), explain.Printable(cf.Verb))
	} else {
		fmt.Fprintf(c.stderr, "%s? Type yes to continue: ", explain.Printable(wording.UpperFirst(cf.Verb)))
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	line = strings.TrimSpace(line)
	ok := line != "" || err == nil
	if cf.Kind == restore.ConfirmName {
		ok = ok && p.ConfirmWith(line)
	} else {
		ok = ok && (strings.EqualFold(line, "yes") || strings.EqualFold(line, "y"))
	}
	if !ok {
		fmt.Fprintln(c.stdout, "Cancelled: nothing was changed.")
		return &exitError{code: exitFailure}
	}
	return nil
}

// drawPlan prints a plan on w: stdout, or stderr when stdout is kept for what scripts
// read (the JSON under --json, a lifecycle command's one state line).
func drawPlan(w io.Writer, header string, o *restore.Outline) {
	if header != "" {
		for _, l := range strings.Split(header, "\n") {
			fmt.Fprintln(w, explain.Printable(l))
		}
	}
	for _, s := range o.Warnings {
		fmt.Fprintf(w, "  ! %s\n", explain.Printable(s))
	}
	for i, s := range o.Steps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, explain.Printable(s.Title))
	}
	for _, n := range o.Notes {
		fmt.Fprintf(w, "  • %s\n", explain.Printable(n))
	}
}
