package localdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/wording"
)

// Result is what a restore did.
type Result struct {
	CreatedDB bool
	Bytes     int64 // dump bytes fed to pg_restore
	Items     int64 // TOC items pg_restore reported done
	Duration  time.Duration
	ExitCode  int
	Errors    []string // pg_restore's error lines
	// Rows are the dump's rows per table, counted from the read that fed pg_restore;
	// RowsCounted says whether every table's data was counted.
	Rows        []archive.TableRows
	RowsCounted bool
	SHA256      string // of the backup file as it was read, "" when not hashed
	// Failed names the items pg_restore could not restore, as its table of contents
	// does ("EVENT TRIGGER audit", "VIEW public.totals"), one per error it tied to one.
	Failed  []string
	Stderr  string // all pg_restore wrote, for Details
	Summary string // what happened, in plain words
	Check   *Completeness
	early   map[string]int64 // rows of tables counted in the database while pg_restore ran, by "schema.name"
}

// maxStderr bounds what is kept of pg_restore's output; a verbose restore of a large
// schema writes a line per item, well below this.
const maxStderr = 32 << 20

// Restore creates the database if planned, then runs pg_restore, counting the dump's
// rows from the same read of the backup: a raw dump file is read by pg_restore itself
// (with parallel jobs when planned) while the count reads it beside; a snapshot planned
// for parallel jobs is extracted first (counted as it is, before anything changes);
// anything else is streamed into pg_restore's input and counted on the way. It returns a
// Result also with an error, so that Details can show pg_restore's output. Cancelling
// ctx stops pg_restore; the error then says what state the database is in.
func (p *Plan) Restore(ctx context.Context, progress Progress) (*Result, error) {
	if progress == nil {
		progress = noProgress{}
	}
	res := &Result{}
	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()
	if err := ctx.Err(); err != nil {
		return res, &Error{Reason: ErrCancelled, Err: err, Advice: "The restore was cancelled before it started; nothing was changed."}
	}
	src, err := p.openSource()
	if err != nil {
		return res, &Error{Reason: ErrRestoreFailed, Err: err, Advice: fmt.Sprintf("The backup could not be read any more (%v); check that the file is still there.", err)}
	}
	defer src.Close()
	in := &input{plan: p, src: src, progress: progress}
	defer in.cleanup()
	if err := in.prepare(ctx); err != nil {
		return res, err
	}

	claimed, err := p.Target.claim(ctx)
	if err != nil {
		return res, err
	}
	defer claimed.release()
	if !p.DBExists {
		if err := p.Target.createDatabase(ctx, claimed.conn); err != nil {
			return res, err
		}
		res.CreatedDB = true
	}

	// runCtx also ends pg_restore when it reports a lock timeout (lockHeldError).
	runCtx, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	cmd := exec.CommandContext(runCtx, p.Tool.Path, p.pgRestoreArgs(in.dumpFile)...)
	app := fmt.Sprintf("Restore Desk %d-%d", os.Getpid(), time.Now().UnixNano())
	cmd.Env = childEnv(p.Target.login(p.Target.Database), app)
	cmd.Cancel = func() error {
		if runtime.GOOS == "windows" {
			return cmd.Process.Kill()
		}
		return cmd.Process.Signal(os.Interrupt) // pg_restore cancels its running query first
	}
	cmd.WaitDelay = 15 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return res, err
	}
	if err := in.connect(cmd); err != nil {
		return res, err
	}
	if err := cmd.Start(); err != nil {
		return res, &Error{Reason: ErrPgRestoreMissing, Option: OptionPgRestore, Err: err, Advice: fmt.Sprintf("%s could not be started (%v). %s", p.Tool.Path, err, installAdvice)}
	}
	in.start(runCtx, &res.Bytes)
	var blockers []session
	watchCtx, stopWatching := context.WithCancel(runCtx)
	waitWatch := claimed.watch(watchCtx, app, func(b []session) { blockers = b; stopRun(errLockHeld) })
	out := &outputReader{progress: progress, data: in.data}
	// With parallel jobs (in.data) pg_restore says when each item starts and ends; one
	// pg_restore says when it starts the next.
	out.early = newEarlyCount(runCtx, p, app, in.data == nil)
	var wg sync.WaitGroup
	wg.Go(func() { out.read(stderr) })
	wg.Wait()
	waitErr := cmd.Wait()
	res.early = out.early.stop()
	rc, feedErr := in.finish()
	stopWatching()
	waitWatch()
	res.Stderr, res.Errors, res.Failed, res.Items = out.text.String(), out.errors, out.failed, out.items
	res.Rows, res.RowsCounted, res.SHA256 = rc.tables, rc.counted, rc.sha256
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case ctx.Err() != nil:
		return res, p.cancelled(res, ctx.Err())
	case errors.Is(context.Cause(runCtx), errLockHeld):
		return res, p.lockHeldError(res, blockers)
	case rc.err != nil:
		res.Summary = fmt.Sprintf("The backup's dump did not read whole (%v); pg_restore said: %s", rc.err, summarise(res.Errors, res.Items))
		return res, damaged(rc.err, fmt.Sprintf("database %q holds part of it. %s", p.Target.Database, p.partialAdvice()))
	case errors.Is(feedErr, errTwoDumps):
		res.Summary = fmt.Sprintf("The backup holds db/db.backup 2 times, which was found only after the first was restored: database %q holds the first, which may not be the one meant.", p.Target.Database)
		return res, &Error{Reason: ErrDumpRefused, Err: feedErr, Advice: res.Summary + " Do not trust it: drop the database, and use another backup."}
	case feedErr != nil && !errors.Is(feedErr, errChildGone):
		res.Summary = fmt.Sprintf("Reading the backup failed after %s: %v. The database holds part of it.", bytesText(res.Bytes), feedErr)
		return res, &Error{Reason: ErrRestoreFailed, Option: OptionReplace, Err: feedErr, Advice: res.Summary + " " + p.partialAdvice()}
	case waitErr != nil && len(res.Errors) == 0:
		res.Summary = fmt.Sprintf("pg_restore stopped with an error (%v) after %s items.", waitErr, commas(res.Items))
		return res, &Error{Reason: ErrRestoreFailed, Option: OptionReplace, Err: waitErr, Advice: res.Summary + " " + p.partialAdvice() + lastLines(res.Stderr)}
	}
	if in.data != nil { // pg_restore read the whole file itself
		in.data.end(p.Report.DumpSize)
		res.Bytes = p.Report.DumpSize
	}
	res.Summary = summarise(res.Errors, res.Items)
	return res, nil
}

