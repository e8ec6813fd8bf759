package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
	"golang.org/x/term"

	"restoredesk/core/archive"
)

func init() {
	register(&command{
		name:    "inspect",
		args:    "FILE [--json]",
		summary: "check a local backup file (.backup, .db, .tar.gz, .gz) before uploading it; exit 1 when not restorable",
		run:     runInspect,
	})
}

func runInspect(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("inspect"), args, 1, 1)
	if err != nil {
		return err
	}
	var done, total atomic.Int64
	stop := c.showBytes("Inspecting", &done, &total)
	rep, err := archive.Inspect(ctx, pos[0], func(d, t int64) { done.Store(d); total.Store(t) })
	stop()
	if err != nil {
		return err
	}
	if c.json {
		if err := c.printJSON(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(c.stdout); err != nil {
		return err
	}
	if !rep.Restorable {
		return &exitError{code: exitFailure}
	}
	return nil
}

// showBytes draws a progress line on stderr while work counts bytes, when stderr is a
// terminal; the work code only stores into the counters. The returned func stops it.
func (c *cli) showBytes(label string, done, total *atomic.Int64) (stop func()) {
	f, ok := c.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
				d, t := done.Load(), total.Load()
				if t > 0 {
					fmt.Fprintf(f, "\r\033[K%s: %s of %s (%d%%)", label, humanize.IBytes(uint64(d)), humanize.IBytes(uint64(t)), d*100/t)
				}
			}
		}
	}()
	return func() { close(quit); <-finished }
}
