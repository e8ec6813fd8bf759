package backupdata

import (
	"bufio"
	"bytes"
	"hash/maphash"
	"io"
)

// maxLine bounds how much of one row is kept in memory. Longer rows (a huge text value)
// are cut there for display and search; their fingerprint still covers the whole row.
const maxLine = 16 << 20

// seed is the one hash seed of this process: fingerprints are never written anywhere that
// outlives it.
var seed = maphash.MakeSeed()

// lineReader reads the rows of one table's COPY text, ended by newlines or by a `\.`
// line. It reuses its buffers: a row is valid until the next call.
type lineReader struct {
	br   *bufio.Reader
	long []byte // a row longer than the bufio buffer is gathered here
	// longSum is the fingerprint of the last row when it was longer than maxLine.
	longSum uint64
	cut     bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next row without its newline, or io.EOF after the last.
func (lr *lineReader) next() ([]byte, error) {
	lr.cut = false
	line, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		line, err = lr.gather(line)
	}
	if err == io.EOF && len(line) == 0 {
		return nil, io.EOF
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte{'\n'})
	if len(line) == 2 && line[0] == '\\' && line[1] == '.' {
		return nil, io.EOF
	}
	return line, nil
}

// gather reads the rest of a row that did not fit the buffer, keeping up to maxLine.
func (lr *lineReader) gather(first []byte) ([]byte, error) {
	lr.long = append(lr.long[:0], first...)
	var h maphash.Hash
	h.SetSeed(seed)
	h.Write(first)
	for {
		part, err := lr.br.ReadSlice('\n')
		body := bytes.TrimSuffix(part, []byte{'\n'})
		h.Write(body)
		if room := maxLine - len(lr.long); room > 0 {
			lr.long = append(lr.long, body[:min(room, len(body))]...)
		} else {
			lr.cut = true
		}
		if err != bufio.ErrBufferFull {
			lr.longSum = h.Sum64()
			return lr.long, err
		}
	}
}

// sum is the fingerprint of the row next returned last.
func (lr *lineReader) sum(line []byte) uint64 {
	if lr.cut {
		return lr.longSum
	}
	return maphash.Bytes(seed, line)
}
