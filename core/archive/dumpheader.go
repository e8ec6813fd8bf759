package archive

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// DumpFormat is the format byte of a pg_dump archive header.
type DumpFormat int

// Formats as numbered by pg_dump (archiveFormat in pg_backup.h).
const (
	DumpFormatUnknown   DumpFormat = 0
	DumpFormatCustom    DumpFormat = 1 // pg_dump -Fc, the only one Mendix Cloud restores
	DumpFormatFiles     DumpFormat = 2 // long gone "files" format
	DumpFormatTar       DumpFormat = 3 // pg_dump -Ft (toc.dat inside the tar)
	DumpFormatPlain     DumpFormat = 4 // "null" archiver behind pg_dump -Fp
	DumpFormatDirectory DumpFormat = 5 // pg_dump -Fd; its toc.dat carries DumpFormatTar
)

func (f DumpFormat) String() string {
	switch f {
	case DumpFormatCustom:
		return "custom"
	case DumpFormatFiles:
		return "files"
	case DumpFormatTar:
		return "tar"
	case DumpFormatPlain:
		return "plain"
	case DumpFormatDirectory:
		return "directory"
	}
	return "unknown"
}

// Errors of ParseDumpHeader and of the dump walk; they come wrapped with the byte offset.
var (
	ErrNotDump       = errors.New("not a PostgreSQL dump (no PGDMP signature)")
	ErrDumpTruncated = errors.New("dump ends early")
	ErrDumpDamaged   = errors.New("dump is damaged")
	// ErrDumpVersion: an archive version whose layout is unknown (major version other
	// than 1). The header returned with it holds the version numbers.
	ErrDumpVersion = errors.New("unknown dump archive version")
)

// DumpHeader is the header of a pg_dump archive (custom format, or toc.dat of the tar and
// directory formats), as written by WriteHead in pg_backup_archiver.c.
type DumpHeader struct {
	Major, Minor, Revision int
	IntSize, OffSize       int
	Format                 DumpFormat
	// CompressionLevel is the zlib level of archive versions up to 1.14 (-1 = default).
	CompressionLevel int
	// CompressionAlgorithm is none, gzip, lz4 or zstd (1.15 and later record it; older
	// versions imply gzip when the level is not 0).
	CompressionAlgorithm string
	// Created is the creation time in the dumping host's local time, which the header does
	// not name; it is expressed in UTC without conversion. Zero when not recorded.
	Created       time.Time
	DatabaseName  string
	ServerVersion string // e.g. "15.20 (Debian 15.20-0+deb12u1)"
	PgDumpVersion string
}

// Version is the archive version as people write it, e.g. "1.14".
func (h *DumpHeader) Version() string { return fmt.Sprintf("%d.%d", h.Major, h.Minor) }

// Compression describes how the data blocks are compressed, e.g. "gzip (default level)".
func (h *DumpHeader) Compression() string {
	switch {
	case h.CompressionAlgorithm != "gzip":
		return h.CompressionAlgorithm
	case h.archVersion() >= archVersion(1, 15, 0):
		return "gzip"
	case h.CompressionLevel == -1:
		return "gzip (default level)"
	}
	return fmt.Sprintf("gzip (level %d)", h.CompressionLevel)
}

func (h *DumpHeader) archVersion() int { return archVersion(h.Major, h.Minor, h.Revision) }

// archVersion is MAKE_ARCHIVE_VERSION of pg_backup_archiver.h.
func archVersion(major, minor, rev int) int { return (major*256+minor)*256 + rev }

// Limits that keep a damaged or hostile header from costing memory: PostgreSQL names are
// at most 63 bytes and version strings well under 256.
const (
	maxHeaderString = 4096
	maxIntSize      = 32 // pg_restore's own sanity limit
)

// ParseDumpHeader reads a pg_dump archive header (archive versions 1.0 to 1.16; later
// 1.x versions are read with the 1.16 layout). It reads ahead through a buffer unless r is
// a *bufio.Reader, in which case it stops right after the header. When the version is
// known but a later field is bad, the partial header is returned with the error.
func ParseDumpHeader(r io.Reader) (*DumpHeader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 4096)
	}
	d := &dumpReader{r: br}
	return d.header()
}

