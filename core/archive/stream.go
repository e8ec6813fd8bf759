package archive

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"sync"
)

// The file is read once, in large chunks, by a reading goroutine; a feeder goroutine
// hashes each chunk and hands it on through a bufPipe; the consumer gives each buffer
// back when it has used it. For a gzip file another goroutine inflates into another
// bufPipe (inflate.go), and the parser checks the CRC-32 of what it takes from there, so
// reading, hashing, inflating and walking the content all overlap, and memory stays at a
// few buffers whatever the file size. The chunks are as large as the decoder's windows
// (which are the inflated pipe's buffers), so that one pool serves both pipes.
const (
	chunkSize  = windowSize
	chunkCount = 8
)

// chunkPool holds array pointers, so Get and Put do not allocate.
var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// bufPipe hands filled buffers from a producer goroutine to a consumer and takes them
// back for reuse. The producer sets err (nil at a clean end) and then closes out.
type bufPipe struct {
	out    chan pipeBuf
	free   chan []byte
	pooled bool
	err    error
	// stop, if not nil, is closed by the consumer when it wants no more; the producer
	// then ends with errStopped.
	stop chan struct{}
}

// pipeBuf is one filled buffer: b is what it holds, home (when b is a part of it) the
// whole buffer to give back. In a pipe of inflated data, end marks the end of a gzip
// member (b is empty): sum is the CRC-32 from the member's trailer, off the trailer's
// offset in the file and out the bytes inflated up to there.
type pipeBuf struct {
	b    []byte
	home []byte
	end  bool
	sum  uint32
	off  int64
	out  int64
}

// back is the buffer to give back to the pipe's free list, nil if none.
func (b pipeBuf) back() []byte {
	if b.home != nil {
		return b.home
	}
	return b.b[:cap(b.b)]
}

// newBufPipe makes a pipe with n buffers of size bytes; buffers of chunkSize come from
// chunkPool and go back there on release.
func newBufPipe(n, size int) *bufPipe {
	p := &bufPipe{out: make(chan pipeBuf, n), free: make(chan []byte, n), pooled: size == chunkSize}
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
	buf      []byte            // the current buffer, to give back (nil if none)
	consumed int64

	// checkSum: the pipe carries inflated gzip members, whose CRC-32 this reader computes
	// as it takes each buffer (off the inflating goroutine, and over large buffers).
	checkSum bool
	sum      uint32 // of the current member so far
	// err is a member whose CRC-32 did not match, returned once its bytes are read;
	// errOut is how many bytes were inflated up to the end of that member.
	err    error
	errOut int64
}

func (r *pipeReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.consumed += int64(n)
	return n, nil
}

// skip drops the next n bytes as Read would read them (checked alike), without copying
// them anywhere, and returns how many it dropped.
func (r *pipeReader) skip(n int64) (int64, error) {
	var done int64
	for done < n {
		if len(r.cur) == 0 {
			if err := r.next(); err != nil {
				return done, err
			}
			continue
		}
		k := int(min(int64(len(r.cur)), n-done))
		r.cur = r.cur[k:]
		r.consumed += int64(k)
		done += int64(k)
	}
	return done, nil
}

// next gives the current buffer back and takes the next one, or returns why there is
// none: the producer's error, a damaged member's, or io.EOF.
func (r *pipeReader) next() error {
	if r.err != nil {
		return r.err
	}
	if r.buf != nil {
		r.p.free <- r.buf
		r.buf = nil
	}
	b, ok := <-r.p.out
	if !ok {
		if r.p.err != nil {
			if r.wrap != nil {
				return r.wrap(r.p.err)
			}
			return r.p.err
		}
		return io.EOF
	}
	r.buf, r.cur = b.back(), b.b
	if r.checkSum {
		r.verify(b)
	}
	return nil
}

// skipReader is what the tar walk reads an inflated stream through: br, over the pipe
// pr. tar.Reader skips the files it does not read by seeking (forward from where it is,
// the only seek skipReader knows), which drops their bytes in the pipe's buffers instead
// of copying them out through br.
type skipReader struct {
	br  *bufio.Reader
	pr  *pipeReader
	pos int64 // bytes read or skipped
}

