package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"restoredesk/core/backupdata"
	"restoredesk/core/restore"
)

// sources turns the arguments into n backup files: each SOURCE is a file, or
// APP ENV SNAPSHOT_ID|latest (three arguments), which is downloaded (database only) into
// the look-inside cache the first time. Arguments left over are a usage mistake.
func (c *cli) sources(ctx context.Context, args []string, n int) ([]*backupdata.Source, error) {
	var srcs []*backupdata.Source
	for len(srcs) < n {
		if len(args) == 0 {
			return nil, usagef("missing arguments: each backup is a FILE or APP ENV SNAPSHOT_ID|latest")
		}
		path := args[0]
		var taken time.Time
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() || len(args) < 3 {
			args = args[1:]
		} else {
			var err error
			if path, taken, err = c.cached(ctx, args[0], args[1], args[2]); err != nil {
				return nil, err
			}
			args = args[3:]
		}
		src, err := backupdata.OpenSource(path)
		if err != nil {
			return nil, err
		}
		src.TakenAt = taken
		srcs = append(srcs, src)
	}
	if len(args) > 0 {
		return nil, usagef("too many arguments: %s", strings.Join(args, " "))
	}
	return srcs, nil
}

// cached returns the file of a cloud backup in the look-inside cache (RESTOREDESK_CACHE
// overrides its place), downloaded through the engine (database only) when it is not
// there yet (restore.Engine.PlanCached). The user is told where it is kept.
func (c *cli) cached(ctx context.Context, appArg, envArg, snapshot string) (string, time.Time, error) {
	root := c.getenv("RESTOREDESK_CACHE")
	if root == "" {
		var err error
		if root, err = backupdata.DefaultCacheDir(); err != nil {
			return "", time.Time{}, err
		}
	}
	s, err := c.openTarget(ctx, appArg, envArg)
	if err != nil {
		return "", time.Time{}, err
	}
	defer s.Close()
	cb, err := s.e.PlanCached(ctx, c.profile, s.target, snapshot, root)
	if err != nil {
		return "", time.Time{}, err
	}
	if cb.Download == nil {
		fmt.Fprintf(c.stderr, "Using the copy of backup %s kept in %s (delete that folder to free the space).\n", cb.SnapshotID, cb.Dir)
		return cb.Path, cb.TakenAt, nil
	}
	name := s.target.App.Name
	if name == "" {
		name = s.target.App.AppID
	}
	u := c.follow(fmt.Sprintf("Download a backup of %s / %s", name, s.target.Env.Mode), cb.Download.Steps)
	path, res, err := s.e.FetchCached(ctx, cb, restore.Follow(u))
	restore.Finish(u, res, err)
	if err != nil {
		return "", time.Time{}, err
	}
	fmt.Fprintf(c.stderr, "Backup %s is kept in %s for the next look (delete that folder to free the space).\n", cb.SnapshotID, cb.Dir)
	return path, cb.TakenAt, nil
}