// dumpReader reads pg_dump's primitives (Byte, Int, Str) and tracks the offset for
// messages. io.EOF in the middle of a structure becomes ErrDumpTruncated; other read
// errors (a damaged gzip stream, cancellation) pass through unchanged so callers can
// tell whose fault it is.
type dumpReader struct {
	r       *bufio.Reader
	off     int64
	intSize int
	offSize int
	scratch [64]byte
	// countRows asks the walk to inflate each table's data and count its rows.
	countRows bool
	// keepStatements asks the TOC walk to keep each table's CREATE TABLE and COPY
	// statements, which reading the data needs (DumpData).
	keepStatements bool
}

func (d *dumpReader) truncated(what string) error {
	return fmt.Errorf("%w: it stops inside the %s at byte %d", ErrDumpTruncated, what, d.off)
}

func (d *dumpReader) damaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", ErrDumpDamaged, fmt.Sprintf(format, args...), d.off)
}

func (d *dumpReader) readByte(what string) (byte, error) {
	b, err := d.r.ReadByte()
	if err != nil {
		if err == io.EOF {
			return 0, d.truncated(what)
		}
		return 0, err
	}
	d.off++
	return b, nil
}

// readFull fills p; a short read at the end of the stream is a truncated dump.
func (d *dumpReader) readFull(p []byte, what string) error {
	for len(p) > 0 {
		n, err := d.r.Read(p)
		d.off += int64(n)
		p = p[n:]
		if err != nil {
			if err == io.EOF {
				if len(p) == 0 {
					return nil
				}
				return d.truncated(what)
			}
			return err
		}
	}
	return nil
}

func (d *dumpReader) discard(n int64, what string) error {
	for n > 0 {
		step := int(min(n, 1<<30))
		got, err := d.r.Discard(step)
		d.off += int64(got)
		n -= int64(got)
		if err != nil {
			if err == io.EOF {
				return d.truncated(what)
			}
			return err
		}
	}
	return nil
}

// readInt reads a sign byte and intSize bytes, least significant first. Values that do
// not fit in 63 bits are damage: pg_dump writes C ints.
func (d *dumpReader) readInt(what string) (int64, error) {
	// Fast path: the whole Int is in the buffer (a dump holds one per row of data).
	if n := 1 + d.intSize; n <= 9 {
		if b, err := d.r.Peek(n); err == nil {
			var v uint64
			for i := n - 1; i >= 1; i-- {
				v = v<<8 | uint64(b[i])
			}
			if n == 9 && v >= 1<<63 {
				return 0, d.damaged("%s is out of range", what)
			}
			d.r.Discard(n)
			d.off += int64(n)
			if b[0] != 0 {
				return -int64(v), nil
			}
			return int64(v), nil
		}
	}
	sign, err := d.readByte(what)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := 0; i < d.intSize; i++ {
		b, err := d.readByte(what)
		if err != nil {
			return 0, err
		}
		if i >= 8 || (i == 7 && b >= 0x80) {
			if b != 0 {
				return 0, d.damaged("%s is out of range", what)
			}
			continue
		}
		v |= uint64(b) << (8 * i)
	}
	if sign != 0 {
		return -int64(v), nil
	}
	return int64(v), nil
}

// readStr reads a Str of at most limit bytes; null reports pg_dump's NULL (length -1).
func (d *dumpReader) readStr(what string, limit int) (s string, null bool, err error) {
	n, err := d.readInt(what)
	if err != nil {
		return "", false, err
	}
	switch {
	case n == -1:
		return "", true, nil
	case n < -1:
		return "", false, d.damaged("%s has a negative length", what)
	case n > int64(limit):
		return "", false, d.damaged("%s is %d bytes long", what, n)
	}
	var buf []byte
	if n <= int64(len(d.scratch)) {
		buf = d.scratch[:n]
	} else {
		buf = make([]byte, n)
	}
	if err := d.readFull(buf, what); err != nil {
		return "", false, err
	}
	return string(buf), false, nil
}

// skipStr skips a Str of any length without keeping it.
func (d *dumpReader) skipStr(what string) (null bool, err error) {
	n, err := d.readInt(what)
	if err != nil {
		return false, err
	}
	switch {
	case n == -1:
		return true, nil
	case n < -1:
		return false, d.damaged("%s has a negative length", what)
	}
	return false, d.discard(n, what)
}

