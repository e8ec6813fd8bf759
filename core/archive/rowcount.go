package archive

import (
	"bytes"
	"errors"
	"fmt"
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

// CountCopyRows counts the rows of COPY text data read from r (uncompressed), in constant
// memory. It is what the dump walk does for each table's data block.
func CountCopyRows(r io.Reader) (int64, error) {
	var c rowCounter
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

// rowCounting counts the rows of data blocks during a dump walk. It holds one
// decompressor and one buffer, reused for every block.
type rowCounting struct {
	compression string // "none" or "gzip": the others are not counted
	zr          io.ReadCloser
	buf         []byte
}

// countable reports whether blocks compressed this way can be counted.
func countable(compression string) bool { return compression == "none" || compression == "gzip" }

// open returns the inflated COPY text of the data block d is at, and the chunk reader
// under it. The decompressor is reused from block to block.
func (rc *rowCounting) open(d *dumpReader, table string) (io.Reader, *chunkReader, error) {
	cr := &chunkReader{d: d}
	if rc.compression != "gzip" {
		return cr, cr, nil
	}
	var err error
	if rc.zr == nil {
		rc.zr, err = zlib.NewReader(cr)
	} else {
		err = rc.zr.(zlib.Resetter).Reset(cr, nil)
	}
	if err != nil {
		return nil, cr, rc.inflateError(d, cr, table, err)
	}
	return rc.zr, cr, nil
}

// countBlock reads one table data block, counting its rows. A block whose compressed data
// does not inflate is damage; read errors of the layers below pass through unchanged.
func (rc *rowCounting) countBlock(d *dumpReader, table string) (int64, error) {
	src, cr, err := rc.open(d, table)
	if err != nil {
		return 0, err
	}
	if rc.buf == nil {
		rc.buf = make([]byte, 64<<10)
	}
	var c rowCounter
	for {
		n, err := src.Read(rc.buf)
		c.write(rc.buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, rc.inflateError(d, cr, table, err)
		}
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
	if cr.err != nil {
		return cr.err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return d.damaged("the compressed data of table %s ends early", table)
	}
	return fmt.Errorf("%w: the compressed data of table %s does not inflate (%v) at byte %d", ErrDumpDamaged, table, err, d.off)
}
