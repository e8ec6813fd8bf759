package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dustin/go-humanize"
	"golang.org/x/term"

	"restoredesk/core/localdb"
	"restoredesk/core/profiles"
	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name: "restore-local",
		args: "FILE|APP ENV SNAPSHOT_ID|latest --db postgresql://USER@HOST:PORT/DBNAME [--create] [--replace] [--pg-restore PATH] [--output PATH]",
		summary: "restore a backup file, or a cloud backup downloaded first, into a PostgreSQL database on this machine and check that every row arrived " +
			"(password: PGPASSWORD, or asked once and kept in the system keyring)",
		run: runRestoreLocal,
	})
}

// dbSecrets is where database passwords are kept: the OS keyring; a variable so that
// tests use an in-memory store instead of the user's keyring.
var dbSecrets = func() profiles.SecretStore { return profiles.NewKeyring(0) }

// dbSecretName is the keyring entry of a database password: per profile and server/user,
// the same entry the desktop app reads and writes.
func dbSecretName(profile string, t localdb.Target) string {
	return profiles.DatabaseSecretName(profile, t.Host, t.Port, t.User)
}

func runRestoreLocal(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("restore-local")
	dbURL := fs.String("db", "", "postgresql://USER@HOST:PORT/DBNAME")
	create := fs.Bool("create", false, "create the database when it does not exist")
	replace := fs.Bool("replace", false, "replace the content of a database that is not empty (confirms it)")
	pgRestore := fs.String("pg-restore", "", "the pg_restore program (or its folder) to use")
	output := fs.String("output", "", "where a cloud backup is downloaded to: a folder or a file name (default: the current folder)")
	pos, err := parse(fs, args, 1, 3)
	if err != nil {
		return err
	}
	if len(pos) == 2 {
		return usagef("SOURCE is a backup file, or APP ENV SNAPSHOT_ID|latest")
	}
	if *dbURL == "" {
		return usagef("--db postgresql://USER@HOST:PORT/DBNAME is required")
	}
	target, err := localdb.ParseTarget(*dbURL)
	if err != nil {
		return err
	}
	pw, err := c.dbPassword(ctx, target, false)
	if err != nil {
		return err
	}
	target.Password = pw.value
	req := restore.LocalRequest{Profile: c.profile, Target: target, Create: *create, Replace: *replace, PgRestore: *pgRestore}
	var e *restore.Engine
	if len(pos) == 3 {
		// A cloud backup: one plan downloads it (or uses an identical earlier download)
		// and restores it.
		s, err := c.openTarget(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		defer s.Close()
		e = s.e
		req.Cloud = &restore.DownloadRequest{Target: s.target, SnapshotID: pos[2], Output: *output}
		fmt.Fprintf(c.stderr, "Checking the backup and %s…\n", target)
	} else {
		j, err := c.journal()
		if err != nil {
			return err
		}
		defer j.Close()
		e = restore.New(nil, j, restore.WithLogger(c.logger)) // a file needs no cloud
		req.File = pos[0]
		fmt.Fprintf(c.stderr, "Checking %s and %s…\n", req.File, target)
	}

	u := c.follow("plan", nil)
	plan, err := e.PlanLocal(ctx, req, restore.Follow(u))
	restore.Finish(u, nil, err)
	if errors.Is(err, localdb.ErrPassword) && pw.from == pwKeyring && stdinIsTerminal(c.stdin) {
		// The saved password no longer works: ask once more (the file is not read again).
		if pw, err = c.dbPassword(ctx, target, true); err != nil {
			return err
		}
		req.Target.Password = pw.value
		plan, err = e.PlanLocal(ctx, req, nil)
	}
	if err != nil {
		return err
	}
	if pw.from == pwAsked {
		if serr := dbSecrets().Set(ctx, dbSecretName(c.profile, target), pw.value); serr != nil {
			fmt.Fprintf(c.stderr, "The password could not be saved in the system keyring (%v); you will be asked again next time.\n", serr)
		} else {
			fmt.Fprintln(c.stderr, "The password is saved in the system keyring.")
		}
	}
	if err := c.confirmPlan(localHeader(plan), plan, &runFlags{planOnStderr: c.json}); err != nil {
		return err
	}
	u = c.follow("restore into "+target.Database, plan.Steps)
	res, err := e.RunLocal(ctx, plan, restore.Follow(u))
	var base *restore.Result
	if res != nil {
		base = &res.Result
	}
	restore.Finish(u, base, err)
	return c.reportLocal(res, err)
}

// Where the password came from.
const (
	pwNone = iota
	pwEnv
	pwKeyring
	pwAsked
)

type password struct {
	value string
	from  int
}

// dbPassword finds the password: PGPASSWORD (scripts), the keyring, or the terminal
// (then saved to the keyring once the plan proved it works). again skips the first two.
func (c *cli) dbPassword(ctx context.Context, t localdb.Target, again bool) (password, error) {
	if !again {
		if v := c.getenv("PGPASSWORD"); v != "" {
			return password{v, pwEnv}, nil
		}
		if v, err := dbSecrets().Get(ctx, dbSecretName(c.profile, t)); err == nil && v != "" {
			return password{v, pwKeyring}, nil
		}
	}
	if !stdinIsTerminal(c.stdin) {
		return password{"", pwNone}, nil // trust or peer authentication may need none
	}
	fmt.Fprintf(c.stderr, "Password of %s on %s:%d: ", t.User, t.Host, t.Port)
	var line string
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return password{}, fmt.Errorf("read the password: %w", err)
		}
		line = string(b)
	} else {
		s, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && s == "" {
			return password{}, errors.New("no password was typed")
		}
		line = strings.TrimRight(s, "\r\n")
	}
	return password{line, pwAsked}, nil
}

