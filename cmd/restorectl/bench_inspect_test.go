package main

import (
	"os"
	"os/exec"
	"testing"

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
}
