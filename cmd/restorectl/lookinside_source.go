package main

import (
	"context"
	"fmt"
	"os"
	"strings"

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
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() || len(args) < 3 {
			args = args[1:]
		} else {
			var err error
			if path, err = c.cached(ctx, args[0], args[1], args[2]); err != nil {
				return nil, err
			}
			args = args[3:]
		}
		src, err := backupdata.OpenSource(path)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, src)
	}
	if len(args) > 0 {
		return nil, usagef("too many arguments: %s", strings.Join(args, " "))
	}
	return srcs, nil
}

// cached returns the file of a cloud backup in the look-inside cache (RESTOREDESK_CACHE
// overrides its place), downloading it through the engine, database only, when it is not
// there yet. The user is told where it is kept.
func (c *cli) cached(ctx context.Context, appArg, envArg, snapshot string) (string, error) {
	root := c.getenv("RESTOREDESK_CACHE")
	if root == "" {
		var err error
		if root, err = backupdata.DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	s, err := c.openTarget(ctx, appArg, envArg)
	if err != nil {
		return "", err
	}
	defer s.Close()
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	// A plan resolves "latest" to the backup's id, which names its cache folder.
	p, err := s.e.PlanDownload(ctx, restore.LocalDownload(c.profile, s.target, snapshot, root))
	if err != nil {
		return "", err
	}
	id := p.Snapshot.SnapshotID
	dir := backupdata.CacheFolder(root, s.target.Env.EnvironmentID, id)
	if path := backupdata.CachedFile(dir); path != "" {
		fmt.Fprintf(c.stderr, "Using the copy of backup %s kept in %s (delete that folder to free the space).\n", id, dir)
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path, err := c.downloadInto(ctx, s, id, dir)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(c.stderr, "Backup %s is kept in %s for the next look (delete that folder to free the space).\n", id, dir)
	return path, nil
}

// downloadInto downloads a backup's database into dir through the engine: planned, run and
// journaled like any download, followed on the terminal.
func (c *cli) downloadInto(ctx context.Context, s *session, snapshotID, dir string) (string, error) {
	p, err := s.e.PlanDownload(ctx, restore.LocalDownload(c.profile, s.target, snapshotID, dir))
	if err != nil {
		return "", err
	}
	name := s.target.App.Name
	if name == "" {
		name = s.target.App.AppID
	}
	u := c.follow(fmt.Sprintf("Download a backup of %s / %s", name, s.target.Env.Mode), p.Steps)
	res, err := s.e.DownloadBackup(ctx, p, restore.Follow(u))
	var base *restore.Result
	if res != nil {
		base = &res.Result
	}
	restore.Finish(u, base, err)
	path, _, err := restore.LocalSource(res, err)
	return path, err
}
