package download

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/localfs"
)

// fetchHelperEnv selects the fetcher helper mode of the test binary: the benchmark runs the
// fetcher in a process of its own so its peak memory (Maxrss of the child) is the
// fetcher's alone, not mixed with the server's.
const fetchHelperEnv = "RESTOREDESK_DOWNLOAD_FETCH_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(fetchHelperEnv) == "1" {
		os.Exit(fetchHelper())
	}
	os.Exit(m.Run())
}

type fetchReport struct {
	Seconds float64 `json:"seconds"`
	Bytes   int64   `json:"bytes"`
	SHA256  string  `json:"sha256"`
}

// fetchHelper fetches the link in RD_LINK into RD_DIR/RD_NAME and reports how long the
// fetch took (hashing and the final sync included).
func fetchHelper() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "fetch helper:", err); return 1 }
	var f Fetcher
	start := time.Now()
	res, err := f.Fetch(context.Background(), Request{URL: os.Getenv("RD_LINK"), Dir: os.Getenv("RD_DIR"), Name: os.Getenv("RD_NAME")}, nil)
	if err != nil {
		return fail(err)
	}
	elapsed := time.Since(start)
	if err := json.NewEncoder(os.Stdout).Encode(fetchReport{Seconds: elapsed.Seconds(), Bytes: res.Size, SHA256: res.SHA256}); err != nil {
		return fail(err)
	}
	return 0
}

