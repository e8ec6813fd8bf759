package main

import (
	"context"
	"fmt"
	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
	"time"
)

// engine opens the journal and builds the restore engine on the account's client, with
// extra options after the defaults. RESTOREDESK_JOURNAL overrides the journal's place;
// RESTOREDESK_POLL_INTERVAL how often jobs are polled (for demos and tests against the
// embedded cloud).
func (c *cli) engine(ctx context.Context, extra ...restore.Option) (*restore.Engine, *journal.Journal, *cloud.Client, error) {
	j, err := c.journal()
	if err != nil {
		return nil, nil, nil, err
	}
	cl, err := c.client(ctx)
	if err != nil {
		j.Close()
		return nil, nil, nil, err
	}
	// The account lets the engine refuse to undo or resume a run of another one.
	opts := []restore.Option{restore.WithLogger(c.logger), restore.WithAccount(c.profile, cl.BaseURL())}
	if s := c.getenv("RESTOREDESK_POLL_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			j.Close()
			return nil, nil, nil, explain.NewMistake(fmt.Sprintf("RESTOREDESK_POLL_INTERVAL=%q is not a duration.", s),
				"Give a duration like 500ms or 2s, or unset it to poll at the normal pace.", nil)
		}
		opts = append(opts, restore.WithPollInterval(d))
	}
	return restore.New(cl, j, append(opts, extra...)...), j, cl, nil
}

// journal opens the run journal: RESTOREDESK_JOURNAL, else the user's data directory.
func (c *cli) journal() (*journal.Journal, error) {
	path := c.getenv("RESTOREDESK_JOURNAL")
	if path == "" {
		p, err := journal.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return journal.Open(path)
}

// session is an open engine on one environment: what restore, upload and the lifecycle
// commands share before they plan.
type session struct {
	e      *restore.Engine
	j      *journal.Journal
	cl     *cloud.Client
	target restore.Target
}

// openTarget opens the engine (with extra options) and resolves APP and ENV. Close the
// session when done.
func (c *cli) openTarget(ctx context.Context, appArg, envArg string, extra ...restore.Option) (*session, error) {
	e, j, cl, err := c.engine(ctx, extra...)
	if err != nil {
		return nil, err
	}
	app, env, err := resolveTarget(ctx, cl, appArg, envArg)
	if err != nil {
		j.Close()
		return nil, err
	}
	return &session{e: e, j: j, cl: cl, target: restore.Target{App: app, Env: env}}, nil
}

func (s *session) Close() { s.j.Close() }
