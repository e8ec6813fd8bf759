package localdb

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
)

// input is how one restore's dump reaches pg_restore and the row count, from one read of
// the backup: the file pg_restore reads itself (a raw dump, or a snapshot's dump extracted
// first) with the count reading it beside, the raw dump as pg_restore's standard input,
// or the dump streamed into that input and counted on the way.
type input struct {
	plan     *Plan
	src      *dumpStream
	progress Progress
	data     *dataProgress // progress by tables finished, for a parallel restore; else nil

	dumpFile string    // the file pg_restore reads itself; "" for its standard input
	tmp      string    // an extracted dump, removed by cleanup
	counted  *rowCount // counted already, while extracting
	cnt      *counter  // counting while pg_restore runs
	counting bool      // the rows are counted (the dump's data can be read here)

	stdin     io.WriteCloser
	feedDone  chan error
	sha256    string // of the file, when fed through here
	stopWatch func()
}

// prepare decides how pg_restore reads the dump; a snapshot planned for parallel jobs is
// extracted (and counted) here, before anything changes.
func (in *input) prepare(ctx context.Context) error {
	p := in.plan
	in.counting = p.countRows
	in.stopWatch = func() {}
	if p.Jobs < 2 {
		return nil
	}
	switch {
	case in.src.file != nil:
		in.dumpFile = p.Source
	case in.src.layout == snapshot && p.ExtractDir != "":
		in.data = newDataProgress(in.progress)
		path, rc, err := p.extract(ctx, in.src, in.onSpan())
		in.tmp = path
		if err != nil {
			return err
		}
		in.dumpFile, in.counted = path, &rc
		return nil
	default:
		return nil // streamed: pg_restore reads its input in one pass, without jobs
	}
	in.data = newDataProgress(in.progress)
	return nil
}

func (in *input) onSpan() func(string, int64) {
	if in.data == nil {
		return nil
	}
	return in.data.span
}

// connect gives pg_restore its input.
func (in *input) connect(cmd *exec.Cmd) error {
	switch {
	case in.dumpFile != "":
	case in.src.file != nil:
		// A raw dump file is pg_restore's standard input itself: no copy through this
		// process; the bytes it read are the shared file offset.
		cmd.Stdin = in.src.file
	default:
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		in.stdin = stdin
	}
	return nil
}

// start feeds pg_restore (or follows it) and starts the row count, once it runs.
func (in *input) start(ctx context.Context, n *int64) {
	switch {
	case in.counted != nil: // counted while extracting
	case in.dumpFile != "":
		if in.counting {
			in.cnt = countFile(ctx, in.dumpFile, in.onSpan())
		}
	case in.src.file != nil:
		in.stopWatch = watchOffset(in.src.file, in.progress, n)
		if in.counting {
			in.cnt = countFile(ctx, in.plan.Source, nil)
		}
	default:
		var tee *teePipe
		if in.counting {
			tee = newTeePipe(8, 256<<10)
			in.cnt = startCount(ctx, tee, nil)
		}
		in.feedDone = make(chan error, 1)
		go func() { in.feedDone <- in.feed(ctx, tee, n) }()
	}
}

// feed copies the dump into pg_restore's input (and the count), then reads the rest of
// the backup for its hash and a second dump.
func (in *input) feed(ctx context.Context, tee *teePipe, n *int64) error {
	var w io.Writer // a nil *teePipe is no writer
	if tee != nil {
		w = tee
	}
	err := feed(in.stdin, w, ctxReader{ctx, in.src}, in.progress, n)
	in.stdin.Close()
	if tee != nil {
		tee.CloseWrite()
	}
	if err != nil && !errors.Is(err, errChildGone) {
		return err
	}
	sha, rerr := in.src.rest()
	if rerr != nil {
		return rerr
	}
	in.sha256 = sha
	return err
}

// finish waits for the feeding and the count, once pg_restore has ended.
func (in *input) finish() (rc rowCount, feedErr error) {
	if in.feedDone != nil {
		feedErr = <-in.feedDone
	}
	in.stopWatch()
	switch {
	case in.counted != nil:
		rc = *in.counted
	case in.cnt != nil:
		rc = in.cnt.wait()
	}
	if in.sha256 != "" {
		rc.sha256 = in.sha256
	}
	if !rc.counted {
		rc.tables = in.plan.Report.Tables
	}
	return rc, feedErr
}

func (in *input) cleanup() {
	if in.tmp != "" {
		os.Remove(in.tmp)
	}
}