// BenchmarkDownload1GiB: a 1 GiB archive served by the embedded cloud on loopback, fetched
// by Fetcher (SHA-256 while writing, the file synced before its rename; in a child process
// whose peak RSS is the fetcher's memory) versus curl fetching the same link into the same
// folder. Each side runs three times in alternating order; the metrics are the best run of
// each, the log adds the medians.
func BenchmarkDownload1GiB(b *testing.B) {
	const size = 1 << 30
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl is not installed: this benchmark compares the fetcher with curl (make deps installs curl)")
	}
	s := localcloudtest.Start(b)
	c, err := cloud.New(s.URL(), cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	app, err := c.GetApp(ctx, localcloud.DemoAppCustomerPortal)
	if err != nil {
		b.Fatal(err)
	}
	env, err := c.GetEnvironment(ctx, app.AppID, "Acceptance")
	if err != nil {
		b.Fatal(err)
	}
	// The archive: a sparse 1 GiB file (made in no time), copied once into the cloud's store.
	src := filepath.Join(b.TempDir(), "big.backup")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
	snap, err := s.Cloud().AddSnapshot(env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: src, DatabaseOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	_ = os.Remove(src)
	a, err := c.CreateArchive(ctx, app.ProjectID, env.EnvironmentID, snap.SnapshotID, cloud.DataDatabaseOnly)
	if err != nil {
		b.Fatal(err)
	}
	for a.URL == "" {
		time.Sleep(20 * time.Millisecond)
		if a, err = c.GetArchive(ctx, app.ProjectID, env.EnvironmentID, snap.SnapshotID, a.ArchiveID); err != nil {
			b.Fatal(err)
		}
		if a.State == cloud.StateFailed {
			b.Fatalf("archive failed: %s", a.StatusMessage)
		}
	}
	link := a.URL
	b.Run("disk", func(b *testing.B) { compareWithCurl(b, curl, link, b.TempDir()) })
	// On tmpfs no sync waits for a disk: what is left is the network, the copy and the hash.
	const shm = "/dev/shm"
	b.Run("tmpfs", func(b *testing.B) {
		if free, err := localfs.Free(shm); err != nil || free < 3*size {
			b.Skipf("no tmpfs with 3 GiB free at %s", shm)
		}
		dir, err := os.MkdirTemp(shm, "restoredesk-bench-*")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(dir)
		compareWithCurl(b, curl, link, dir)
	})
}

// compareWithCurl downloads link (1 GiB) into dir with the fetcher and with curl, three
// times each in alternating order, and reports both.
func compareWithCurl(b *testing.B, curl, link, dir string) {
	const size = 1 << 30

	// Each run starts with the disk settled (the previous run's file written back), so no
	// run pays for the one before it.
	settle := settleDisk
	runOurs := func() (time.Duration, int64) {
		settle()
		target := filepath.Join(dir, "ours.backup")
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
		cmd.Env = append(os.Environ(), fetchHelperEnv+"=1", "RD_LINK="+link, "RD_DIR="+dir, "RD_NAME=ours.backup")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b.StartTimer()
		out, err := cmd.Output()
		b.StopTimer()
		if err != nil {
			b.Fatalf("fetcher: %v: %s", err, stderr.String())
		}
		var rep fetchReport
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if json.Unmarshal(sc.Bytes(), &rep) == nil && rep.Bytes > 0 {
				break
			}
		}
		if rep.Bytes != size {
			b.Fatalf("fetcher reported %q", out)
		}
		rss, ok := peakRSS(cmd.ProcessState)
		if !ok {
			b.Fatal("no resource usage of the fetcher process")
		}
		_ = os.Remove(target)
		return time.Duration(rep.Seconds * float64(time.Second)), rss
	}
	runCurl := func() (transfer, wall, synced time.Duration) {
		settle()
		target := filepath.Join(dir, "curl.backup")
		cmd := exec.Command(curl, "-sS", "-o", target, "-w", "%{http_code} %{time_total}", link)
		var curlErr bytes.Buffer
		cmd.Stderr = &curlErr
		b.StartTimer()
		start := time.Now()
		out, err := cmd.Output()
		wall = time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatalf("curl: %v: %s", err, curlErr.String())
		}
		var code int
		var secs float64
		if _, err := fmt.Sscanf(string(out), "%d %g", &code, &secs); err != nil || code != 200 {
			b.Fatalf("curl answered %q", out)
		}
		if fi, err := os.Stat(target); err != nil || fi.Size() != size {
			b.Fatalf("curl saved %v (%v)", fi, err)
		}
		// The fetcher syncs its file before the rename; curl does not. The same guarantee
		// for curl's file is timed apart, so both comparisons can be shown.
		b.StartTimer()
		syncStart := time.Now()
		if f, err := os.Open(target); err == nil {
			_ = f.Sync()
			_ = f.Close()
		}
		synced = wall + time.Since(syncStart)
		b.StopTimer()
		_ = os.Remove(target)
		return time.Duration(secs * float64(time.Second)), wall, synced
	}

	const rounds = 3
	var ours, curls, curlWalls, curlSynced []time.Duration
	var peakKiB int64
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		for r := range rounds {
			if r%2 == 1 {
				t, w, sy := runCurl()
				curls, curlWalls, curlSynced = append(curls, t), append(curlWalls, w), append(curlSynced, sy)
			}
			d, rss := runOurs()
			ours, peakKiB = append(ours, d), max(peakKiB, rss)
			if r%2 == 0 {
				t, w, sy := runCurl()
				curls, curlWalls, curlSynced = append(curls, t), append(curlWalls, w), append(curlSynced, sy)
			}
		}
	}
	best := func(ds []time.Duration) time.Duration { return slices.Min(ds) }
	median := func(ds []time.Duration) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)/2]
	}
	mbps := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	ratio := mbps(best(ours)) / mbps(best(curls))
	peakMiB := float64(peakKiB) / 1024
	b.ReportMetric(mbps(best(ours)), "fetcher-MB/s")
	b.ReportMetric(mbps(best(curls)), "curl-MB/s")
	b.ReportMetric(ratio, "ratio-vs-curl")
	b.ReportMetric(mbps(best(ours))/mbps(best(curlSynced)), "ratio-vs-curl+fsync")
	b.ReportMetric(peakMiB, "fetcher-peak-MiB")
	b.Logf("1 GiB over loopback, best of %d: fetcher %.0f MB/s (%v, SHA-256 and sync included), curl %.0f MB/s (transfer %v, process %v): %.2f× curl",
		len(ours), mbps(best(ours)), best(ours).Round(time.Millisecond), mbps(best(curls)),
		best(curls).Round(time.Millisecond), best(curlWalls).Round(time.Millisecond), ratio)
	b.Logf("curl followed by an fsync of its file (the fetcher's guarantee): best %.0f MB/s (%v): fetcher %.2f× that",
		mbps(best(curlSynced)), best(curlSynced).Round(time.Millisecond), mbps(best(ours))/mbps(best(curlSynced)))
	b.Logf("median: fetcher %.0f MB/s, curl %.0f MB/s: %.2f× curl; fetcher peak RSS %.1f MiB (child process Maxrss)",
		mbps(median(ours)), mbps(median(curls)), mbps(median(ours))/mbps(median(curls)), peakMiB)
	if peakMiB >= 64 {
		b.Errorf("fetcher peak RSS %.1f MiB, want < 64 MiB", peakMiB)
	}
	if ratio < 0.9 {
		b.Logf("below the goal of 0.9× curl")
	}
}