func (s *skipReader) Read(p []byte) (int, error) {
	n, err := s.br.Read(p)
	s.pos += int64(n)
	return n, err
}

var errSeek = errors.New("seek: only forward from the current position")

func (s *skipReader) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekCurrent || offset < 0 {
		return s.pos, errSeek
	}
	n, _ := s.br.Discard(int(min(offset, int64(s.br.Buffered()))))
	s.pos += int64(n)
	if left := offset - int64(n); left > 0 {
		k, err := s.pr.skip(left)
		s.pos += k
		if err != nil {
			return s.pos, noEOF(err) // the stream ends inside the file skipped
		}
	}
	return s.pos, nil
}

// verify adds a buffer to the member's CRC-32 and checks it at the member's end. At a
// mismatch the producer is stopped: nothing after a damaged member is needed.
func (r *pipeReader) verify(b pipeBuf) {
	r.sum = crc32.Update(r.sum, crc32.IEEETable, b.b)
	if !b.end {
		return
	}
	if r.sum != b.sum {
		r.err = &streamProblem{code: ProblemChecksum, off: b.off, err: errGzipChecksum}
		r.errOut = b.out
		if r.p.stop != nil {
			close(r.p.stop)
		}
	}
	r.sum = 0
}

// drain consumes the rest unread, so the producer can run to its end.
func (r *pipeReader) drain() {
	if r.buf != nil {
		r.p.free <- r.buf
		r.buf, r.cur = nil, nil
	}
	for b := range r.p.out {
		if buf := b.back(); buf != nil {
			r.p.free <- buf
		}
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

// run is the feeder goroutine: it hashes what a second goroutine reads and hands it on.
// Hashing the whole file is the largest piece of work after inflating (more than
// inflating when the content was compressed before it was gzipped), so it gets a
// goroutine of its own, and reading the next chunk overlaps with it. It stops at the end
// of the file, on a read error, when the file turns out longer than its size said, or
// when ctx is done.
func (fd *feeder) run(ctx context.Context) {
	p := fd.pipe
	defer close(p.out)
	// Room for every buffer, so the reader never waits on the hasher to send.
	read := make(chan []byte, cap(p.free))
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() { readErr = fd.read(ctx, read) })
	defer wg.Wait() // Inspect closes the file once run has returned
	if fd.progress != nil {
		fd.progress(0, fd.size)
	}
	for buf := range read {
		// Checked first, as in read: the send below may find room and ctx done at once.
		if err := ctx.Err(); err != nil {
			p.err = err
			return
		}
		fd.hash.Write(buf)
		fd.done += int64(len(buf))
		if fd.progress != nil {
			fd.progress(fd.done, fd.size)
		}
		select {
		case p.out <- pipeBuf{b: buf}:
		case <-ctx.Done():
			p.err = ctx.Err()
			return // the reader stops on ctx too
		}
	}
	wg.Wait()
	p.err = readErr
}

// read is the reading goroutine; it closes read when it stops, and returns why.
func (fd *feeder) read(ctx context.Context, read chan<- []byte) error {
	defer close(read)
	p := fd.pipe
	var done int64
	for {
		// Checked first: a select with a free buffer and a cancelled ctx both ready picks
		// either, and could go on reading chunk after chunk.
		if err := ctx.Err(); err != nil {
			return err
		}
		var buf []byte
		select {
		case buf = <-p.free:
		case <-ctx.Done():
			return ctx.Err()
		}
		want := min(int64(len(buf)), fd.size+1-done)
		n, err := io.ReadFull(fd.f, buf[:want])
		if n > 0 {
			if done+int64(n) > fd.size {
				return &FileError{Path: fd.path, Reason: ErrChanged, Advice: grewAdvice(fd.size)}
			}
			done += int64(n)
			read <- buf[:n]
		} else {
			p.free <- buf
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			if done < fd.size {
				return &FileError{Path: fd.path, Reason: ErrChanged, Advice: shrankAdvice(fd.size, done)}
			}
			return nil
		case err != nil:
			return &FileError{Path: fd.path, Reason: ErrUnreadable, Err: err, Advice: fmt.Sprintf(
				"the file could not be read after %s (%v); the disk or network drive may have a problem: copy the file to a local disk and try again",
				byteCount(done), causeOf(err))}
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