// header implements ReadHead of pg_backup_archiver.c.
func (d *dumpReader) header() (*DumpHeader, error) {
	var magic [5]byte
	if err := d.readFull(magic[:], "signature"); err != nil {
		if errors.Is(err, ErrDumpTruncated) {
			return nil, fmt.Errorf("%w: the file is shorter than a signature", ErrNotDump)
		}
		return nil, err
	}
	if string(magic[:]) != "PGDMP" {
		return nil, ErrNotDump
	}
	h := &DumpHeader{}
	major, err := d.readByte("version")
	if err != nil {
		return nil, err
	}
	minor, err := d.readByte("version")
	if err != nil {
		return nil, err
	}
	h.Major, h.Minor = int(major), int(minor)
	if h.Major > 1 || (h.Major == 1 && h.Minor > 0) {
		rev, err := d.readByte("version")
		if err != nil {
			return h, err
		}
		h.Revision = int(rev)
	}
	if h.Major != 1 {
		return h, fmt.Errorf("%w %d.%d", ErrDumpVersion, h.Major, h.Minor)
	}
	v := h.archVersion()

	intSize, err := d.readByte("integer size")
	if err != nil {
		return h, err
	}
	if intSize == 0 || intSize > maxIntSize {
		return h, d.damaged("integer size %d", intSize)
	}
	h.IntSize = int(intSize)
	d.intSize = h.IntSize
	h.OffSize = h.IntSize
	if v >= archVersion(1, 7, 0) {
		offSize, err := d.readByte("offset size")
		if err != nil {
			return h, err
		}
		if offSize == 0 || offSize > maxIntSize {
			return h, d.damaged("offset size %d", offSize)
		}
		h.OffSize = int(offSize)
	}
	d.offSize = h.OffSize
	format, err := d.readByte("format")
	if err != nil {
		return h, err
	}
	h.Format = DumpFormat(format)

	h.CompressionAlgorithm = "none"
	switch {
	case v >= archVersion(1, 15, 0):
		alg, err := d.readByte("compression")
		if err != nil {
			return h, err
		}
		switch alg {
		case 0:
		case 1:
			h.CompressionAlgorithm = "gzip"
		case 2:
			h.CompressionAlgorithm = "lz4"
		case 3:
			h.CompressionAlgorithm = "zstd"
		default:
			h.CompressionAlgorithm = fmt.Sprintf("unknown (%d)", alg)
		}
	case v >= archVersion(1, 4, 0):
		level, err := d.readInt("compression level")
		if err != nil {
			return h, err
		}
		h.CompressionLevel = int(max(min(level, 1<<20), -1<<20))
	case v >= archVersion(1, 2, 0):
		level, err := d.readByte("compression level")
		if err != nil {
			return h, err
		}
		h.CompressionLevel = int(int8(level))
	}
	if h.CompressionLevel != 0 {
		h.CompressionAlgorithm = "gzip"
	}

	if v >= archVersion(1, 4, 0) {
		var tm [7]int64 // sec, min, hour, mday, mon, year-1900, isdst
		for i := range tm {
			if tm[i], err = d.readInt("creation time"); err != nil {
				return h, err
			}
		}
		h.Created = headerTime(tm)
		if h.DatabaseName, _, err = d.readStr("database name", maxHeaderString); err != nil {
			return h, err
		}
	}
	if v >= archVersion(1, 10, 0) {
		if h.ServerVersion, _, err = d.readStr("server version", maxHeaderString); err != nil {
			return h, err
		}
		if h.PgDumpVersion, _, err = d.readStr("pg_dump version", maxHeaderString); err != nil {
			return h, err
		}
	}
	return h, nil
}

// headerTime turns a struct tm into a time in UTC (the zone is not recorded). Values out
// of range give the zero time rather than a made-up date.
func headerTime(tm [7]int64) time.Time {
	sec, minute, hour, mday, mon, year := tm[0], tm[1], tm[2], tm[3], tm[4], tm[5]
	if sec < 0 || sec > 61 || minute < 0 || minute > 59 || hour < 0 || hour > 23 ||
		mday < 1 || mday > 31 || mon < 0 || mon > 11 || year < 70 || year > 1100 {
		return time.Time{}
	}
	return time.Date(int(year)+1900, time.Month(mon+1), int(mday), int(hour), int(minute), int(sec), 0, time.UTC)
}
