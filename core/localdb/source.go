package localdb

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// layout is how a backup file holds its custom-format dump.
type layout int

const (
	rawDump  layout = iota // the file is the dump: pg_restore can seek in it (-j)
	gzipDump               // a gzip-wrapped dump
	snapshot               // a full snapshot: db/db.backup in a tar (gzip-compressed or not)
)

// dumpStream is the custom-format dump of a backup file, read as a stream: the file
// itself, the gzip-wrapped dump inflated, or db/db.backup out of a snapshot's tar.gz.
// Every byte of the file read through it is hashed (SHA-256).
type dumpStream struct {
	io.Reader
	layout layout
	// file is set for a raw dump: the file itself, at offset 0, for pg_restore to read
	// directly (then the hash is not taken here).
	file *os.File
	size int64 // the dump's size: the file's, or db/db.backup's; -1 when not known
	// fileSize is the backup file's size.
	fileSize int64
	tr       *tar.Reader
	raw      io.Reader // the file's bytes, hashed
	sum      hash.Hash
	path     string

	closers []io.Closer
}

func (s *dumpStream) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i].Close())
	}
	return errors.Join(errs...)
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

// errTwoDumps: a snapshot holds db/db.backup more than once; which one a restore would use
// is not clear, so none is used.
var errTwoDumps = errors.New("the backup holds db/db.backup 2 times")

// openDump opens the dump inside the file at path.
func openDump(path string) (*dumpStream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &dumpStream{closers: []io.Closer{f}, sum: sha256.New(), path: path, size: st.Size(), fileSize: st.Size()}
	s.raw = &hashingReader{r: f, h: s.sum}
	br := bufio.NewReaderSize(s.raw, 1<<20)
	var r io.Reader = br
	head, _ := br.Peek(512)
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		s.closers = append(s.closers, zr)
		zb := bufio.NewReaderSize(zr, 1<<20)
		r = zb
		head, _ = zb.Peek(512)
		s.layout, s.size = gzipDump, -1
	}
	s.raw = br // the rest of the file, hashed, for rest()
	if bytes.HasPrefix(head, []byte("PGDMP")) {
		s.Reader = r
		if s.layout == rawDump {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				s.Close()
				return nil, fmt.Errorf("open %s: %w", path, err)
			}
			s.file, s.Reader, s.sum = f, f, nil
		}
		return s, nil
	}
	// A snapshot: find db/db.backup (written with or without a leading "./").
	s.layout, s.tr = snapshot, tar.NewReader(r)
	for {
		hdr, err := s.nextDump()
		if err != nil {
			s.Close()
			if err == io.EOF {
				return nil, fmt.Errorf("open %s: the backup holds no db/db.backup", path)
			}
			return nil, err
		}
		if hdr != nil {
			s.Reader, s.size = s.tr, hdr.Size
			return s, nil
		}
	}
}

// openSource opens the plan's dump: the stream of a dump that arrives (MakeStreamPlan),
// which is read once, or the file.
func (p *Plan) openSource() (*dumpStream, error) {
	if p.stream == nil {
		return openDump(p.Source)
	}
	r := p.stream
	p.stream = nil // once read, a later restore reads the saved file
	// Hashed by its download, which hands the same bytes to the file.
	return &dumpStream{Reader: r, layout: rawDump, path: p.Source, size: p.Report.DumpSize, fileSize: p.Report.CompressedSize}, nil
}

// nextDump reads the next tar entry: its header when it is db/db.backup, nil otherwise.
func (s *dumpStream) nextDump() (*tar.Header, error) {
	hdr, err := s.tr.Next()
	if err == io.EOF {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: read the archive: %w", s.path, err)
	}
	name := hdr.Name
	for strings.HasPrefix(name, "./") {
		name = strings.TrimLeft(name[2:], "/")
	}
	if name == "db/db.backup" && hdr.Typeflag == tar.TypeReg {
		return hdr, nil
	}
	return nil, nil
}

// rest reads the file to its end once the dump was read: a snapshot's later entries are
// checked for a second db/db.backup, and every byte is hashed. It returns the file's
// SHA-256 (hex), "" for a raw dump read by pg_restore itself.
func (s *dumpStream) rest() (string, error) {
	if s.sum == nil {
		return "", nil
	}
	if s.tr != nil {
		for {
			hdr, err := s.nextDump()
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", err
			}
			if hdr != nil {
				return "", errTwoDumps
			}
		}
	}
	if _, err := io.Copy(io.Discard, s.raw); err != nil {
		return "", fmt.Errorf("read %s: %w", s.path, err)
	}
	return hex.EncodeToString(s.sum.Sum(nil)), nil
}

// HashFile is the SHA-256 (hex) of the file at path, read to its end.
func HashFile(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