// localHeader names the backup and the pg_restore the plan uses, as far as known before
// a download.
func localHeader(p *restore.LocalPlan) string {
	rep := p.Archive
	if rep == nil {
		return fmt.Sprintf("Download the backup %s of %s and restore it into %s", p.Download.Snapshot.SnapshotID, p.Download.Request.Target.Env.Mode, p.Request.Target)
	}
	return fmt.Sprintf("Backup: %s (%s, archive version %s, %s tables with data)\npg_restore: %s (version %s)", p.Request.File, rep.Kind.Label(),
		rep.ArchiveVersion, humanize.Comma(int64(len(rep.Tables))), p.DB.Tool.Path, p.DB.Tool.Version)
}

// reportLocal prints the completeness report; the exit code is 0 only when every row
// arrived.
func (c *cli) reportLocal(res *restore.LocalResult, err error) error {
	if res == nil {
		return err
	}
	jerr := c.printEnd(res, &res.Result, func() {
		if res.Check != nil {
			for _, t := range res.Check.Differing() {
				state := fmt.Sprintf("%s of %s rows", humanize.Comma(t.DBRows), humanize.Comma(t.DumpRows))
				if t.Missing {
					state = "missing"
				}
				fmt.Fprintf(c.stdout, "  differs: %s.%s: %s\n", p(t.Schema), p(t.Name), state)
			}
		}
		if r := res.Restore; r != nil && len(r.Errors) > 0 {
			fmt.Fprintf(c.stdout, "pg_restore: %s\n", p(r.Summary))
			for _, e := range r.Errors {
				fmt.Fprintf(c.stdout, "  %s\n", p(e))
			}
		}
		if res.Connect != "" {
			fmt.Fprintf(c.stdout, "Connect: %s\n", res.Connect)
		}
	})
	if jerr != nil {
		return jerr
	}
	if err != nil {
		return err
	}
	if !res.Complete() {
		return &exitError{code: exitFailure}
	}
	return nil
}
