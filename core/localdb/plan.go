package localdb

import (
	"context"
	"fmt"
	"io"
	"strings"

	"restoredesk/core/archive"
)

// Options are what the user chose for a local restore.
type Options struct {
	Source  string // a .backup, gzip-wrapped dump or full-snapshot .tar.gz file
	Target  Target
	Create  bool // create the database when it does not exist
	Replace bool // replace the content of a non-empty database; the user confirmed it
	// PgRestore is the pg_restore program (or its folder) the user set; "" searches.
	PgRestore string
	Locator   Locator
}

// Plan is a checked local restore: everything that can be known before a change is made.
type Plan struct {
	Options
	// Report is what the plan read of the file: its kind, the dump's header and its
	// tables with data. Their rows are counted during the restore (Result.Rows), from the
	// read that feeds pg_restore; RowsCounted is set only for a dump inspected whole.
	Report    *archive.Report
	Tool      Tool
	DBExists  bool
	DBObjects int64  // tables, views and sequences already in the database
	Server    string // the server's version
	// Jobs is how many parallel jobs pg_restore runs (1: none), from this machine's idle
	// processors and the server's free connections; used where pg_restore can seek in
	// the dump: a raw dump file, or a snapshot's dump extracted to ExtractDir first (for
	// enough jobs to pay for the extraction).
	Jobs       int
	ExtractDir string
	countRows  bool              // the dump's data can be read here, so its rows are counted
	stream     io.Reader         // the dump as it arrives (MakeStreamPlan), read by Restore once
	items      []archive.TOCItem // the dump's table of contents, for earlyCount
}

// tolerated are inspection problems that concern Mendix Cloud or the file documents, not a
// local database restore: a local pg_restore reads newer dumps, and tree/ is not read.
var tolerated = map[archive.ProblemCode]bool{
	archive.ProblemDumpTooNew: true, archive.ProblemNotCompressed: true, archive.ProblemBadMetadata: true,
	archive.ProblemUnsafePath: true, archive.ProblemSymlink: true, archive.ProblemHardLink: true,
	archive.ProblemSpecialFile: true,
}

// MakePlan checks, in this order and changing nothing: the file holds a custom-format
// dump whose header and table of contents read soundly (its data is read once, by the
// restore); pg_restore is found and reads this dump's archive version; the server
// answers and the credentials work; the target database exists or may be created, and
// is empty or replacing was confirmed. It chooses pg_restore's parallel jobs.
func MakePlan(ctx context.Context, opts Options) (*Plan, error) {
	rep, l, countable, items, err := readHead(ctx, opts.Source)
	if err != nil {
		return nil, err
	}
	p := &Plan{Options: opts, Report: rep, countRows: countable, items: items}
	st, err := p.precheck(ctx)
	if err != nil {
		return nil, err
	}
	p.chooseReading(l, chooseJobs(machineJobs(), st.freeConns))
	return p, nil
}

// chooseReading sets how pg_restore reads the dump of layout l, given the jobs the machine
// and the server allow.
func (p *Plan) chooseReading(l layout, jobs int) {
	p.Jobs = jobs
	if p.Jobs >= minExtractJobs && l == snapshot {
		p.ExtractDir = extractDir(p.Source, p.Report.DumpSize)
	}
	if p.Jobs > 1 && (l == gzipDump || l == snapshot && p.ExtractDir == "") {
		p.Jobs = 1 // streamed: pg_restore cannot seek in its input
	}
}

// Replan is MakePlan for the saved file (source) of the dump streamed plan was made for
// (MakeStreamPlan), when it is restored once saved instead: the file's header and table
// of contents are read and judged as MakePlan does; pg_restore, the server and the target
// database are what the stream plan found moments before, not asked again.
func (p *Plan) Replan(ctx context.Context, source string) (*Plan, error) {
	rep, l, countable, items, err := readHead(ctx, source)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(p.Tool, rep.ArchiveVersion); err != nil {
		return nil, err
	}
	opts := p.Options
	opts.Source = source
	np := &Plan{Options: opts, Report: rep, countRows: countable, items: items,
		Tool: p.Tool, DBExists: p.DBExists, DBObjects: p.DBObjects, Server: p.Server}
	np.chooseReading(l, p.Jobs)
	return np, nil
}

// MakeStreamPlan is MakePlan for a dump that arrives as r while it is saved to
// opts.Source (a download): the dump's header and table of contents are read from r's
// first bytes, which are held, and judged, then the same checks as MakePlan's are made;
// nothing is changed. size tells the dump's size once its first bytes arrived (-1: not
// known). The plan's Restore reads the held bytes and the rest of r, once, as
// pg_restore's standard input, counting the rows on the way; a stream cannot be seeked,
// so Jobs is what pg_restore would run on the saved file instead (MakePlan), for the
// caller to weigh. Errors wrap ErrNotStreamable when the saved file must be restored
// instead (MakePlan, once it is complete).
func MakeStreamPlan(ctx context.Context, opts Options, r io.Reader, size func() int64) (*Plan, error) {
	rep, rest, items, err := readStreamHead(r, opts.Source, size)
	if err != nil {
		return nil, err
	}
	p := &Plan{Options: opts, Report: rep, countRows: true, stream: rest, items: items}
	st, err := p.precheck(ctx)
	if err != nil {
		return nil, err
	}
	p.Jobs = chooseJobs(machineJobs(), st.freeConns)
	return p, nil
}

