package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// The benchmarks of whole commands (bench_*_test.go) time a command a user runs against
// the plain way of doing the same by hand, side by side in one run, and report
//
//   - ratio: the command's best time over the baseline's best time (lower is better),
//   - peak-MiB where memory is part of the goal,
//
// which scripts/bench.sh (make bench) holds against the goals in its table. Each side
// runs benchRounds times, alternating, and the best run of each counts: on a machine
// shared with other work, the best run is the one least disturbed.
const benchRounds = 7

// contest times ours and base benchRounds times each, alternating which goes first, and
// returns the best of each. ns/op is ours.
func contest(b *testing.B, ours, base func() error) (bestOurs, bestBase time.Duration) {
	b.Helper()
	var oursT, baseT []time.Duration
	timed := func(fn func() error, into *[]time.Duration, counted bool) {
		start := time.Now()
		if counted {
			b.StartTimer()
		}
		err := fn()
		if counted {
			b.StopTimer()
		}
		if err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(start))
	}
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		for r := range benchRounds {
			if r%2 == 1 {
				timed(base, &baseT, false)
			}
			timed(ours, &oursT, r == 0)
			if r%2 == 0 {
				timed(base, &baseT, false)
			}
		}
	}
	return slices.Min(oursT), slices.Min(baseT)
}

// bestOf is the best of benchRounds runs of fn, outside the benchmark's timer: for the
// parts of a command that a benchmark logs beside its ratio.
func bestOf(b *testing.B, fn func() error) time.Duration {
	b.Helper()
	var best time.Duration
	for range benchRounds {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	return best
}

// reportRatio reports the ratio metric and logs both times.
func reportRatio(b *testing.B, what, baseline string, ours, base time.Duration) {
	b.Helper()
	ratio := ours.Seconds() / base.Seconds()
	b.ReportMetric(ours.Seconds(), "s")
	b.ReportMetric(base.Seconds(), "baseline-s")
	b.ReportMetric(ratio, "ratio")
	b.Logf("%s %.3fs, %s %.3fs (best of %d each): ratio %.3f", what, ours.Seconds(), baseline, base.Seconds(), benchRounds, ratio)
}

// ctlBench runs one restorectl command line in-process, as main does, with env as its
// environment, and fails unless it exits with wantCode.
func ctlBench(env map[string]string, wantCode int, args ...string) error {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	if code != wantCode {
		return fmt.Errorf("restorectl %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out.Bytes(), errb.Bytes())
	}
	return nil
}

// runBaseline runs a baseline program and fails with its output.
func runBaseline(name string, args ...string) error {
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
