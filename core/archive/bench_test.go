package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// The benchmark snapshot: about 200 MB unpacked, like a small production app. The dump
// is what pg_dump -Z0 writes (one chunk per COPY row, text that gzip compresses about
// fourfold); the file documents are a mix of incompressible "photos" and text.
const (
	benchDumpBytes  = 140 << 20
	benchTreeFiles  = 800
	benchTreeBytes  = 60 << 20
	benchTables     = 12
	benchPhotoShare = 0.4
)

var benchData struct {
	once    sync.Once
	dir     string
	path    string
	tarSize int64
	err     error
}

// removeBenchData deletes the generated snapshot when the test binary ends.
func removeBenchData() {
	if benchData.dir != "" {
		os.RemoveAll(benchData.dir)
	}
}

// benchSnapshot generates the snapshot once per test binary run and returns its path.
func benchSnapshot(b *testing.B, pigz string) (path string, tarSize int64) {
	b.Helper()
	benchData.once.Do(func() {
		benchData.dir, benchData.err = os.MkdirTemp("", "restoredesk-bench-")
		if benchData.err != nil {
			return
		}
		benchData.path = filepath.Join(benchData.dir, "files_and_database-1a2b3c4d-202611250130.tar.gz")
		benchData.tarSize, benchData.err = generateSnapshot(benchData.dir, benchData.path, pigz)
	})
	if benchData.err != nil {
		b.Fatalf("generate benchmark snapshot: %v", benchData.err)
	}
	return benchData.path, benchData.tarSize
}

