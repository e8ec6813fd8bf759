package main

import (
	"context"
	"errors"
	"fmt"

	"restoredesk/core/backupdata"
	"restoredesk/core/localdb"
	"restoredesk/core/restore"
)

func init() {
	register(&command{
		name: "restore-rows",
		args: "OLDER NEWER --entity ENTITY --db postgresql://USER@HOST:PORT/DBNAME [--yes] [--json]   (each: FILE, or APP ENV SNAPSHOT_ID|latest)",
		summary: "bring back the rows of an entity that are in the older backup and were deleted by the newer one: they are inserted into the entity's table " +
			"of a PostgreSQL database on this machine in one transaction; rows whose id is there already are reported, never overwritten",
		run: runRestoreRows,
	})
}

func runRestoreRows(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("restore-rows")
	entity := fs.String("entity", "", "the entity whose deleted rows to bring back (e.g. Sales.Order)")
	dbURL := fs.String("db", "", "postgresql://USER@HOST:PORT/DBNAME")
	f := &runFlags{planOnStderr: c.json}
	fs.BoolVar(&f.yes, "yes", false, "do not ask before adding the rows")
	pos, err := parse(fs, args, 2, 6)
	if err != nil {
		return err
	}
	if *entity == "" || *dbURL == "" {
		return usagef("--entity ENTITY and --db postgresql://USER@HOST:PORT/DBNAME are required")
	}
	target, err := localdb.ParseTarget(*dbURL)
	if err != nil {
		return err
	}
	srcs, err := c.sources(ctx, pos, 2)
	if err != nil {
		return err
	}
	older, newer, err := backupdata.Ordered(ctx, srcs[0], srcs[1])
	if err != nil {
		return err
	}
	read, done := c.reading("compare")
	cmp, err := backupdata.Compare(ctx, older, newer, backupdata.CompareOptions{Entity: *entity, Read: read})
	done(err)
	if err != nil {
		return err
	}
	defer cmp.Close()
	pw, err := c.dbPassword(ctx, target, false)
	if err != nil {
		return err
	}
	target.Password = pw.value
	j, err := c.journal()
	if err != nil {
		return err
	}
	defer j.Close()
	e := restore.New(nil, j, restore.WithLogger(c.logger)) // a local database needs no cloud
	req := restore.RowsRequest{Profile: c.profile, Comparison: cmp, Entity: *entity, Target: target}
	plan, err := e.PlanRows(ctx, req)
	if errors.Is(err, localdb.ErrPassword) && pw.from == pwKeyring && stdinIsTerminal(c.stdin) {
		if pw, err = c.dbPassword(ctx, target, true); err != nil {
			return err
		}
		req.Target.Password = pw.value
		plan, err = e.PlanRows(ctx, req)
	}
	if err != nil {
		return err
	}
	if pw.from == pwAsked {
		if serr := dbSecrets().Set(ctx, dbSecretName(c.profile, target), pw.value); serr != nil {
			fmt.Fprintf(c.stderr, "The password could not be saved in the system keyring (%v); you will be asked again next time.\n", serr)
		}
	}
	header := fmt.Sprintf("Older backup: %s (made %s)\nNewer backup: %s (made %s)", older.Path, older.When().Format("Mon 2 Jan 2006 15:04"),
		newer.Path, newer.When().Format("Mon 2 Jan 2006 15:04"))
	if err := c.confirmPlan(header, plan, f); err != nil {
		return err
	}
	u := c.follow("bring back rows into "+target.Database, plan.Steps)
	res, err := e.RunRows(ctx, plan, restore.Follow(u))
	var base *restore.Result
	if res != nil {
		base = &res.Result
	}
	restore.Finish(u, base, err)
	if res != nil && c.json { // with what was inserted and left out
		if jerr := c.printJSON(res); jerr != nil {
			return jerr
		}
		return err
	}
	return c.report(base, err, "", "")
}
