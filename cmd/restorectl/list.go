package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dustin/go-humanize"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
)

func init() {
	register(&command{name: "apps", args: "[--json]", summary: "list the apps of the account (licensed nodes and Free Apps)", run: runApps})
	register(&command{name: "envs", args: "APP [--json]", summary: "list an app's environments with their status", run: runEnvs})
	register(&command{name: "backups", args: "APP ENV [--json]", summary: "list an environment's backups, newest first", run: runBackups})
}

// appJSON is an App as the API sends it, plus whether it is a Free App.
type appJSON struct {
	cloud.App
	FreeApp bool `json:"FreeApp"`
}

// loadConcurrency bounds the requests in flight when loading a whole account.
const loadConcurrency = 8

func runApps(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(c.flags("apps"), args, 0, 0); err != nil {
		return err
	}
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	loaded, err := cl.LoadAccount(ctx, loadConcurrency)
	if err != nil {
		return err
	}
	if c.json {
		out := make([]appJSON, len(loaded))
		for i, a := range loaded {
			out[i] = appJSON{App: a.App, FreeApp: a.FreeApp}
		}
		return c.printJSON(out)
	}
	tw := c.table("APP ID", "NAME", "TYPE", "ENVIRONMENTS", "URL")
	for _, a := range loaded {
		kind := "licensed"
		if a.FreeApp {
			kind = "Free App"
		}
		envs := ""
		for i, e := range a.Environments {
			if i > 0 {
				envs += ", "
			}
			envs += fmt.Sprintf("%s (%s)", e.Mode, e.Status.Label())
		}
		if a.Err != nil {
			envs = "could not load: " + a.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p(a.App.AppID), p(a.App.Name), kind, p(envs), p(a.App.URL))
	}
	return tw.Flush()
}

func runEnvs(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("envs"), args, 1, 1)
	if err != nil {
		return err
	}
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	app, err := resolveApp(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	envs, err := cl.ListEnvironments(ctx, app.AppID)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(envs)
	}
	tw := c.table("MODE", "STATUS", "PRODUCTION", "MODEL VERSION", "MENDIX VERSION", "ENVIRONMENT ID")
	for _, e := range envs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p(e.Mode), e.Status.Label(), yesNo(e.IsProduction()),
			p(orDash(e.ModelVersion)), p(orDash(e.MendixVersion)), p(e.EnvironmentID))
	}
	return tw.Flush()
}

func runBackups(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("backups"), args, 2, 2)
	if err != nil {
		return err
	}
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	app, env, err := resolveTarget(ctx, cl, pos[0], pos[1])
	if err != nil {
		return err
	}
	snaps, err := cl.ListAllSnapshots(ctx, app.ProjectID, env.EnvironmentID)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(snaps)
	}
	if len(snaps) == 0 {
		fmt.Fprintf(c.stdout, "%s %s has no backups yet.\n", p(app.Name), p(env.Mode))
		return nil
	}
	tw := c.table("CREATED", "KIND", "STATE", "MODEL VERSION", "EXPIRES", "SNAPSHOT ID", "COMMENT")
	for _, s := range snaps {
		state := string(s.State)
		if s.State == cloud.StateFailed && s.StatusMessage != "" {
			state += ": " + shorten(s.StatusMessage, 40) // the whole message is in --json
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", when(s.CreatedAt), cloud.KindOf(s), p(state),
			p(orDash(s.ModelVersion)), when(s.ExpiresAt), p(s.SnapshotID), p(s.Comment))
	}
	return tw.Flush()
}

// p shows text from the cloud with its control characters escaped, never interpreted by
// the terminal (explain.Printable: the window uses the same).
func p(s string) string { return explain.Printable(s) }

// when shows a time as people say it, with the exact local time for scripts that read it.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%s (%s)", t.Local().Format("2006-01-02 15:04"), humanize.Time(t))
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
