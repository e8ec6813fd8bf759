package backupdata

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"restoredesk/core/archive"
	"restoredesk/core/explain"
	"restoredesk/core/progress"
)

// ErrDamaged: the dump's data is not what pg_dump writes (wrapped with the details).
var ErrDamaged = errors.New("the backup's data is damaged")

// Source is a local backup file whose data is read: a custom-format dump (.backup), the
// same gzip-compressed, or a full snapshot (.tar.gz holding db/db.backup).
type Source struct {
	Path    string
	Size    int64
	ModTime time.Time
	// DumpedAt is the creation time in the dump's header (the dumping host's clock, no zone
	// recorded), zero until the dump has been opened or when the header has none.
	DumpedAt time.Time
	// TakenAt is when the backup was taken as the cloud lists it, zero for a file: the
	// cloud's time of the backup comes before the dump's own (a backup uploaded or kept
	// for a long time holds a dump made long before).
	TakenAt time.Time
}

// OpenSource checks that path is a file that can be read.
func OpenSource(path string) (*Source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("look inside %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, explain.NewMistake(fmt.Sprintf("%s is not a backup file.", path), "Choose the backup file itself (.backup or .tar.gz).", nil)
	}
	return &Source{Path: path, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// When is when the backup was made: the cloud's time of it, else the dump's own time when
// known, else the file's.
func (s *Source) When() time.Time {
	if !s.TakenAt.IsZero() {
		return s.TakenAt
	}
	if !s.DumpedAt.IsZero() {
		return s.DumpedAt
	}
	return s.ModTime
}

// Name is the file's name, for sentences.
func (s *Source) Name() string { return filepath.Base(s.Path) }

// dump opens the file and reads through its layers to the dump's table of contents.
// Reads stop with ctx's error once ctx is done; read counts the file's bytes read.
func (s *Source) dump(ctx context.Context, read *progress.Counter) (*archive.DumpData, io.Closer, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("look inside %s: %w", s.Path, err)
	}
	r, err := archive.FindDump(&fileReader{ctx: ctx, f: f, read: read})
	if err == nil {
		var dd *archive.DumpData
		if dd, err = archive.ReadDumpData(r); err == nil {
			s.DumpedAt = dd.Header().Created
			return dd, f, nil
		}
	}
	f.Close()
	return nil, nil, s.readError(ctx, err)
}

// readError turns a failure to read the backup's data into words for its owner.
func (s *Source) readError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("look inside %s: %w", s.Name(), ctx.Err())
	}
	switch {
	case errors.Is(err, archive.ErrNoDump), errors.Is(err, archive.ErrNotDump):
		return explain.NewMistake(fmt.Sprintf("%s holds no database dump to look inside.", s.Name()),
			"Choose a database backup (.backup) or a full snapshot (.tar.gz) that includes the database.", err)
	case errors.Is(err, archive.ErrDumpUnreadable), errors.Is(err, archive.ErrDumpVersion):
		return explain.NewMistake(fmt.Sprintf("The data in %s cannot be read here.", s.Name()),
			"Use a backup made by Mendix Cloud or by pg_dump in its default custom format (-Fc).", err)
	case errors.Is(err, archive.ErrDumpTruncated), errors.Is(err, archive.ErrDumpDamaged), errors.Is(err, ErrDamaged),
		brokenLayer(err):
		return explain.NewMistake(fmt.Sprintf("%s is incomplete or damaged, so its data cannot be read to the end.", s.Name()),
			"Download or copy the backup again; inspect it first to see what is wrong with it.", err)
	}
	return fmt.Errorf("look inside %s: %w", s.Name(), err)
}

// brokenLayer reports a gzip or tar layer that ends early or does not decode: the file is
// cut off or damaged (a failing disk gives an *fs.PathError instead).
func brokenLayer(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, tar.ErrHeader) || errors.As(err, &corrupt)
}

// fileReader reads the backup file, counting its bytes and stopping when ctx is done.
type fileReader struct {
	ctx  context.Context
	f    *os.File
	read *progress.Counter
}

func (r *fileReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.f.Read(p)
	if r.read != nil {
		r.read.Add(int64(n))
	}
	return n, err
}

// Ordered returns a and b as the older and the newer backup, by when each was made (see
// When; a dump's header is read for its time).
func Ordered(ctx context.Context, a, b *Source) (older, newer *Source, err error) {
	for _, s := range []*Source{a, b} {
		if s.DumpedAt.IsZero() {
			_, f, err := s.dump(ctx, nil)
			if err != nil {
				return nil, nil, err
			}
			f.Close()
		}
	}
	// A dump's header keeps whole seconds: two dumps made in one second are told apart by
	// which file was written first.
	if b.When().Before(a.When()) || (b.When().Equal(a.When()) && b.ModTime.Before(a.ModTime)) {
		return b, a, nil
	}
	return a, b, nil
}