// precheck makes the checks that need the dump's header, and fills in what they found.
func (p *Plan) precheck(ctx context.Context) (dbState, error) {
	tool, st, err := precheck(ctx, p.Options, p.Report.ArchiveVersion)
	if err != nil {
		return st, err
	}
	p.Tool = tool
	p.DBExists, p.DBObjects, p.Server = st.exists, st.objects, st.server
	return st, nil
}

// CountsRows reports whether the restore counts the dump's rows (its data is compressed
// with gzip or not at all), so that the row check can prove completeness.
func (p *Plan) CountsRows() bool { return p.countRows }

// Precheck makes the checks that need no backup file: pg_restore is found, the server
// answers and the credentials work, and the database exists (or may be created) and is
// empty (or replacing was confirmed). It changes nothing; run it before downloading a
// backup to restore, so that a wrong password is found before a long download.
func Precheck(ctx context.Context, opts Options) error {
	_, _, err := precheck(ctx, opts, "")
	return err
}

// precheck finds pg_restore, checks it reads archiveVersion (when known), then probes the
// server and the target database.
func precheck(ctx context.Context, opts Options, archiveVersion string) (Tool, dbState, error) {
	tool, err := opts.Locator.Find(ctx, opts.PgRestore)
	if err != nil {
		return Tool{}, dbState{}, err
	}
	if err := checkVersion(tool, archiveVersion); err != nil {
		return Tool{}, dbState{}, err
	}
	st, err := opts.Target.probe(ctx)
	if err != nil {
		return Tool{}, dbState{}, err
	}
	t := opts.Target
	switch {
	case !st.exists && !opts.Create:
		return Tool{}, dbState{}, &Error{Reason: ErrNoDatabase, Option: OptionCreate, Advice: fmt.Sprintf(
			"There is no database %q on %s:%d. Choose to create the database, or check the name.", t.Database, t.Host, t.Port)}
	case !st.exists && !st.canCreate:
		return Tool{}, dbState{}, &Error{Reason: ErrPermission, Advice: fmt.Sprintf(
			"There is no database %q on %s:%d, and user %q may not create databases. Create it yourself (or as a superuser) and restore into it, or give the user the CREATEDB right.",
			t.Database, t.Host, t.Port, t.User)}
	case st.exists && st.objects > 0 && !opts.Replace:
		return Tool{}, dbState{}, &Error{Reason: ErrNotEmpty, Option: OptionReplace, Advice: fmt.Sprintf(
			"Database %q already holds %d tables, views or sequences. Restore into a new or empty database, or confirm replacing its content: the backup's tables are dropped and restored, anything else in it stays.",
			t.Database, st.objects)}
	case st.exists && st.objects > 0 && len(st.others) > 0:
		return Tool{}, dbState{}, t.inUseError(st.others)
	}
	return tool, st, nil
}

// checkReport refuses a file that a local restore cannot use, before the database is
// touched.
func checkReport(rep *archive.Report) error {
	var problems []string
	for i, code := range rep.ProblemCodes {
		if !tolerated[code] {
			problems = append(problems, rep.Problems[i])
		}
	}
	if len(problems) > 0 {
		return &Error{Reason: ErrDumpRefused, Advice: "This backup cannot be restored, nothing was changed: " + strings.Join(problems, " ")}
	}
	if rep.Kind != archive.KindFullSnapshot && rep.Kind != archive.KindDatabaseOnly || rep.Format != "custom" {
		return &Error{Reason: ErrDumpRefused, Advice: "This file holds no database dump in custom format, so there is nothing to restore into PostgreSQL; choose a full snapshot (.tar.gz) or a database backup (.backup)."}
	}
	return nil
}

// Steps says what the restore will do, in order, for the confirmation and the journal.
func (p *Plan) Steps() []string {
	var s []string
	t := p.Target
	if !p.DBExists {
		s = append(s, fmt.Sprintf("create database %q on %s:%d", t.Database, t.Host, t.Port))
	}
	how := "restore"
	if p.DBExists && p.DBObjects > 0 {
		how = "replace the backup's tables in"
	}
	read := "streaming the dump"
	switch {
	case p.Jobs > 1 && p.ExtractDir != "":
		read = fmt.Sprintf("with %d parallel jobs, the dump extracted first to a temporary file in %s (removed after)", p.Jobs, p.ExtractDir)
	case p.Jobs > 1:
		read = fmt.Sprintf("with %d parallel jobs", p.Jobs)
	}
	s = append(s, fmt.Sprintf("%s database %q with %s (version %s) %s; the dump's rows are counted from the same read (%s tables with data)",
		how, t.Database, p.Tool.Path, p.Tool.Version, read, commas(int64(len(p.Report.Tables)))))
	s = append(s, "count the rows of every table in the database and compare them with the dump")
	return s
}

// pgRestoreArgs are the arguments of pg_restore: never the password. dumpFile is the
// file it reads itself, with the plan's jobs; "" reads its standard input.
func (p *Plan) pgRestoreArgs(dumpFile string) []string {
	args := []string{"--no-owner", "--no-acl", "--verbose", "--no-password"}
	if p.DBExists && p.DBObjects > 0 {
		args = append(args, "--clean", "--if-exists")
	}
	args = append(args, "--dbname="+p.Target.conninfo(p.Target.Database))
	if dumpFile != "" {
		args = append(args, fmt.Sprintf("--jobs=%d", p.Jobs), "--", dumpFile)
	}
	return args
}
