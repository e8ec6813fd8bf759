package archive

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/flate"

	"restoredesk/core/archive/benchfiles"
)

// inflated is what one decoder made of a raw deflate stream: its output, its error and
// the bytes left in the input after the stream.
type inflated struct {
	out  []byte
	err  error
	rest int64
}

// inflateBoth inflates data as one raw deflate stream with Inspect's decoder and with
// klauspost/compress/flate, each from a small bufio.Reader (so refills cross its buffer
// often).
func inflateBoth(data []byte, bufSize int) (ours, theirs inflated) {
	var o, t bytes.Buffer
	br := bufio.NewReaderSize(bytes.NewReader(data), bufSize)
	_, ours.err = newDeflateDecoder(br).WriteTo(&o)
	ours.rest, _ = io.Copy(io.Discard, br)
	br = bufio.NewReaderSize(bytes.NewReader(data), bufSize)
	_, theirs.err = flate.NewReader(br).(io.WriterTo).WriteTo(&t)
	theirs.rest, _ = io.Copy(io.Discard, br)
	ours.out, theirs.out = o.Bytes(), t.Bytes()
	return ours, theirs
}

// deflated compresses data at level with klauspost's compressor (level 0 stores,
// -2 is Huffman only: nearly all literals, as gzip codes compressed documents).
func deflated(t testing.TB, data []byte, level int) []byte {
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// inflateSamples: text, incompressible bytes, long runs (matches that overlap their
// source), and a mix larger than the decoder's window, at every kind of block.
func inflateSamples() [][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	text := benchfiles.AppendProse(nil, rng, 300<<10)
	mixed := append(append(benchfiles.RandomBytes(9, 700<<10), text...), bytes.Repeat([]byte("ab"), 600<<10)...)
	return [][]byte{nil, []byte("a"), text, benchfiles.RandomBytes(5, 100<<10), bytes.Repeat([]byte{'z'}, 70<<10), mixed}
}

// The decoder inflates what a real compressor made exactly as klauspost/compress does,
// at every level and block type, ends exactly where the stream ends (the gzip trailer
// comes next), and hands out everything when the window fills many times over.
func TestDeflateDecoderMatchesKlauspost(t *testing.T) {
	for _, sample := range inflateSamples() {
		for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
			stream := append(deflated(t, sample, level), "TRAILER!"...)
			for _, bufSize := range []int{16, 4096, fileBufSize} {
				ours, _ := inflateBoth(stream, bufSize)
				if ours.err != nil || !bytes.Equal(ours.out, sample) {
					t.Fatalf("level %d, %d bytes, buffer %d: error %v, %d bytes out, same %v", level, len(sample), bufSize, ours.err, len(ours.out), bytes.Equal(ours.out, sample))
				}
				if ours.rest != int64(len("TRAILER!")) {
					t.Fatalf("level %d, buffer %d: %d bytes left after the stream, want 8", level, bufSize, ours.rest)
				}
			}
		}
	}
}

// A stream cut anywhere is reported as cut short (or as damage, where the cut leaves a
// block that cannot be valid), never as a clean end, and what came before the cut is
// handed out.
func TestDeflateDecoderCutShort(t *testing.T) {
	sample := inflateSamples()[5]
	stream := deflated(t, sample, flate.DefaultCompression)
	for _, cut := range []int{0, 1, 5, 1000, len(stream) / 3, len(stream) - 1} {
		ours, _ := inflateBoth(stream[:cut], 4096)
		var corrupt *corruptError
		if !errors.Is(ours.err, io.ErrUnexpectedEOF) && !errors.As(ours.err, &corrupt) {
			t.Fatalf("cut at %d of %d: error %v, want cut short", cut, len(stream), ours.err)
		}
		if !bytes.HasPrefix(sample, ours.out) || (cut > len(stream)/2 && len(ours.out) < len(sample)/4) {
			t.Fatalf("cut at %d: %d bytes handed out, not the start of the data", cut, len(ours.out))
		}
	}
}

// FuzzInflate holds the decoder to klauspost/compress/flate on any input: where
// klauspost inflates a stream, the decoder gives the same bytes and stops at the same
// byte; where klauspost finds damage, so does the decoder; it never panics.
func FuzzInflate(f *testing.F) {
	for _, s := range inflateSamples()[:4] {
		for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, flate.DefaultCompression} {
			f.Add(deflated(f, s[:min(len(s), 2000)], level))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ours, theirs := inflateBoth(data, 16)
		switch {
		case theirs.err == nil && ours.err != nil:
			t.Fatalf("klauspost inflates it (%d bytes), the decoder fails: %v", len(theirs.out), ours.err)
		case theirs.err == nil && (!bytes.Equal(ours.out, theirs.out) || ours.rest != theirs.rest):
			t.Fatalf("different results: %d bytes and %d left, klauspost %d bytes and %d left", len(ours.out), ours.rest, len(theirs.out), theirs.rest)
		case theirs.err != nil && ours.err == nil:
			t.Fatalf("klauspost finds %v, the decoder inflates %d bytes without error", theirs.err, len(ours.out))
		}
	})
}
