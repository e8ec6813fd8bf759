package main

import (
	"context"
	"fmt"
	"os"

	"restoredesk/core/backupdata"
	"restoredesk/core/restore"
)

// sources turns the leading arguments into n backup files: each SOURCE is a file, or
// APP ENV SNAPSHOT_ID|latest (three arguments), which is downloaded (database only) into
// the look-inside cache the first time. It returns the arguments left over.
func (c *cli) sources(ctx context.Context, args []string, n int) ([]*backupdata.Source, []string, error) {
	var srcs []*backupdata.Source
	for len(srcs) < n {
		if len(args) == 0 {
			return nil, nil, usagef("missing arguments: each backup is a FILE or APP ENV SNAPSHOT_ID|latest")
		}
		path := args[0]
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() || len(args) < 3 {
			args = args[1:]
		} else {
			var err error
			if path, err = c.cached(ctx, args[0], args[1], args[2]); err != nil {
				return nil, nil, err
			}
			args = args[3:]
		}
		src, err := backupdata.OpenSource(path)
		if err != nil {
			return nil, nil, err
		}
		srcs = append(srcs, src)
	}
	return srcs, args, nil
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
	// A first plan resolves "latest" to the backup's id, which names its cache folder.
	req := restore.DownloadRequest{Profile: c.profile, Target: s.target, SnapshotID: snapshot, DBOnly: true, Output: root}
	p, err := s.e.PlanDownload(ctx, req)
	if err != nil {
		return "", err
	}
	dir := backupdata.CacheFolder(root, s.target.Env.EnvironmentID, p.Snapshot.SnapshotID)
	if path := backupdata.CachedFile(dir); path != "" {
		fmt.Fprintf(c.stderr, "Using the copy of backup %s kept in %s (delete that folder to free the space).\n", p.Snapshot.SnapshotID, dir)
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	req.Output = dir
	if p, err = s.e.PlanDownload(ctx, req); err != nil {
		return "", err
	}
	title := fmt.Sprintf("Download backup %s of %s / %s to look inside", p.Snapshot.SnapshotID, s.target.App.AppID, s.target.Env.Mode)
	u := c.follow(title, p.Steps)
	res, err := s.e.DownloadBackup(ctx, p, restore.Follow(u))
	var base *restore.Result
	if res != nil {
		base = &res.Result
	}
	restore.Finish(u, base, err)
	path, _, err := restore.LocalSource(res, err)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(c.stderr, "Backup %s is kept in %s for the next look (delete that folder to free the space).\n", p.Snapshot.SnapshotID, dir)
	return path, nil
}
