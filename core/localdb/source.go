package localdb

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// dumpStream is the custom-format dump of a backup file, read as a stream: the file
// itself, the gzip-wrapped dump inflated, or db/db.backup out of a snapshot's tar.gz.
// Nothing is written to disk on the way.
type dumpStream struct {
	io.Reader
	// file is set for a raw dump: the file itself, at offset 0, for pg_restore to read
	// directly.
	file    *os.File
	closers []io.Closer
}

func (s *dumpStream) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i].Close())
	}
	return errors.Join(errs...)
}

// openDump opens the dump inside the file at path.
func openDump(path string) (*dumpStream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &dumpStream{closers: []io.Closer{f}}
	br := bufio.NewReaderSize(f, 1<<20)
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
	}
	if bytes.HasPrefix(head, []byte("PGDMP")) {
		s.Reader = r
		if r == io.Reader(br) {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				s.Close()
				return nil, fmt.Errorf("open %s: %w", path, err)
			}
			s.file, s.Reader = f, f
		}
		return s, nil
	}
	// A snapshot: find db/db.backup (written with or without a leading "./").
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			s.Close()
			return nil, fmt.Errorf("open %s: the backup holds no db/db.backup", path)
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("open %s: read the archive: %w", path, err)
		}
		name := hdr.Name
		for strings.HasPrefix(name, "./") {
			name = strings.TrimLeft(name[2:], "/")
		}
		if name == "db/db.backup" && hdr.Typeflag == tar.TypeReg {
			s.Reader = tr
			return s, nil
		}
	}
}
