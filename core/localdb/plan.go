package localdb

import (
	"context"
	"fmt"
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
	// Report is the file's inspection by archive.InspectRows (rows counted), when the
	// caller has one; nil inspects the file here.
	Report *archive.Report
}

// Plan is a checked local restore: everything that can be known before a change is made.
type Plan struct {
	Options
	Report    *archive.Report
	Tool      Tool
	DBExists  bool
	DBObjects int64  // tables, views and sequences already in the database
	Server    string // the server's version
}

// tolerated are inspection problems that concern Mendix Cloud or the file documents, not a
// local database restore: a local pg_restore reads newer dumps, and tree/ is not read.
var tolerated = map[archive.ProblemCode]bool{
	archive.ProblemDumpTooNew: true, archive.ProblemNotCompressed: true, archive.ProblemBadMetadata: true,
	archive.ProblemUnsafePath: true, archive.ProblemSymlink: true, archive.ProblemHardLink: true,
	archive.ProblemSpecialFile: true,
}

// MakePlan checks, in this order and changing nothing: the file passes inspection (rows
// counted); pg_restore is found and reads this dump's archive version; the server answers
// and the credentials work; the target database exists or may be created, and is empty
// or replacing was confirmed. onInspect, if not nil, follows the inspection.
func MakePlan(ctx context.Context, opts Options, onInspect archive.Progress) (*Plan, error) {
	p := &Plan{Options: opts, Report: opts.Report}
	if p.Report == nil {
		rep, err := archive.InspectWith(ctx, opts.Source, archive.Options{Use: archive.ForLocalRestore, CountRows: true}, onInspect)
		if err != nil {
			return nil, err
		}
		p.Report = rep
	}
	if err := checkReport(p.Report); err != nil {
		return nil, err
	}
	tool, st, err := precheck(ctx, opts, p.Report.ArchiveVersion)
	if err != nil {
		return nil, err
	}
	p.Tool = tool
	p.DBExists, p.DBObjects, p.Server = st.exists, st.objects, st.server
	return p, nil
}

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
	s = append(s, fmt.Sprintf("%s database %q with %s (version %s), streaming the dump (%s tables with data)",
		how, t.Database, p.Tool.Path, p.Tool.Version, commas(int64(len(p.Report.Tables)))))
	s = append(s, "count the rows of every table and compare them with the dump")
	return s
}

// pgRestoreArgs are the arguments of pg_restore: never the password.
func (p *Plan) pgRestoreArgs() []string {
	args := []string{"--no-owner", "--no-acl", "--verbose", "--no-password"}
	if p.DBExists && p.DBObjects > 0 {
		args = append(args, "--clean", "--if-exists")
	}
	return append(args, "--dbname="+p.Target.conninfo(p.Target.Database))
}
