package archive

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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

// Inflated data travels from the inflating goroutine to the parser in the decoder's
// windows, this many of them.
const inflateBufCount = 8

// The gzip member header (RFC 1952, section 2.3).
const (
	gzipID1, gzipID2 = 0x1f, 0x8b
	gzipDeflate      = 8
	gzipHeaderLen    = 10
	gzipTrailerLen   = 8
	gzipFlagHCRC     = 1 << 1
	gzipFlagExtra    = 1 << 2
	gzipFlagName     = 1 << 3
	gzipFlagComment  = 1 << 4
	gzipFlagReserved = 0xe0
)

var (
	errGzipHeader   = errors.New("invalid gzip header")
	errGzipChecksum = errors.New("gzip checksum or size does not match the data")
	// errStopped: the parser found a defect in what was inflated so far and needs no more.
	errStopped = errors.New("inflating stopped: the data is already known to be damaged")
)

// inflater decompresses every gzip member of the file in turn (multi-member files are
// legal gzip) on its own goroutine, writing into a bufPipe. It counts what comes out,
// stops at the bomb limit, stops when ctx is done, and reports defects as *streamProblem.
//
// It reads the member headers and trailers itself and leaves the CRC-32 of the data to
// the pipe's reader (see pipeReader.Read): inflating is the slowest step of an
// inspection, so its goroutine does nothing else. The decoder inflates straight into the
// pipe's buffers (the inflater is its windowSink), so the inflated bytes are not copied
// on their way to the parser. It checks each member's size, which costs nothing, and
// hands the CRC-32 from the trailer on after the member's last buffer.
type inflater struct {
	ctx      context.Context
	src      *pipeReader   // the file
	br       *bufio.Reader // over src; the decoder reads its buffer directly
	fr       *deflateDecoder
	limit    int64
	out      int64 // bytes inflated; read by others after the pipe is closed
	trailing bool  // bytes that are not gzip after the last member
	pipe     *bufPipe
}

func newInflater(ctx context.Context, src *pipeReader, br *bufio.Reader, limit int64) *inflater {
	return &inflater{ctx: ctx, src: src, br: br, limit: limit}
}

// offset is how far into the compressed file the inflater has got.
func (z *inflater) offset() int64 { return z.src.consumed - int64(z.br.Buffered()) }

// start reads the first member's header, on the caller's goroutine.
func (z *inflater) start() error {
	if err := z.readHeader(); err != nil {
		return z.problem(err)
	}
	z.fr = newDeflateDecoder(z.br)
	return nil
}

// readHeader reads a member header up to its deflate data. The optional fields are
// skipped, not kept, so a long name or extra field costs no memory.
func (z *inflater) readHeader() error {
	var h [gzipHeaderLen]byte
	if _, err := io.ReadFull(z.br, h[:]); err != nil {
		return noEOF(err)
	}
	if h[0] != gzipID1 || h[1] != gzipID2 || h[2] != gzipDeflate || h[3]&gzipFlagReserved != 0 {
		return errGzipHeader
	}
	flags := h[3]
	hs := &headerSum{br: z.br, sum: crc32.ChecksumIEEE(h[:])}
	var field [2]byte
	if flags&gzipFlagExtra != 0 {
		if err := hs.read(field[:]); err != nil {
			return err
		}
		if err := hs.skip(int(binary.LittleEndian.Uint16(field[:]))); err != nil {
			return err
		}
	}
	for _, flag := range []byte{gzipFlagName, gzipFlagComment} {
		if flags&flag != 0 {
			if err := hs.skipString(); err != nil {
				return err
			}
		}
	}
	if flags&gzipFlagHCRC != 0 {
		want := uint16(hs.sum)
		if err := hs.read(field[:]); err != nil {
			return err
		}
		if binary.LittleEndian.Uint16(field[:]) != want {
			return errGzipHeader
		}
	}
	return nil
}

// headerSum reads the optional header fields and keeps the CRC-32 of the header so far,
// which the FHCRC field checks.
type headerSum struct {
	br  *bufio.Reader
	sum uint32
}

func (h *headerSum) read(p []byte) error {
	if _, err := io.ReadFull(h.br, p); err != nil {
		return noEOF(err)
	}
	h.sum = crc32.Update(h.sum, crc32.IEEETable, p)
	return nil
}

