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

// fpSet is the fingerprints of one table of one backup: those still in memory and the
// sorted runs already written to files.
type fpSet struct {
	mem  []fp
	runs []string
	rows int64
}

// collector holds the fingerprints of one backup's tables within a limit. When the limit
// is reached every set in memory is sorted and written out as a run, so memory never
// holds more than limit fingerprints (plus the slack of a growing slice).
type collector struct {
	dir   string
	name  string // "older" or "newer", for file names
	limit int
	held  int
	sets  []*fpSet
	runs  int
}

func (c *collector) newSet() *fpSet {
	s := &fpSet{}
	c.sets = append(c.sets, s)
	return s
}

func (c *collector) add(s *fpSet, f fp) error {
	s.mem = append(s.mem, f)
	c.held++
	if c.held >= c.limit {
		return c.spill()
	}
	return nil
}

// spill writes every set's fingerprints in memory out as a sorted run.
func (c *collector) spill() error {
	for _, s := range c.sets {
		if len(s.mem) == 0 {
			continue
		}
		slices.SortFunc(s.mem, compareFP)
		c.runs++
		path := filepath.Join(c.dir, fmt.Sprintf("%s-%d.run", c.name, c.runs))
		if err := writeRun(path, s.mem); err != nil {
			return err
		}
		s.runs = append(s.runs, path)
		s.mem = nil
	}
	c.held = 0
	return nil
}

// finish sorts what stays in memory.
func (c *collector) finish() {
	for _, s := range c.sets {
		slices.SortFunc(s.mem, compareFP)
	}
}

func writeRun(path string, fps []fp) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write fingerprints: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	var b [fpSize]byte
	for _, x := range fps {
		binary.LittleEndian.PutUint64(b[:8], x.key)
		binary.LittleEndian.PutUint64(b[8:], x.val)
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
		if len(s.mem) > 0 {
			m.srcs = append(m.srcs, &memSource{fps: s.mem})
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
