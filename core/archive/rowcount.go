package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"io"

	"github.com/klauspost/compress/zlib"
)

// TableRows is the number of rows one table's data holds in a dump: the COPY lines of its
// TABLE DATA entry. A restore that is complete leaves exactly this many rows behind.
type TableRows struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
}

// maxTagLen bounds the TOC tag and namespace kept per TABLE DATA entry; PostgreSQL names
// are at most 63 bytes, longer tags (of other entries) are skipped. maxStatementLen bounds
// a kept CREATE TABLE or COPY statement: 1600 columns (PostgreSQL's most) of long names fit.
const (
	maxTagLen       = 1024
	maxStatementLen = 1 << 20
)

// rowCounter counts COPY text rows fed to it in pieces of any size. In COPY text format a
// newline inside a value is written as the two characters `\n`, so every real newline ends
// a row; a line that is exactly `\.` ends the data (pg_dump writes one, followed by empty
// lines). It keeps a few bits of state, never the data.
type rowCounter struct {
	rows int64
	// lead is how much of `\.` the current line has matched from its start: 0 at the start
	// of a line, 1 after `\`, 2 after `\.`; inLine means the line is already a row's text.
	lead   int
	inLine bool
	done   bool // the end marker was seen; the rest is ignored
}

// write counts the rows completed in p.
func (c *rowCounter) write(p []byte) {
	for len(p) > 0 && !c.done {
		if !c.inLine {
			switch {
			case c.lead == 0 && p[0] == '\\', c.lead == 1 && p[0] == '.':
				c.lead++
				p = p[1:]
				continue
			case c.lead == 2 && p[0] == '\n':
				c.done = true
				return
			}
			c.inLine = true // anything else makes the line a row
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return
		}
		c.rows++
		p = p[i+1:]
		c.lead, c.inLine = 0, false
	}
}

// total is the row count at the end of the data: a last row without its newline counts,
// a lone `\.` does not.
func (c *rowCounter) total() int64 {
	if !c.done && (c.inLine || c.lead == 1) {
		return c.rows + 1
	}
	return c.rows
}

// Write counts the rows completed in p; it never fails.
func (c *rowCounter) Write(p []byte) (int, error) {
	c.write(p)
	return len(p), nil
}

// CountCopyRows counts the rows of COPY text data read from r (uncompressed), in constant
// memory. It is what the dump walk does for each table's data block. A table's data from
// DumpData.Next is written to the count (io.WriterTo), the rest read.
func CountCopyRows(r io.Reader) (int64, error) {
	var c rowCounter
	if wt, ok := r.(io.WriterTo); ok {
		_, err := wt.WriteTo(&c)
		return c.total(), err
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		c.write(buf[:n])
		if err == io.EOF {
			return c.total(), nil
		}
		if err != nil {
			return c.total(), err
		}
	}
}

