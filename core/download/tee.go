package download

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// Tee hands a download's bytes, in order and each once, to a reader (a restore's input)
// while the download saves and hashes them: the file and the reader get the same buffers.
// It hashes what it hands on, so that the caller can prove the reader got the saved file's
// bytes (SHA256 equal to the file's) whatever happened in between:
//
//   - a reconnect continues where the .part ends, which is where the reader is;
//   - a .part an earlier run left is handed on from the disk first, as it is hashed;
//   - a host that sends the object again from its start (a renewed link to a regenerated
//     archive) is skipped up to what was handed on already; if those bytes differ, the
//     hashes differ and the caller says so.
//
// Writing to the reader blocks while it is busy: the download goes at the reader's pace.
// Once the reader fails (it stopped taking bytes), the download goes on saving only.
type Tee struct {
	w     io.Writer
	sum   hash.Hash
	mu    sync.Mutex
	n     int64 // bytes handed on
	err   error
	total atomic.Int64 // the object's size, -1 until the host said it
}

// errGap: the reader would have missed bytes; it gets no more.
var errGap = errors.New("bytes would be missing from the stream")

// NewTee hands the download's bytes to w.
func NewTee(w io.Writer) *Tee {
	t := &Tee{w: w, sum: sha256.New()}
	t.total.Store(-1)
	return t
}

// write hands on what of p, the download's bytes from offset off, was not handed on yet.
func (t *Tee) write(off int64, p []byte) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	end := off + int64(len(p))
	if t.err != nil || end <= t.n {
		return
	}
	if off > t.n {
		// Bytes would be missing in between (never by construction: a continued .part is
		// handed on from the disk first). The reader must not get a stream with a hole.
		t.err = errGap
		return
	}
	p = p[t.n-off:]
	k, err := t.w.Write(p)
	t.sum.Write(p[:k])
	t.n += int64(k)
	if err == nil && k < len(p) {
		err = io.ErrShortWrite
	}
	t.err = err
}

// setTotal records the object's size once the host has said it.
func (t *Tee) setTotal(n int64) {
	if t != nil {
		t.total.Store(n)
	}
}

// Total is the object's size as the host gave it, -1 while not known.
func (t *Tee) Total() int64 { return t.total.Load() }

// Handed is how many bytes the reader got.
func (t *Tee) Handed() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// SHA256 is the hash (hex) of the bytes the reader got.
func (t *Tee) SHA256() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return hex.EncodeToString(t.sum.Sum(nil))
}

// Err is why the reader stopped getting bytes (its own error, or a hole that would have
// been in its stream); nil while it gets every byte.
func (t *Tee) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// teeFrom is the writer that hands the bytes of a .part, read from offset 0, on to t.
type teeFrom struct {
	t   *Tee
	off int64
}

func (w *teeFrom) Write(p []byte) (int, error) {
	w.t.write(w.off, p)
	w.off += int64(len(p))
	return len(p), nil
}
