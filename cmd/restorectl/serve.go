package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/dustin/go-humanize"

	"restoredesk/core/localcloud"
)

func init() {
	register(&command{
		name:    "serve",
		args:    "[--addr HOST:PORT] [--data DIR] [--demo] [--reset] [--like-mendix] [--max-upload BYTES] [--latency DURATION] [--job-delay DURATION]",
		summary: "run the embedded cloud (the same API as Mendix Cloud) for demos, training and tests",
		run:     runServe,
	})
}

func runServe(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (loopback unless you mean otherwise)")
	data := fs.String("data", "", "data folder (default: restoredesk/localcloud in the user's data folder); a restart keeps everything")
	demo := fs.Bool("demo", false, "fill a new data folder with the demo account")
	reset := fs.Bool("reset", false, "delete the data folder's cloud first and start afresh (with --demo: a new demo)")
	latency := fs.Duration("latency", 0, "delay added to every request, to feel like a real network")
	jobDelay := fs.Duration("job-delay", 0, "base duration of backup, restore and start jobs (0: the default)")
	likeMendix := fs.Bool("like-mendix", false, "behave like the real Mendix Cloud: refuse Free App environment reads, stops, starts and restores; no upload route")
	maxUpload := fs.String("max-upload", "", "largest upload accepted, e.g. 2GiB or 500MB (default 20GiB; 0 for no limit)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	limit, err := uploadLimit(*maxUpload)
	if err != nil {
		return err
	}
	if *data == "" {
		dir, err := localcloud.ServeDir()
		if err != nil {
			return fmt.Errorf("choose a data folder with --data: %w", err)
		}
		*data = dir
	}
	if *reset {
		if err := localcloud.ResetDir(*data); err != nil {
			return fmt.Errorf("reset the embedded cloud: %w", err)
		}
	}
	release, err := localcloud.LockDir(*data)
	if err != nil {
		return fmt.Errorf("start the embedded cloud in %s: %w", *data, err)
	}
	defer release()
	srv, err := localcloud.Start(localcloud.Config{
		DataDir:  *data,
		Demo:     *demo,
		Latency:  *latency,
		JobDelay: *jobDelay,
		Logger:   c.logger,

		LikeMendix:    *likeMendix,
		MaxUploadSize: limit,
	}, *addr)
	if err != nil {
		return fmt.Errorf("start the embedded cloud: %w", err)
	}
	fmt.Fprintf(c.stdout, "Embedded cloud listening on %s (data in %s)\n", srv.URL(), *data)
	if *likeMendix {
		fmt.Fprintln(c.stdout, "Behaving like Mendix Cloud: Free Apps can only be listed, and there is no upload route.")
	}
	if *demo {
		fmt.Fprintf(c.stdout, "Demo account: MENDIX_USERNAME=%s MENDIX_API_KEY=%s\n", localcloud.DemoUsername, localcloud.DemoAPIKey)
		fmt.Fprintf(c.stdout, "Try: restorectl apps --api-url %s\n", srv.URL())
	}
	fmt.Fprintln(c.stdout, "Press Ctrl+C to stop.")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		return err
	case <-shutdown.Done():
		return fmt.Errorf("the embedded cloud did not stop within 5 s")
	}
}

// uploadLimit reads --max-upload: "" is the cloud's default, 0 no limit.
func uploadLimit(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(s)
	if err != nil || n > math.MaxInt64 {
		return 0, usagef("--max-upload %q is not a size like 2GiB or 500MB", s)
	}
	if n == 0 {
		return -1, nil
	}
	return int64(n), nil
}
