package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// streamProblem is a defect of the gzip layer: where it is, and which problem it is.
type streamProblem struct {
	code ProblemCode
	off  int64 // compressed offset, roughly
	err  error
}

func (e *streamProblem) Error() string {
	return fmt.Sprintf("gzip: %s near byte %d: %v", e.code, e.off, e.err)
}
func (e *streamProblem) Unwrap() error { return e.err }

// bombError stops a stream that expands far beyond any real backup.
type bombError struct{ in, out int64 }

func (e *bombError) Error() string {
	return fmt.Sprintf("expanded %d bytes from %d compressed bytes", e.out, e.in)
}

// Expansion limits for the gzip bomb check: a real backup holds a dump that pg_dump has
// already compressed plus uploaded documents, so it seldom expands more than tenfold; a
// bomb expands about a thousandfold. The floor keeps small, very regular files legal.
const (
	bombRatio = 200
	bombFloor = 256 << 20
)

func bombLimit(compressed int64) int64 {
	return max(bombFloor, compressed*bombRatio)
}

// Inflated data travels in buffers of this size from the inflating goroutine to the
// parser.
const (
	inflateBufSize  = 256 << 10
	inflateBufCount = 4
)

// inflater decompresses every gzip member of the file in turn (multi-member files are
// legal gzip) on its own goroutine, writing into a bufPipe. It counts what comes out,
// stops at the bomb limit, stops when ctx is done, and reports defects as *streamProblem.
type inflater struct {
	ctx      context.Context
	src      *pipeReader   // the file
	br       *bufio.Reader // over src; *bufio.Reader takes klauspost's fast path
	zr       *gzip.Reader
	limit    int64
	out      int64 // bytes inflated; read by others after the pipe is closed
	trailing bool  // bytes that are not gzip after the last member
	pipe     *bufPipe
	cur      []byte // buffer being filled
}

func newInflater(ctx context.Context, src *pipeReader, br *bufio.Reader, limit int64) *inflater {
	return &inflater{ctx: ctx, src: src, br: br, limit: limit}
}

// offset is how far into the compressed file the inflater has got.
func (z *inflater) offset() int64 { return z.src.consumed - int64(z.br.Buffered()) }

// start reads the first member's header, on the caller's goroutine.
func (z *inflater) start() error {
	zr, err := gzip.NewReader(z.br)
	if err != nil {
		return z.problem(err)
	}
	zr.Multistream(false)
	z.zr = zr
	return nil
}

// run is the inflating goroutine: member after member into the pipe, then the pipe is
// closed with the reason it ended (nil at a clean end).
func (z *inflater) run(pipe *bufPipe) {
	z.pipe = pipe
	err := z.inflate()
	if len(z.cur) > 0 {
		// Hand on what was inflated before the error: the entries it completes count.
		select {
		case pipe.out <- z.cur:
		case <-z.ctx.Done():
		}
	}
	if err == io.EOF {
		err = nil
	}
	pipe.err = err
	close(pipe.out)
}

func (z *inflater) inflate() error {
	for {
		// WriteTo hands out slices of the decompressor's window: no copy on the way out
		// except into the pipe's buffers.
		if _, err := z.zr.WriteTo(z); err != nil {
			var bomb *bombError
			if errors.As(err, &bomb) || passThrough(err) {
				return err
			}
			return z.problem(err)
		}
		if err := z.nextMember(); err != nil {
			return err
		}
	}
}

// Write receives inflated bytes from the decompressor.
func (z *inflater) Write(p []byte) (int, error) {
	if err := z.ctx.Err(); err != nil {
		return 0, err
	}
	z.out += int64(len(p))
	if z.out > z.limit {
		return 0, &bombError{in: z.offset(), out: z.out}
	}
	n := len(p)
	for len(p) > 0 {
		if z.cur == nil {
			select {
			case b := <-z.pipe.free:
				z.cur = b[:0]
			case <-z.ctx.Done():
				return 0, z.ctx.Err()
			}
		}
		c := copy(z.cur[len(z.cur):cap(z.cur)], p)
		z.cur = z.cur[:len(z.cur)+c]
		p = p[c:]
		if len(z.cur) == cap(z.cur) {
			select {
			case z.pipe.out <- z.cur:
				z.cur = nil
			case <-z.ctx.Done():
				return 0, z.ctx.Err()
			}
		}
	}
	return n, nil
}

// nextMember starts the next gzip member, or ends the stream with io.EOF at the end of
// the file or at bytes that are not gzip (noted, not fatal: gzip itself ignores them).
func (z *inflater) nextMember() error {
	head, err := z.br.Peek(2)
	if len(head) == 0 {
		if err == io.EOF {
			return io.EOF
		}
		return err
	}
	if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
		z.trailing = true
		return io.EOF
	}
	if err := z.zr.Reset(z.br); err != nil {
		return z.problem(err)
	}
	z.zr.Multistream(false)
	return nil
}

// problem classifies an error of the gzip reader.
func (z *inflater) problem(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case passThrough(err):
		return err
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return &streamProblem{code: ProblemTruncated, off: z.offset(), err: err}
	case errors.Is(err, gzip.ErrChecksum):
		return &streamProblem{code: ProblemChecksum, off: z.offset(), err: err}
	case errors.Is(err, gzip.ErrHeader):
		return &streamProblem{code: ProblemGzipHeader, off: z.offset(), err: err}
	case errors.As(err, &corrupt):
		return &streamProblem{code: ProblemCorrupt, off: z.offset(), err: err}
	}
	return &streamProblem{code: ProblemCorrupt, off: z.offset(), err: err}
}