// Run restores and then counts and compares the rows.
func (p *Plan) Run(ctx context.Context, progress Progress) (*Result, error) {
	res, err := p.Restore(ctx, progress)
	if err != nil {
		return res, err
	}
	res.Check, err = p.CheckRows(ctx, res)
	return res, err
}

// watchOffset follows how far pg_restore has read the file it was given, every 100 ms and
// once more when stopped.
func watchOffset(f *os.File, progress Progress, n *int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var last int64
	update := func() {
		if off, err := f.Seek(0, io.SeekCurrent); err == nil && off > last {
			progress.Add(DumpBytes, off-last)
			last = off
		}
	}
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				update()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		update()
		*n = last
	}
}

// errChildGone: pg_restore closed its input early (it stopped on an error it reports).
var errChildGone = errors.New("pg_restore stopped reading")

// feed copies the dump into pg_restore's input, counting the bytes it took, and into the
// row count (tee, may be nil). Once pg_restore stops reading (on an error it reports), the
// count alone gets the rest, so that the dump's rows are still known and the row check
// names what is missing; errChildGone then says pg_restore stopped.
func feed(stdin io.Writer, tee io.Writer, src io.Reader, progress Progress, n *int64) error {
	buf := make([]byte, 256<<10)
	gone := false
	for {
		k, err := src.Read(buf)
		if k > 0 && !gone {
			if _, werr := stdin.Write(buf[:k]); werr != nil {
				gone = true
			} else {
				*n += int64(k)
				progress.Add(DumpBytes, int64(k))
			}
		}
		if k > 0 && tee != nil {
			tee.Write(buf[:k]) // the tee drops what its reader no longer wants; it never fails
		}
		switch {
		case gone && tee == nil:
			return errChildGone
		case err == io.EOF && gone:
			return errChildGone
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// childEnv is this process's environment with the password for pg_restore only; other
// PG settings that could point it elsewhere are removed (the connection is in --dbname).
// app names the session, so the lock watcher can find it.
func childEnv(password, app string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGDATABASE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGOPTIONS":
			continue
		}
		env = append(env, kv)
	}
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return append(env, "PGAPPNAME="+app)
}

// outputReader keeps pg_restore's stderr and counts the items --verbose reports done.
type outputReader struct {
	progress Progress
	data     *dataProgress // follows the tables' data a parallel restore finished; may be nil
	early    *earlyCount   // counts tables as pg_restore finishes with them; may be nil
	text     strings.Builder
	errors   []string
	failed   []string
	entry    string // the TOC item named last ("from TOC entry …"), until an error claims it
	items    int64
}

// itemPrefixes are the --verbose lines pg_restore writes once per TOC item it handles.
var itemPrefixes = []string{"creating ", "processing data for table ", "executing ", "processing item ", "dropping ", "finished item "}

// startsItem says whether msg is one of those lines.
func startsItem(msg string) bool {
	return slices.ContainsFunc(itemPrefixes, func(p string) bool { return strings.HasPrefix(msg, p) })
}

func (o *outputReader) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	waiting := 0 // bare prefixes whose text is still to come
	for sc.Scan() {
		line := sc.Text()
		if o.text.Len() < maxStderr {
			o.text.WriteString(line)
			o.text.WriteByte('\n')
		}
		// Parallel jobs write to the same output, a message's prefix and its text in
		// separate writes, so one line can hold two prefixes ("pg_restore: pg_restore:
		// finished item …"), the text of the first coming later on a line of its own,
		// unprefixed: every prefixed part is a message, and so is the start of a line
		// while a bare prefix waits for its text.
		parts := strings.Split(line, msgPrefix)
		if parts[0] != "" && waiting > 0 {
			waiting--
			o.message(parts[0])
		}
		for _, msg := range parts[1:] {
			if msg == "" {
				waiting++
				continue
			}
			o.message(msg)
		}
	}
	io.Copy(io.Discard, r) // a line beyond the limit: keep the child from blocking
}

