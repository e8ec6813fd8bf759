package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"restoredesk/core/archive/benchfiles"
)

// BenchmarkInspectCommand times `restorectl inspect FILE` (in-process, the whole command:
// read, SHA-256, gzip, tar and dump walked, report printed) on the bench files (see
// core/archive/benchfiles):
//
//   - targz: the bench snapshot against `pigz -p1 -t` of the same file, the fastest way
//     to check a .tar.gz by hand on two cores (pigz -t with more threads only hands work
//     about: a gzip stream inflates on one thread);
//   - backup: the bench dump against `sha256sum`, the hash the inspection computes anyway,
//     by the tool a user would type.
//
// Beside the ratio of times on the clock (the goal), it reports cpu-ratio: the CPU time
// of the whole inspection, all its goroutines together, over the baseline's.
func BenchmarkInspectCommand(b *testing.B) {
	b.Run("targz", func(b *testing.B) {
		pigz, err := exec.LookPath("pigz")
		if err != nil {
			b.Skip("SKIPPED: pigz is not installed, so inspection cannot be compared with pigz -p1 -t (make deps installs it)")
		}
		benchInspect(b, benchfiles.Snapshot(b), pigz, "-p", "1", "-t")
	})
	b.Run("backup", func(b *testing.B) {
		sum, err := exec.LookPath("sha256sum")
		if err != nil {
			b.Skip("SKIPPED: sha256sum is not installed, so inspection cannot be compared with it")
		}
		benchInspect(b, benchfiles.Dump(b), sum)
	})
}

func benchInspect(b *testing.B, path, baseline string, args ...string) {
	if _, err := os.ReadFile(path); err != nil { // every contender reads from the page cache
		b.Fatal(err)
	}
	ours, base := contest(b,
		func() error { return ctlBench(nil, exitOK, "inspect", path) },
		func() error { return runBaseline(baseline, append(args, path)...) })
	reportRatio(b, "restorectl inspect", baseline, ours, base)
	// The CPU time each takes, which other work on a shared machine disturbs far less
	// than the time on the clock: the command's whole process against the baseline's.
	oursCPU, baseCPU := cpuOf(b, func() error { return ctlBench(nil, exitOK, "inspect", path) }, baseline, append(args, path)...)
	b.ReportMetric(oursCPU.Seconds()/baseCPU.Seconds(), "cpu-ratio")
	b.Logf("CPU time (best of %d): restorectl inspect %.3fs on all its threads, %s %.3fs", benchRounds, oursCPU.Seconds(), baseline, baseCPU.Seconds())
}

// cpuOf returns the best CPU time (user and system) of benchRounds runs of ours, in this
// process, and of the program name with args.
func cpuOf(b *testing.B, ours func() error, name string, args ...string) (bestOurs, bestBase time.Duration) {
	b.Helper()
	self := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for range benchRounds {
		start := self()
		if err := ours(); err != nil {
			b.Fatal(err)
		}
		if d := self() - start; bestOurs == 0 || d < bestOurs {
			bestOurs = d
		}
		cmd := exec.Command(name, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
		if d := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(); bestBase == 0 || d < bestBase {
			bestBase = d
		}
	}
	return bestOurs, bestBase
}
