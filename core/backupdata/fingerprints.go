package backupdata

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// fp is the fingerprint of one row: key says which row it is (its id, or for a table
// without id the row's hash), val what it holds (the row's hash; 0 without id).
type fp struct{ key, val uint64 }

const fpSize = 16 // bytes of a fingerprint, in memory and in a run file

func compareFP(a, b fp) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.val, b.val)
}

// fpSet is the fingerprints of one table of one backup: those in memory, in chunks that
// are each sorted once full, and the sorted runs already written to files.
type fpSet struct {
	chunks [][]fp
	runs   []string
	rows   int64
}

// collector holds the fingerprints of one backup's tables in a fixed number of
// fixed-size chunks. When all are taken, every set's chunks are merged into one sorted
// run file per set and go back to the free list: memory never holds more than the chunks,
// and no chunk is ever grown, copied or left to the garbage collector.
type collector struct {
	dir       string
	name      string // "older" or "newer", for file names
	chunkLen  int    // fingerprints a chunk holds
	maxChunks int
	used      int
	free      [][]fp
	sets      []*fpSet
	runs      int
}

// Chunks hold at most 256 Ki fingerprints (4 MiB), and a budget makes at least 8 of them,
// so that a join merges few in-memory chunks.
const maxChunkLen = 1 << 18

func newCollector(dir, name string, budget int64) *collector {
	limit := max(budget/fpSize, 1)
	chunkLen := min(max(limit/8, 1), maxChunkLen)
	return &collector{dir: dir, name: name, chunkLen: int(chunkLen), maxChunks: int(max(limit/chunkLen, 1))}
}

func (c *collector) newSet() *fpSet {
	s := &fpSet{}
	c.sets = append(c.sets, s)
	return s
}

func (c *collector) add(s *fpSet, f fp) error {
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1]) == c.chunkLen {
		if n > 0 {
			slices.SortFunc(s.chunks[n-1], compareFP)
		}
		if c.used == c.maxChunks {
			if err := c.spill(); err != nil {
				return err
			}
		}
		s.chunks = append(s.chunks, c.take())
		n = len(s.chunks)
	}
	s.chunks[n-1] = append(s.chunks[n-1], f)
	return nil
}

func (c *collector) take() []fp {
	c.used++
	if k := len(c.free); k > 0 {
		chunk := c.free[k-1]
		c.free = c.free[:k-1]
		return chunk
	}
	return make([]fp, 0, c.chunkLen)
}

// spill merges every set's chunks into a sorted run file and frees the chunks.
func (c *collector) spill() error {
	for _, s := range c.sets {
		if len(s.chunks) == 0 {
			continue
		}
		c.sortLast(s)
		c.runs++
		path := filepath.Join(c.dir, fmt.Sprintf("%s-%d.run", c.name, c.runs))
		if err := writeRun(path, &fpSet{chunks: s.chunks}); err != nil {
			return err
		}
		s.runs = append(s.runs, path)
		for _, chunk := range s.chunks {
			c.free = append(c.free, chunk[:0])
		}
		s.chunks = nil
	}
	c.used = 0
	return nil
}

// sortLast sorts the chunk being filled (the others were sorted when they filled up).
func (c *collector) sortLast(s *fpSet) {
	if n := len(s.chunks); n > 0 {
		slices.SortFunc(s.chunks[n-1], compareFP)
	}
}

// finish sorts what is being filled.
func (c *collector) finish() {
	for _, s := range c.sets {
		c.sortLast(s)
	}
}

// writeRun writes the in-memory chunks of s, merged, to a run file.
func writeRun(path string, s *fpSet) error {
	m, err := openSet(s)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write fingerprints: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	var b [fpSize]byte
	for ; m.has; m.advance() {
		binary.LittleEndian.PutUint64(b[:8], m.cur.key)
		binary.LittleEndian.PutUint64(b[8:], m.cur.val)
		w.Write(b[:])
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write fingerprints: %w", err)
	}
	return nil
}

// fpSource yields fingerprints in order.
type fpSource interface {
	next() (fp, bool, error)
}

type memSource struct{ fps []fp }

func (m *memSource) next() (fp, bool, error) {
	if len(m.fps) == 0 {
		return fp{}, false, nil
	}
	f := m.fps[0]
	m.fps = m.fps[1:]
	return f, true, nil
}

// runSource reads one run file through a 32 KiB buffer.
type runSource struct {
	f *os.File
	r *bufio.Reader
}

func (s *runSource) next() (fp, bool, error) {
	var b [fpSize]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		if err == io.EOF {
			return fp{}, false, nil
		}
		return fp{}, false, fmt.Errorf("read fingerprints: %w", err)
	}
	return fp{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}, true, nil
}

// merged yields the fingerprints of a set in order, merging its runs, and lets the caller
// peek at the next one.
type merged struct {
	srcs  []fpSource
	heads []fp
	ok    []bool
	files []*os.File
	cur   fp
	has   bool
	err   error
}

func openSet(s *fpSet) (*merged, error) {
	m := &merged{}
	if s != nil {
		for _, path := range s.runs {
			f, err := os.Open(path)
			if err != nil {
				m.close()
				return nil, fmt.Errorf("read fingerprints: %w", err)
			}
			m.files = append(m.files, f)
			m.srcs = append(m.srcs, &runSource{f: f, r: bufio.NewReaderSize(f, 32<<10)})
		}
		for _, chunk := range s.chunks {
			m.srcs = append(m.srcs, &memSource{fps: chunk})
		}
	}
	m.heads = make([]fp, len(m.srcs))
	m.ok = make([]bool, len(m.srcs))
	for i, src := range m.srcs {
		if m.heads[i], m.ok[i], m.err = src.next(); m.err != nil {
			m.close()
			return nil, m.err
		}
	}
	m.advance()
	return m, m.err
}

// advance moves cur to the smallest head.
func (m *merged) advance() {
	best := -1
	for i := range m.srcs {
		if m.ok[i] && (best < 0 || compareFP(m.heads[i], m.heads[best]) < 0) {
			best = i
		}
	}
	if best < 0 {
		m.has = false
		return
	}
	m.cur, m.has = m.heads[best], true
	m.heads[best], m.ok[best], m.err = m.srcs[best].next()
}

func (m *merged) close() {
	for _, f := range m.files {
		f.Close()
	}
}