func (h *headerSum) skip(n int) error {
	for n > 0 {
		b, err := h.br.Peek(min(n, h.br.Size()))
		if len(b) == 0 {
			return noEOF(err)
		}
		h.sum = crc32.Update(h.sum, crc32.IEEETable, b)
		h.br.Discard(len(b))
		n -= len(b)
	}
	return nil
}

// skipString skips a zero-terminated field (file name or comment) of any length.
func (h *headerSum) skipString() error {
	for {
		b, err := h.br.ReadSlice(0)
		h.sum = crc32.Update(h.sum, crc32.IEEETable, b)
		switch {
		case err == nil:
			return nil
		case err != bufio.ErrBufferFull:
			return noEOF(err)
		}
	}
}

// noEOF: the end of the file inside a member means the file was cut short.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// run is the inflating goroutine: member after member into the pipe, then the pipe is
// closed with the reason it ended (nil at a clean end).
func (z *inflater) run(pipe *bufPipe) {
	z.pipe = pipe
	err := z.inflate() // the decoder handed on what it inflated before an error
	if err == io.EOF {
		err = nil
	}
	pipe.err = err
	close(pipe.out)
}

func (z *inflater) inflate() error {
	for {
		n, err := z.fr.inflateInto(z)
		if err != nil {
			var bomb *bombError
			if errors.As(err, &bomb) || passThrough(err) || err == errStopped {
				return err
			}
			return z.problem(err)
		}
		var trailer [gzipTrailerLen]byte
		if _, err := io.ReadFull(z.br, trailer[:]); err != nil {
			return z.problem(noEOF(err))
		}
		if binary.LittleEndian.Uint32(trailer[4:]) != uint32(n) { // ISIZE: the size mod 2^32
			return z.problem(errGzipChecksum)
		}
		if err := z.endMember(binary.LittleEndian.Uint32(trailer[:4])); err != nil {
			return err
		}
		if err := z.nextMember(); err != nil {
			return err
		}
	}
}

// hand receives a window of inflated bytes from the decoder, win[from:to], and sends it
// to the parser, who gives the window back when done with it.
func (z *inflater) hand(win []byte, from, to int) error {
	if err := z.ctx.Err(); err != nil {
		return err
	}
	z.out += int64(to - from)
	if z.out > z.limit {
		return &bombError{in: z.offset(), out: z.out}
	}
	return z.send(pipeBuf{b: win[from:to], home: win})
}

// window gives the decoder an empty window to fill.
func (z *inflater) window() ([]byte, error) {
	select {
	case b := <-z.pipe.free:
		return b, nil
	case <-z.ctx.Done():
		return nil, z.ctx.Err()
	case <-z.pipe.stop:
		return nil, errStopped
	}
}

func (z *inflater) send(b pipeBuf) error {
	select {
	case z.pipe.out <- b:
		return nil
	case <-z.ctx.Done():
		return z.ctx.Err()
	case <-z.pipe.stop:
		return errStopped
	}
}

// endMember tells the parser that the member ended, with the CRC-32 of its trailer.
func (z *inflater) endMember(sum uint32) error {
	return z.send(pipeBuf{end: true, sum: sum, off: z.offset(), out: z.out})
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
	if len(head) < 2 || head[0] != gzipID1 || head[1] != gzipID2 {
		z.trailing = true
		return io.EOF
	}
	if err := z.readHeader(); err != nil {
		return z.problem(err)
	}
	z.fr.Reset(z.br)
	return nil
}

// problem classifies an error of the gzip layer.
func (z *inflater) problem(err error) error {
	var corrupt *corruptError
	switch {
	case passThrough(err):
		return err
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return &streamProblem{code: ProblemTruncated, off: z.offset(), err: err}
	case errors.Is(err, errGzipChecksum):
		return &streamProblem{code: ProblemChecksum, off: z.offset(), err: err}
	case errors.Is(err, errGzipHeader):
		return &streamProblem{code: ProblemGzipHeader, off: z.offset(), err: err}
	case errors.As(err, &corrupt):
		return &streamProblem{code: ProblemCorrupt, off: z.offset(), err: err}
	}
	return &streamProblem{code: ProblemCorrupt, off: z.offset(), err: err}
}