// generateSnapshot writes the dump to a file, then streams the tar through pigz -6.
func generateSnapshot(dir, out, pigz string) (int64, error) {
	dumpPath := filepath.Join(dir, "db.backup")
	if err := writeBenchDump(dumpPath); err != nil {
		return 0, err
	}
	dump, err := os.Open(dumpPath)
	if err != nil {
		return 0, err
	}
	defer dump.Close()
	dumpInfo, err := dump.Stat()
	if err != nil {
		return 0, err
	}

	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cmd := exec.Command(pigz, "-6", "-c")
	cmd.Stdout = f
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	counter := &countingWriter{w: stdin}
	bw := bufio.NewWriterSize(counter, 1<<20)
	tw := tar.NewWriter(bw)
	mtime := time.Date(2026, 11, 25, 1, 30, 0, 0, time.UTC)
	add := func(name string, size int64, r io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: mtime, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	meta := fmt.Sprintf(`{"duration": "41", "dumpSize": "%d", "modelVersion": "3.2.0.117", "databaseSize": "%d", "filesSize": "%d"}`,
		dumpInfo.Size(), dumpInfo.Size()*3, benchTreeBytes)
	err = add(".metadata", int64(len(meta)), strings.NewReader(meta))
	if err == nil {
		err = add("db/db.backup", dumpInfo.Size(), dump)
	}
	rng := rand.New(rand.NewPCG(42, 7))
	var doc []byte
	for i := 0; err == nil && i < benchTreeFiles; i++ {
		id := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
		size := int(rng.ExpFloat64() * benchTreeBytes / benchTreeFiles)
		size = max(200, min(size, 8<<20))
		if rng.Float64() < benchPhotoShare {
			doc = randomBytes(rng.Uint64(), size)
		} else {
			doc = appendProse(doc[:0], rng, size)
		}
		err = add("tree/"+id[0:2]+"/"+id[2:4]+"/"+id, int64(len(doc)), bytes.NewReader(doc))
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := stdin.Close(); err == nil {
		err = cerr
	}
	if werr := cmd.Wait(); err == nil {
		err = werr
	}
	os.Remove(dumpPath)
	return counter.n, err
}

// writeBenchDump writes a custom-format dump as pg_dump -Fc -Z0 does when it writes to a
// pipe: header, TOC without data offsets, then per table a data block holding one chunk
// per COPY row.
func writeBenchDump(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	spec := dumpSpec{tables: benchTables}.withDefaults()
	w.Write(spec.header())
	entries := spec.entries()
	w.Write(spec.toc(entries, nil))
	rng := rand.New(rand.NewPCG(1, 1))
	var e dumpEnc
	var row []byte
	perTable := int64(benchDumpBytes / benchTables)
	for _, te := range entries {
		if !te.hasData {
			continue
		}
		e.Reset()
		e.byte1(blkData)
		e.int(int64(te.id))
		w.Write(e.Bytes())
		for written, id := int64(0), int64(1); written < perTable; id++ {
			row = appendRow(row[:0], rng, id)
			e.Reset()
			e.int(int64(len(row)))
			w.Write(e.Bytes())
			w.Write(row)
			written += int64(len(row)) + 5
		}
		e.Reset()
		e.int(0)
		w.Write(e.Bytes())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

var benchWords = []string{
	"order", "customer", "invoice", "delivery", "Amsterdam", "Rotterdam", "pending", "shipped",
	"returned", "priority", "standard", "express", "account", "manager", "Utrecht", "product",
	"warehouse", "quantity", "discount", "payment", "received", "approved", "rejected", "review",
	"the", "and", "for", "with", "was", "not", "has", "been", "will", "from", "please", "contact",
	"support", "ticket", "escalated", "resolved", "meeting", "planned", "quarter", "budget",
}

// appendRow appends one COPY row of a typical Mendix entity table.
func appendRow(b []byte, rng *rand.Rand, id int64) []byte {
	b = strconv.AppendInt(b, 281474976710656+id, 10)
	b = append(b, '\t')
	b = time.Unix(1.7e9+rng.Int64N(1e8), 0).UTC().AppendFormat(b, "2006-01-02 15:04:05.000")
	b = append(b, '\t')
	b = append(b, benchWords[rng.IntN(len(benchWords))]...)
	b = append(b, ' ')
	b = append(b, benchWords[rng.IntN(len(benchWords))]...)
	b = append(b, '\t')
	b = append(b, "user"...)
	b = strconv.AppendInt(b, rng.Int64N(5000), 10)
	b = append(b, "@example.com\t"...)
	b = strconv.AppendFloat(b, float64(rng.Int64N(10000000))/100, 'f', 2, 64)
	b = append(b, '\t')
	n := 3 + rng.IntN(10)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, benchWords[rng.IntN(len(benchWords))]...)
	}
	return append(b, '\n')
}

// appendProse appends size bytes of text, like a document or CSV export.
func appendProse(b []byte, rng *rand.Rand, size int) []byte {
	for len(b) < size {
		b = append(b, benchWords[rng.IntN(len(benchWords))]...)
		if rng.IntN(12) == 0 {
			b = append(b, ".\n"...)
		} else {
			b = append(b, ' ')
		}
	}
	return b[:size]
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// BenchmarkInspectVsPigz inspects a generated 200 MB snapshot and, in the same run and on
// the same file, times decompression alone with klauspost/compress (the floor), gzip -t
// and pigz -t. Each is timed five times and the fastest run counts, which keeps other
// work on a shared machine out of the comparison. Peak memory is measured in a child
// process that does nothing but Inspect. ns/op is the first Inspect of each iteration.
func BenchmarkInspectVsPigz(b *testing.B) {
	pigz, err1 := exec.LookPath("pigz")
	gzipBin, err2 := exec.LookPath("gzip")
	if err1 != nil || err2 != nil {
		b.Skip("pigz and gzip are needed to compare against: run `make deps`")
	}
	path, tarSize := benchSnapshot(b, pigz)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	// Warm the page cache so every contender reads from memory.
	if err := readAll(path); err != nil {
		b.Fatal(err)
	}
	const rounds = 5
	best := func(cur, d time.Duration) time.Duration {
		if cur == 0 || d < cur {
			return d
		}
		return cur
	}
	var inspectT, floorT, gzipT, pigzT time.Duration
	var rss int64
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		for r := 0; r < rounds; r++ {
			if r == 0 {
				b.StartTimer()
			}
			start := time.Now()
			rep, err := Inspect(context.Background(), path, nil)
			d := time.Since(start)
			if r == 0 {
				b.StopTimer()
			}
			if err != nil || !rep.Restorable || rep.UncompressedSize != tarSize {
				b.Fatalf("Inspect: %v, restorable %v, problems %q, unpacked %d of %d", err, rep != nil && rep.Restorable, problemsOf(rep), sizeOf(rep), tarSize)
			}
			inspectT = best(inspectT, d)
			floorT = best(floorT, timeIt(b, func() error { return inflateOnly(path) }))
			gzipT = best(gzipT, timeIt(b, func() error { return exec.Command(gzipBin, "-t", path).Run() }))
			pigzT = best(pigzT, timeIt(b, func() error { return exec.Command(pigz, "-t", path).Run() }))
		}
		rss = childPeakMemory(b, path)
	}
	ratio := inspectT.Seconds() / pigzT.Seconds()
	b.ReportMetric(inspectT.Seconds(), "inspect_s")
	b.ReportMetric(floorT.Seconds(), "floor_s")
	b.ReportMetric(gzipT.Seconds(), "gzip_t_s")
	b.ReportMetric(pigzT.Seconds(), "pigz_t_s")
	b.ReportMetric(ratio, "ratio_vs_pigz")
	b.ReportMetric(float64(rss)/(1<<20), "peak_MiB")
	b.Logf("%s compressed, %s unpacked: inspect %.3fs, floor (klauspost inflate only) %.3fs (%.2fx pigz), gzip -t %.3fs, pigz -t %.3fs; inspect/pigz = %.2f (goal <= 0.90), peak memory %.1f MiB (goal < 64)",
		byteCount(info.Size()), byteCount(tarSize), inspectT.Seconds(), floorT.Seconds(), floorT.Seconds()/pigzT.Seconds(),
		gzipT.Seconds(), pigzT.Seconds(), ratio, float64(rss)/(1<<20))
}

func problemsOf(r *Report) []string {
	if r == nil {
		return nil
	}
	return r.Problems
}

func sizeOf(r *Report) int64 {
	if r == nil {
		return 0
	}
	return r.UncompressedSize
}

func timeIt(b *testing.B, fn func() error) time.Duration {
	b.Helper()
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func readAll(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

// inflateOnly is the floor: klauspost's gzip reader alone, writing straight to nowhere.
func inflateOnly(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, zr)
	return err
}

// childPeakMemory runs Inspect in a fresh copy of the test binary and returns its peak
// resident memory, which includes the Go runtime and the binary itself.
func childPeakMemory(b *testing.B, path string) int64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child Inspect: %v\n%s", err, out)
	}
	rss, ok := maxRSS(cmd.ProcessState)
	if !ok {
		b.Log("peak memory is not measured on this system")
	}
	return rss
}
