package localcloud_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// patternReader yields n bytes of a fixed pseudo-random 1 MiB block, over and over: a big
// file without holding it anywhere.
type patternReader struct {
	block []byte
	left  int64
	pos   int
}

func newPattern(n int64) *patternReader {
	r := rand.New(rand.NewPCG(1, 2))
	block := make([]byte, 1<<20)
	for i := range block {
		block[i] = byte(r.Uint32())
	}
	return &patternReader{block: block, left: n}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := copy(b, p.block[p.pos:])
	p.pos = (p.pos + n) % len(p.block)
	p.left -= int64(n)
	return n, nil
}

// BenchmarkUploadStreams1GiB sends a 1 GiB upload through tus and reports the server's
// peak heap: the bytes must stream to disk, not pile up in memory. Set
// LOCALCLOUD_BENCH_UPLOAD_MB to change the size.
func BenchmarkUploadStreams1GiB(b *testing.B) {
	size := int64(1024) << 20
	if v, err := strconv.Atoi(os.Getenv("LOCALCLOUD_BENCH_UPLOAD_MB")); err == nil && v > 0 {
		size = int64(v) << 20
	}
	h := sha256.New()
	if _, err := io.Copy(h, newPattern(size)); err != nil {
		b.Fatal(err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	s := localcloudtest.Start(b, localcloudtest.WithJobDelay(-1))
	a := demoAPI(b, s)
	base := demoV2("customerportal", "Test")

	for i := 0; i < b.N; i++ {
		runtime.GC()
		var base0 runtime.MemStats
		runtime.ReadMemStats(&base0)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()

		url := a.createUpload(base, int(size), "big.backup", sum)
		start := time.Now()
		req, err := http.NewRequest("PATCH", url, newPattern(size))
		if err != nil {
			b.Fatal(err)
		}
		req.ContentLength = size
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", "0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Mendix-Username", localcloud.DemoUsername)
		req.Header.Set("Mendix-ApiKey", localcloud.DemoAPIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		elapsed := time.Since(start)
		if resp.StatusCode != http.StatusNoContent {
			b.Fatalf("PATCH: %d", resp.StatusCode)
		}
		// The check reads the file once more; its verdict (not a backup) is not the point.
		snap := a.waitSnapshot(base, path.Base(url))
		close(stop)
		wg.Wait()

		peakMiB := float64(peak.Load()-min(peak.Load(), base0.HeapInuse)) / (1 << 20)
		mbps := float64(size) / (1 << 20) / elapsed.Seconds()
		b.ReportMetric(peakMiB, "peak-heap-MiB")
		b.ReportMetric(mbps, "MiB/s")
		b.Logf("uploaded %d MiB in %v (%.0f MiB/s); server+client heap grew at most %.1f MiB; check: %s (%s)",
			size>>20, elapsed.Round(time.Millisecond), mbps, peakMiB, snap.State, str(snap.StatusMessage))
		if peakMiB > 64 {
			b.Fatalf("heap grew by %.0f MiB during a %d MiB upload: the upload is buffered in memory", peakMiB, size>>20)
		}
	}
}
