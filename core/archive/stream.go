package archive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// The file is read once, in large chunks, by a feeder goroutine that hashes each chunk
// and hands it on through a bufPipe; the consumer gives each buffer back when it has used
// it. For a gzip file a second goroutine inflates into another bufPipe (inflate.go), so
// reading, hashing, inflating and walking the content all overlap, and memory stays at a
// few buffers whatever the file size.
const (
	chunkSize  = 1 << 20
	chunkCount = 4
)

// chunkPool holds array pointers, so Get and Put do not allocate.
var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// bufPipe hands filled buffers from a producer goroutine to a consumer and takes them
// back for reuse. The producer sets err (nil at a clean end) and then closes out.
type bufPipe struct {
	out    chan []byte
	free   chan []byte
	pooled bool
	err    error
}

// newBufPipe makes a pipe with n buffers of size bytes; buffers of chunkSize come from
// chunkPool and go back there on release.
func newBufPipe(n, size int) *bufPipe {
	p := &bufPipe{out: make(chan []byte, n), free: make(chan []byte, n), pooled: size == chunkSize}
	for range n {
		if p.pooled {
			p.free <- chunkPool.Get().(*[chunkSize]byte)[:]
		} else {
			p.free <- make([]byte, size)
		}
	}
	return p
}

// release returns pooled buffers once producer and consumer are done.
func (p *bufPipe) release() {
	if !p.pooled {
		return
	}
	for {
		select {
		case b := <-p.free:
			chunkPool.Put((*[chunkSize]byte)(b[:chunkSize]))
		default:
			return
		}
	}
}

// pipeReader is the consumer's io.Reader over a bufPipe.
type pipeReader struct {
	p        *bufPipe
	wrap     func(error) error // turns the producer's error into the reader's
	cur      []byte            // unread part of the current buffer
	buf      []byte            // the current buffer, to give back
	consumed int64
}

func (r *pipeReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.buf != nil {
			r.p.free <- r.buf[:cap(r.buf)]
			r.buf = nil
		}
		b, ok := <-r.p.out
		if !ok {
			if r.p.err != nil {
				if r.wrap != nil {
					return 0, r.wrap(r.p.err)
				}
				return 0, r.p.err
			}
			return 0, io.EOF
		}
		r.buf, r.cur = b, b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.consumed += int64(n)
	return n, nil
}

// drain consumes the rest unread, so the producer can run to its end.
func (r *pipeReader) drain() {
	if r.buf != nil {
		r.p.free <- r.buf[:cap(r.buf)]
		r.buf, r.cur = nil, nil
	}
	for b := range r.p.out {
		r.p.free <- b[:cap(b)]
	}
}

// sourceError is a failure to read the file itself (as opposed to bad content); Inspect
// returns the *FileError inside.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// feeder reads the file, hashes it and reports progress.
type feeder struct {
	f        *os.File
	path     string
	size     int64
	progress Progress
	hash     hash.Hash
	pipe     *bufPipe
	done     int64
}

func newFeeder(f *os.File, path string, size int64, progress Progress) *feeder {
	fd := &feeder{f: f, path: path, size: size, progress: progress, hash: sha256.New()}
	// Small files get small buffers: the fuzzer and tests inspect thousands of them.
	// One byte more than the size lets a read notice a file that grew.
	if size+1 < chunkSize {
		fd.pipe = newBufPipe(2, int(size+1))
	} else {
		fd.pipe = newBufPipe(chunkCount, chunkSize)
	}
	return fd
}

// reader is the parser's view of the file.
func (fd *feeder) reader() *pipeReader {
	return &pipeReader{p: fd.pipe, wrap: func(err error) error { return &sourceError{err} }}
}

// run is the feeder goroutine. It stops at the end of the file, on a read error, when the
// file turns out longer than its size said, or when ctx is done.
func (fd *feeder) run(ctx context.Context) {
	p := fd.pipe
	defer close(p.out)
	if fd.progress != nil {
		fd.progress(0, fd.size)
	}
	for {
		// Checked first: a select with a free buffer and a cancelled ctx both ready picks
		// either, and could go on reading chunk after chunk.
		if err := ctx.Err(); err != nil {
			p.err = err
			return
		}
		var buf []byte
		select {
		case buf = <-p.free:
		case <-ctx.Done():
			p.err = ctx.Err()
			return
		}
		want := min(int64(len(buf)), fd.size+1-fd.done)
		n, err := io.ReadFull(fd.f, buf[:want])
		if n > 0 {
			if fd.done+int64(n) > fd.size {
				p.err = &FileError{Path: fd.path, Reason: ErrChanged, Advice: fmt.Sprintf(
					"the file grew while it was being read (it was %s when the check started), so it is probably still being downloaded or copied; wait until that has finished, then try again",
					byteCount(fd.size))}
				return
			}
			fd.hash.Write(buf[:n])
			fd.done += int64(n)
			if fd.progress != nil {
				fd.progress(fd.done, fd.size)
			}
			select {
			case p.out <- buf[:n]:
			case <-ctx.Done():
				p.err = ctx.Err()
				return
			}
		} else {
			p.free <- buf
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			if fd.done < fd.size {
				p.err = &FileError{Path: fd.path, Reason: ErrChanged, Advice: fmt.Sprintf(
					"the file got shorter while it was being read (%s expected, only %s there), so it is being changed or replaced; wait until the copy or download has finished, then try again",
					byteCount(fd.size), byteCount(fd.done))}
			}
			return
		case err != nil:
			p.err = &FileError{Path: fd.path, Reason: ErrUnreadable, Err: err, Advice: fmt.Sprintf(
				"the file could not be read after %s (%v); the disk or network drive may have a problem: copy the file to a local disk and try again",
				byteCount(fd.done), causeOf(err))}
			return
		}
	}
}

// causeOf is the innermost error, e.g. "input/output error" without the path again.
func causeOf(err error) error {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}