// msgPrefix starts each message of pg_restore.
const msgPrefix = "pg_restore: "

// message takes one message of pg_restore (without its prefix).
func (o *outputReader) message(msg string) {
	if e, isErr := strings.CutPrefix(msg, "error: "); isErr {
		o.errors = append(o.errors, e)
		if o.entry != "" {
			o.failed = append(o.failed, o.entry)
			o.entry = ""
		}
		return
	}
	o.early.line(msg)
	if o.data != nil {
		if item, ok := strings.CutPrefix(msg, "finished item "); ok {
			// "finished item 3203 TABLE DATA crm$invoice": the tag is the table's name.
			if _, name, ok := strings.Cut(item, " TABLE DATA "); ok {
				o.data.done(name)
			}
		}
	}
	if e, ok := strings.CutPrefix(msg, "from TOC entry "); ok {
		o.entry = tocItem(e)
		return
	}
	if startsItem(msg) {
		o.items++
		o.progress.Add(TOCItems, 1)
	}
}

// tocItem is the kind and name of the item in pg_restore's "from TOC entry" line:
// "3203; 3466 16390 EVENT TRIGGER et super" is "EVENT TRIGGER et" (the numbers are
// its ids, the last word its owner).
func tocItem(s string) string {
	_, rest, ok := strings.Cut(s, "; ")
	f := strings.Fields(rest)
	if !ok || len(f) < 4 {
		return oneLine(s)
	}
	return oneLine(strings.Join(f[2:len(f)-1], " "))
}

// cancelled says what a cancelled restore left behind.
func (p *Plan) cancelled(res *Result, err error) error {
	state := fmt.Sprintf("Database %q holds part of the backup (%s items done, %s of the dump read). ", p.Target.Database, commas(res.Items), bytesText(res.Bytes))
	if res.Items == 0 {
		state = fmt.Sprintf("Nothing was restored into database %q yet. ", p.Target.Database)
		if res.CreatedDB {
			state = fmt.Sprintf("Database %q was created and is still empty. ", p.Target.Database)
		}
	}
	res.Summary = "The restore was cancelled. " + state
	return &Error{Reason: ErrCancelled, Option: OptionReplace, Err: err, Advice: res.Summary + p.partialAdvice()}
}

func (p *Plan) partialAdvice() string {
	return fmt.Sprintf("Restore again, confirming that its content is replaced, to complete it, or drop database %q.", p.Target.Database)
}

// summarise puts pg_restore's errors in plain words.
func summarise(errs []string, items int64) string {
	if len(errs) == 0 {
		return fmt.Sprintf("pg_restore finished without errors (%s items).", commas(items))
	}
	first := errs[0]
	for _, e := range errs {
		if strings.Contains(e, "ERROR:") {
			first = e
			break
		}
	}
	return fmt.Sprintf("pg_restore reported %s (see Details); %s", wording.Count(len(errs), "error", "errors"), explainError(first))
}

// explainError turns a pg_restore error line into a sentence.
func explainError(e string) string {
	low := strings.ToLower(e)
	switch {
	case strings.Contains(low, "already exists"):
		return "the database already held objects of the same name, so some were not restored: restore into an empty database, or confirm replacing."
	case strings.Contains(low, "permission denied") || strings.Contains(low, "must be owner") || strings.Contains(low, "must be superuser"):
		return "the user lacks a right the dump needs (" + oneLine(e) + "); restore as the owner of the database or a superuser."
	case strings.Contains(low, "no space left") || strings.Contains(low, "could not extend file"):
		return "the disk of the database server is full: free space and restore again."
	case strings.Contains(low, "does not exist"):
		return "the dump refers to something this server does not have (" + oneLine(e) + "), often an extension or a role."
	case strings.Contains(low, "unsupported version"):
		return "this pg_restore is too old for the dump: install newer PostgreSQL client tools."
	}
	return "the first: " + oneLine(e)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	if len(lines) == 0 || lines[0] == "" {
		return ""
	}
	return " Last output: " + oneLine(strings.Join(lines, " / "))
}