// chunkReader reads the payload of one data block's length-prefixed chunks as one stream,
// ending at the zero length. Errors of the reader below are kept in err so that they pass
// through the decompressor unchanged.
type chunkReader struct {
	d    *dumpReader
	left int64 // bytes left in the current chunk
	end  bool  // the zero length was read
	err  error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.left == 0 {
		if c.end {
			return 0, io.EOF
		}
		if c.err != nil {
			return 0, c.err
		}
		n, err := c.d.readInt("data chunk length")
		switch {
		case err != nil:
			c.err = err
		case n < 0:
			c.err = c.d.damaged("negative data chunk length")
		case n == 0:
			c.end = true
		default:
			c.left = n
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.d.r.Read(p)
	c.d.off += int64(n)
	c.left -= int64(n)
	if err == io.EOF {
		if c.left > 0 {
			err = c.d.truncated("data chunk")
		} else {
			err = nil
		}
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// drain skips what is left of the block, through its zero length.
func (c *chunkReader) drain() error {
	if c.err != nil {
		return c.err
	}
	if c.left > 0 {
		if err := c.d.discard(c.left, "data chunk"); err != nil {
			return err
		}
		c.left = 0
	}
	if c.end {
		return nil
	}
	return skipChunks(c.d)
}

// rowCounting counts the rows of data blocks during a dump walk. It holds its
// decompressors, reused for every block: this package's own decoder, which the count
// uses, and klauspost/compress's zlib reader for callers that read a table's data
// (DumpData).
type rowCounting struct {
	compression string // "none" or "gzip": the others are not counted
	zr          io.ReadCloser
	// For inflateZlib: the compressed bytes' buffer and the decoder reading from it.
	zbuf *bufio.Reader
	dec  *deflateDecoder
}

// zlib's stream header (RFC 1950): deflate, a window of at most 32 KiB, no preset
// dictionary, and the two bytes a multiple of 31.
const (
	zlibDeflate = 8
	zlibDict    = 0x20
)

var (
	errZlibHeader   = errors.New("invalid zlib header")
	errZlibChecksum = errors.New("zlib checksum does not match the data")
)

// inflateZlib inflates the zlib stream read from r into w, checking its header and its
// Adler-32, as the zlib reader of klauspost/compress does. What follows the stream in r is
// left unread, up to what the decoder had buffered.
func (rc *rowCounting) inflateZlib(r io.Reader, w io.Writer) (int64, error) {
	if rc.zbuf == nil {
		rc.zbuf = bufio.NewReaderSize(r, 64<<10)
		rc.dec = newDeflateDecoder(rc.zbuf)
	} else {
		rc.zbuf.Reset(r)
		rc.dec.Reset(rc.zbuf)
	}
	var h [2]byte
	if _, err := io.ReadFull(rc.zbuf, h[:]); err != nil {
		return 0, noEOF(err)
	}
	if h[0]&0x0f != zlibDeflate || h[0]>>4 > 7 || h[1]&zlibDict != 0 || (uint(h[0])<<8|uint(h[1]))%31 != 0 {
		return 0, errZlibHeader
	}
	sum := &adlerWriter{w: w, sum: adler32.New()}
	n, err := rc.dec.WriteTo(sum)
	if err != nil {
		return n, err
	}
	var trailer [4]byte
	if _, err := io.ReadFull(rc.zbuf, trailer[:]); err != nil {
		return n, noEOF(err)
	}
	if binary.BigEndian.Uint32(trailer[:]) != sum.sum.Sum32() {
		return n, errZlibChecksum
	}
	return n, nil
}

// adlerWriter passes the inflated bytes on and keeps their Adler-32.
type adlerWriter struct {
	w   io.Writer
	sum hash.Hash32
}

func (a *adlerWriter) Write(p []byte) (int, error) {
	a.sum.Write(p)
	return a.w.Write(p)
}

// countable reports whether blocks compressed this way can be counted.
func countable(compression string) bool { return compression == "none" || compression == "gzip" }

// reader returns the inflated COPY text of the data block cr reads, for reading. The
// decompressor is reused from block to block.
func (rc *rowCounting) reader(cr *chunkReader) (io.Reader, error) {
	if rc.compression != "gzip" {
		return cr, nil
	}
	var err error
	if rc.zr == nil {
		rc.zr, err = zlib.NewReader(cr)
	} else {
		err = rc.zr.(zlib.Resetter).Reset(cr, nil)
	}
	if err != nil {
		return nil, err
	}
	return rc.zr, nil
}

// writeTo writes the inflated COPY text of the data block cr reads to w (see
// blockReader.WriteTo).
func (rc *rowCounting) writeTo(cr *chunkReader, w io.Writer) (int64, error) {
	if rc.compression != "gzip" {
		return io.Copy(w, cr)
	}
	return rc.inflateZlib(cr, w)
}

// countBlock reads one table data block, counting its rows. A block whose compressed data
// does not inflate is damage; read errors of the layers below pass through unchanged.
func (rc *rowCounting) countBlock(d *dumpReader, table string) (int64, error) {
	cr := &chunkReader{d: d}
	var c rowCounter
	if _, err := rc.writeTo(cr, &c); err != nil {
		return 0, rc.inflateError(d, cr, table, err)
	}
	// The compressed stream may end before the block does (pg_dump flushes whole chunks).
	if err := cr.drain(); err != nil {
		return 0, err
	}
	return c.total(), nil
}

// inflateError tells a failure of the bytes below (passed through) from data that does
// not inflate (damage).
func (rc *rowCounting) inflateError(d *dumpReader, cr *chunkReader, table string, err error) error {
	// Damage this package's decoder found is in bytes it had (it reads ahead, and may
	// have met a cut or a failed read further on before it found the damage).
	var corrupt *corruptError
	damage := errors.As(err, &corrupt) || errors.Is(err, errZlibHeader) || errors.Is(err, errZlibChecksum)
	if cr.err != nil && !damage {
		return cr.err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return d.damaged("the compressed data of table %s ends early", table)
	}
	return fmt.Errorf("%w: the compressed data of table %s does not inflate (%v) at byte %d", ErrDumpDamaged, table, err, d.off)
}
