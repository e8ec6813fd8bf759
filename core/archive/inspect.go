package archive

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
)

// Buffer sizes of the parse side: the file's bytes, the decompressed stream, and one tar
// entry (the dump inside a snapshot). The entry buffer is larger than the stream's, so
// filling it reads past the stream's buffer instead of copying through it.
const (
	fileBufSize  = 256 << 10
	innerBufSize = 64 << 10
	entryBufSize = 256 << 10
)

// Inspect reads the file at path once, streaming, in constant memory, and reports what it
// holds, judged as a file to upload to Mendix Cloud (InspectWith says what else it may
// be for). It returns an error only when the file cannot be read (missing, a directory,
// unreadable, vanished, cancelled); a readable file with bad content gets a Report with
// Restorable false and its Problems. A directory that holds a directory-format dump
// (toc.dat) gets a Report too, saying how to make a custom-format dump instead.
//
// onProgress, if not nil, is called with the bytes read so far of the file size.
func Inspect(ctx context.Context, path string, onProgress Progress) (*Report, error) {
	return InspectWith(ctx, path, Options{}, onProgress)
}

// InspectRows is Inspect that also counts the rows of each table's data in the dump
// (Report.Tables), still streaming in constant memory. It inflates every table's data,
// which Inspect does not, so on a compressed dump it takes several times longer; in
// return a data block that does not inflate is found before pg_restore meets it.
func InspectRows(ctx context.Context, path string, onProgress Progress) (*Report, error) {
	return InspectWith(ctx, path, Options{CountRows: true}, onProgress)
}

// Use is what a file is inspected for. Mendix Cloud's limit on the dump's archive version
// (MaxMendixArchiveMinor) is its rule for uploads: a backup Mendix Cloud made itself, and
// a file restored into a local PostgreSQL (whose pg_restore decides what it reads), are
// never refused for their format version; they get a note instead.
type Use int

// Uses of an inspected file.
const (
	ForUpload       Use = iota // to upload to Mendix Cloud (the zero value): the limit applies
	ForDownload                // downloaded from Mendix Cloud: the limit is a note
	ForLocalRestore            // to restore into a local PostgreSQL: the limit is a note
)

// Options are how InspectWith inspects.
type Options struct {
	Use       Use
	CountRows bool // count each table's rows (see InspectRows)
}

// InspectWith is Inspect for the use and with the options in opt.
func InspectWith(ctx context.Context, path string, opt Options, onProgress Progress) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	if fi.IsDir() {
		return inspectDir(path)
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	// Stat first and open second: opening a named pipe would block until a writer came.
	f, err := os.Open(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	defer f.Close()
	ofi, err := f.Stat()
	if err != nil {
		return nil, pathError(path, err)
	}
	if !ofi.Mode().IsRegular() {
		return nil, notRegular(path, ofi.Mode())
	}

	// The goroutines stop when the inspection does, whatever way it ends.
	parent := ctx
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	in := newInspector(ctx, path, ofi.Size())
	in.countRows, in.use = opt.CountRows, opt.Use
	fd := newFeeder(f, path, in.size, onProgress)
	defer fd.pipe.release()
	var wg sync.WaitGroup
	wg.Go(func() { fd.run(ctx) })

	in.src = fd.reader()
	in.inspectContent()
	plainlyNot := in.plainlyNotBackup()
	if plainlyNot {
		// The first bytes said it all (a ZIP, a text, a picture...): reading and hashing
		// gigabytes more would only make the user wait for the same verdict.
		stop()
	} else {
		in.src.drain() // hash to the end even when the content was judged early
	}
	wg.Wait()

	if err := parent.Err(); err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	if !plainlyNot && fd.pipe.err != nil {
		return nil, fd.pipe.err
	}
	if err := checkUnchanged(path, ofi, f); err != nil {
		return nil, err
	}
	if !plainlyNot || fd.done == in.size {
		// A small file was read whole before the verdict: its hash is complete.
		in.rep.SHA256 = hex.EncodeToString(fd.hash.Sum(nil))
	}
	in.finish()
	return in.rep, nil
}

// bufSize scales a buffer to the file: small files (thousands of them in tests and
// fuzzing) get small buffers; every buffer holds at least what sniffing peeks at.
func (in *inspector) bufSize(limit int, scale int64) int {
	return int(min(int64(limit), max(sniffLen, in.size*scale)))
}

// inspector carries one inspection: the report being filled and the readers.
type inspector struct {
	ctx      context.Context
	path     string
	size     int64
	rep      *Report
	src      *pipeReader
	br       *bufio.Reader // the file's bytes
	entryBuf *bufio.Reader // reused for tar entries
	outer    content       // what the file is
	inner    content       // what the gzip stream holds, if gzip
	// innerKnown: the gzip stream could be read far enough to say what it holds.
	innerKnown bool
	countRows  bool // count each table's rows (InspectRows)
	use        Use  // what the file is for: whether Mendix Cloud's format limit applies
}

func newInspector(ctx context.Context, path string, size int64) *inspector {
	return &inspector{ctx: ctx, path: path, size: size, rep: &Report{
		Path: path, Problems: []string{}, ProblemCodes: []ProblemCode{}, CompressedSize: size,
	}}
}

// problem adds a problem once per code.
func (in *inspector) problem(code ProblemCode, text string) {
	if in.rep.Has(code) {
		return
	}
	in.rep.Problems = append(in.rep.Problems, text)
	in.rep.ProblemCodes = append(in.rep.ProblemCodes, code)
}

func (in *inspector) note(text string) {
	if !slices.Contains(in.rep.Notes, text) {
		in.rep.Notes = append(in.rep.Notes, text)
	}
}

// dropDamage removes problems that a broken gzip stream explains.
func (in *inspector) dropDamage() {
	rep := in.rep
	problems, codes := rep.Problems[:0], rep.ProblemCodes[:0]
	for i, c := range rep.ProblemCodes {
		if !damageCodes[c] {
			problems = append(problems, rep.Problems[i])
			codes = append(codes, c)
		}
	}
	rep.Problems, rep.ProblemCodes = problems, codes
}

// passThrough reports errors that end the inspection itself rather than describe the
// content: cancellation and failures to read the file.
func passThrough(err error) bool {
	var src *sourceError
	return errors.As(err, &src) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// inspectContent classifies the file from its first bytes and walks it.
func (in *inspector) inspectContent() {
	in.br = bufio.NewReaderSize(in.src, in.bufSize(fileBufSize, 1))
	if in.size == 0 {
		in.outer = contentEmpty
		in.rep.Kind = KindUnknown
		in.problem(ProblemEmpty, textEmpty())
		return
	}
	head, err := in.br.Peek(int(min(sniffLen, in.size)))
	if err != nil && passThrough(err) {
		return
	}
	c, name := sniff(head)
	in.outer = c
	in.rep.Kind = KindUnknown
	switch c {
	case contentGzip:
		in.inspectGzip()
	case contentDump:
		in.inspectRawDump()
	case contentTar:
		in.inspectRawTar()
	case contentZip:
		in.problem(ProblemZip, textZip())
	case contentOtherCompression:
		in.problem(ProblemOtherCompression, textOtherCompression(name))
	case contentText:
		in.inspectText(head, false)
	default:
		in.problem(ProblemNotBackup, textNotBackup())
	}
}

// plainlyNotBackup reports whether the first bytes already showed the file is no backup
// at all (neither gzip, nor a dump, nor tar): nothing further in it can change that.
func (in *inspector) plainlyNotBackup() bool {
	switch in.outer {
	case contentGzip, contentDump, contentTar:
		return false
	}
	return len(in.rep.Problems) > 0
}

func (in *inspector) inspectRawDump() {
	in.rep.Kind = KindDatabaseOnly
	in.rep.FileCount = 1
	in.rep.UncompressedSize = in.size
	in.rep.DumpSize = in.size
	st, err := walkDump(&dumpReader{r: in.br, countRows: in.countRows})
	// An error left over is cancellation or a failed read, which Inspect itself returns.
	_ = in.applyDump(st, err, "The database dump", true)
}

func (in *inspector) inspectRawTar() {
	in.rep.UncompressedSize = in.size
	err := in.walkTar(in.br)
	if err != nil {
		if passThrough(err) {
			return
		}
		in.tarProblem(err, in.src.consumed-int64(in.br.Buffered()))
	}
	if in.rep.Kind == KindFullSnapshot || in.rep.Kind == KindFilesOnly {
		in.problem(ProblemNotCompressed, textNotCompressed(filepath.Base(in.path)))
	}
}

// inspectGzip decompresses the whole stream: its content is walked as far as it is
// understood and the rest is inflated anyway, because only the end of each gzip member
// proves (by CRC-32) that the data is intact.
func (in *inspector) inspectGzip() {
	z := newInflater(in.ctx, in.src, in.br, bombLimit(in.size))
	if err := z.start(); err != nil {
		in.streamFailure(err, z)
		return
	}
	// A small file's windows are not pooled: two of them, the fewest that keep decoder
	// and parser both busy, are enough for it.
	count := inflateBufCount
	if z.fr.winSize != chunkSize {
		count = 2
	}
	pipe := newBufPipe(count, z.fr.winSize)
	pipe.stop = make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { z.run(pipe) })
	pr := &pipeReader{p: pipe, checkSum: true}
	defer func() {
		pr.drain() // lets the inflater finish, or notice the cancellation
		wg.Wait()
		in.rep.UncompressedSize = z.out
		if pr.err != nil { // the inflater was stopped somewhere after the damaged member
			in.rep.UncompressedSize = pr.errOut
		}
		if z.trailing {
			in.note(noteTrailingData())
		}
	}()
	dr := bufio.NewReaderSize(pr, in.bufSize(innerBufSize, 4))
	head, err := dr.Peek(sniffLen)
	if len(head) == 0 && err != nil && err != io.EOF {
		in.streamFailure(err, z)
		return
	}
	c, _ := sniff(head)
	in.inner, in.innerKnown = c, true
	var walkErr error
	switch c {
	case contentEmpty:
		in.problem(ProblemGzipContent, textGzipContent("nothing at all"))
	case contentDump:
		in.rep.Kind = KindDatabaseOnly
		in.rep.FileCount = 1
		in.note(noteGzipWrappedDump())
		st, err := walkDump(&dumpReader{r: dr, countRows: in.countRows})
		if st != nil {
			in.rep.DumpSize = st.size
		}
		walkErr = in.applyDump(st, err, "The database dump", false)
	case contentTar:
		walkErr = in.walkTar(&skipReader{br: dr, pr: pr})
	case contentText:
		in.inspectText(head, true)
	case contentGzip:
		in.problem(ProblemGzipContent, textGzipTwice())
	case contentZip:
		in.problem(ProblemGzipContent, textGzipContent("a ZIP archive"))
	default:
		in.problem(ProblemGzipContent, textGzipContent("data that Restore Desk does not recognise"))
	}
	if walkErr != nil && passThrough(walkErr) {
		return
	}
	_, drainErr := io.Copy(io.Discard, dr)
	switch {
	case isStreamFailure(walkErr):
		in.streamFailure(walkErr, z)
	case drainErr != nil:
		in.streamFailure(drainErr, z)
	case walkErr != nil:
		in.tarProblem(walkErr, z.out-int64(dr.Buffered()))
	}
}

func isStreamFailure(err error) bool {
	var sp *streamProblem
	var bomb *bombError
	return errors.As(err, &sp) || errors.As(err, &bomb)
}

// streamFailure records a defect of the gzip layer (or a bomb) as the root cause.
func (in *inspector) streamFailure(err error, z *inflater) {
	var sp *streamProblem
	var bomb *bombError
	switch {
	case passThrough(err):
		return
	case errors.As(err, &bomb):
		in.dropDamage()
		in.problem(ProblemBomb, textBomb(bomb.in, bomb.out))
	case errors.As(err, &sp):
		in.dropDamage()
		switch sp.code {
		case ProblemTruncated:
			in.problem(ProblemTruncated, textTruncated(z.out))
		case ProblemChecksum:
			in.problem(ProblemChecksum, textChecksum())
		case ProblemGzipHeader:
			in.problem(ProblemGzipHeader, textGzipHeader(sp.off))
		default:
			in.problem(ProblemCorrupt, textCorrupt(sp.off))
		}
	default:
		in.problem(ProblemCorrupt, textCorrupt(z.offset()))
	}
}

// tarProblem records a broken tar structure found at off bytes into the tar stream.
func (in *inspector) tarProblem(err error, off int64) {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		in.problem(ProblemTarTruncated, textTarTruncated())
		return
	}
	in.problem(ProblemTarDamaged, textTarDamaged(max(off, 0)))
}

// entryReader returns the shared buffered reader, reset onto one tar entry.
func (in *inspector) entryReader(r io.Reader) *bufio.Reader {
	if in.entryBuf == nil {
		in.entryBuf = bufio.NewReaderSize(r, in.bufSize(entryBufSize, 4))
	} else {
		in.entryBuf.Reset(r)
	}
	return in.entryBuf
}

// inspectDatabaseEntry checks db/db.backup inside a snapshot.
func (in *inspector) inspectDatabaseEntry(r io.Reader, size int64) error {
	er := in.entryReader(r)
	head, err := er.Peek(int(min(sniffLen, max(size, 0))))
	if err != nil && err != io.EOF {
		return err
	}
	c, name := sniff(head)
	switch c {
	case contentDump:
		st, err := walkDump(&dumpReader{r: er, countRows: in.countRows})
		return in.applyDump(st, err, "The database dump in the archive (db/db.backup)", false)
	case contentEmpty:
		in.problem(ProblemDatabaseNotDump, textDatabaseNotDump("empty"))
	case contentGzip:
		in.problem(ProblemDatabaseNotDump, textDatabaseNotDump("gzip-compressed"))
	case contentText:
		if classifyText(head) == kindSQLDump {
			in.problem(ProblemDatabaseNotDump, textDatabaseNotDump("a plain SQL dump (pg_dump -Fp)"))
		} else {
			in.problem(ProblemDatabaseNotDump, textDatabaseNotDump("a text file"))
		}
	case contentTar:
		in.problem(ProblemDatabaseNotDump, textDatabaseNotDump("a tar archive (perhaps a pg_dump -Ft dump)"))
	case contentOtherCompression:
		in.problem(ProblemDatabaseNotDump, textDatabaseNotDump(name+"-compressed"))
	default:
		in.problem(ProblemDatabaseNotDump, textDatabaseNotDump("data that Restore Desk does not recognise"))
	}
	return nil
}

// applyDump writes what a dump walk found into the report and turns its verdict into
// problems. where names the dump in sentences. raw is set when the dump is the file itself
// (then a toc.dat of another format is named as such). It returns the walk error when it
// is not about the dump (cancellation, a broken layer below) for the caller to handle.
func (in *inspector) applyDump(st *dumpStats, err error, where string, raw bool) error {
	var h *DumpHeader
	if st != nil {
		h = st.header
		in.rep.TableCount = st.tables
		if st.counted {
			in.rep.Tables, in.rep.RowsCounted = st.tableRows, true
		}
	}
	if h != nil {
		in.applyHeader(h)
	}
	knownLayout := h != nil && h.Major == 1 && h.Minor <= 16
	switch {
	case err == nil:
	case errors.Is(err, ErrDumpVersion):
	case errors.Is(err, ErrDumpTruncated):
		if knownLayout || h == nil {
			in.problem(ProblemDumpTruncated, textDumpTruncated(where, err))
		}
	case errors.Is(err, ErrDumpDamaged), errors.Is(err, ErrNotDump):
		if knownLayout || h == nil {
			in.problem(ProblemDumpDamaged, textDumpDamaged(where, err))
		}
	default:
		return err
	}
	if h == nil {
		return nil
	}
	if h.Major != 1 || h.Minor > maxMendixMinor {
		if in.use == ForUpload {
			in.problem(ProblemDumpTooNew, textDumpTooNew(h))
		} else {
			in.note(noteDumpNewerThanUploads(h))
		}
	}
	if h.Major == 1 && h.Format != DumpFormatCustom && h.IntSize != 0 {
		if raw && (h.Format == DumpFormatTar || h.Format == DumpFormatDirectory) {
			in.problem(ProblemTOCOnly, textTOCOnly(h))
		} else {
			in.problem(ProblemDumpFormat, textDumpFormat(h))
		}
	}
	return nil
}

func (in *inspector) applyHeader(h *DumpHeader) {
	rep := in.rep
	rep.ArchiveVersion = h.Version()
	rep.IntSize, rep.OffSize = h.IntSize, h.OffSize
	if h.IntSize != 0 {
		rep.Format = h.Format.String()
		rep.Compression = h.Compression()
	}
	rep.DatabaseName = h.DatabaseName
	rep.DumpedAt = h.Created
	rep.ServerVersion = h.ServerVersion
	rep.PgDumpVersion = h.PgDumpVersion
}

// Version lines pg_dump writes at the top of a plain dump.
var (
	plainServerVersion = regexp.MustCompile(`(?m)^-- Dumped from database version (.+?)\s*$`)
	plainPgDumpVersion = regexp.MustCompile(`(?m)^-- Dumped by pg_dump version (.+?)\s*$`)
)

func (in *inspector) inspectText(head []byte, gzipped bool) {
	switch classifyText(head) {
	case kindSQLDump:
		in.rep.Kind = KindDatabaseOnly
		in.rep.Format = DumpFormatPlain.String()
		if m := plainServerVersion.FindSubmatch(head); m != nil {
			in.rep.ServerVersion = string(m[1])
		}
		if m := plainPgDumpVersion.FindSubmatch(head); m != nil {
			in.rep.PgDumpVersion = string(m[1])
		}
		in.problem(ProblemPlainSQL, textPlainSQL(gzipped))
	case kindSQL:
		in.problem(ProblemPlainSQL, textSQLScript())
	case kindWebPage:
		in.problem(ProblemWebPage, textWebPage())
	default:
		in.problem(ProblemTextFile, textTextFile())
	}
}

// finish adds the notes about the name and settles the verdict.
func (in *inspector) finish() {
	rep := in.rep
	if partialDownloadName(in.path) {
		in.note(notePartialName())
	}
	if expect, ext := expectFromName(in.path); expect != expectNothing {
		broken := in.outer == contentGzip && !in.innerKnown // then the name may well be right
		if actual := in.describe(); actual != "" && !broken && !in.matches(expect) {
			in.note(noteNameMismatch(ext, actual))
		}
	}
	if rep.Kind == "" {
		rep.Kind = KindUnknown
	}
	if len(rep.Problems) == 0 && rep.Kind != KindFullSnapshot && rep.Kind != KindDatabaseOnly {
		in.problem(ProblemNotBackup, textNotBackup()) // every other kind already says why
	}
	rep.Restorable = len(rep.Problems) == 0
}

// describe says what the content is, for the name-mismatch note.
func (in *inspector) describe() string {
	switch in.outer {
	case contentGzip:
		switch in.inner {
		case contentTar:
			return "a gzip-compressed tar archive"
		case contentDump:
			return "a gzip-compressed PostgreSQL dump"
		}
		return "a gzip-compressed file"
	case contentDump:
		return "a PostgreSQL custom-format dump"
	case contentTar:
		return "an uncompressed tar archive"
	case contentZip:
		return "a ZIP archive"
	case contentText:
		return "a text file"
	case contentOtherCompression:
		return "compressed with another program than gzip"
	}
	return ""
}

func (in *inspector) matches(expect nameExpect) bool {
	switch expect {
	case expectTarGz:
		return in.outer == contentGzip && in.inner == contentTar
	case expectGzip:
		return in.outer == contentGzip
	case expectDump:
		return in.outer == contentDump
	case expectZip:
		return in.outer == contentZip
	case expectSQL:
		return in.outer == contentText
	case expectTar:
		return in.outer == contentTar
	}
	return true
}

// inspectDir handles a folder: a directory-format dump gets a report; anything else is
// the wrong choice of path.
func inspectDir(path string) (*Report, error) {
	toc := filepath.Join(path, "toc.dat")
	if st, err := os.Stat(toc); err == nil && st.Mode().IsRegular() {
		f, err := os.Open(toc)
		if err != nil {
			return nil, pathError(toc, err)
		}
		defer f.Close()
		h, _ := ParseDumpHeader(bufio.NewReaderSize(f, 4096))
		in := newInspector(context.Background(), path, 0)
		in.rep.Kind = KindDatabaseOnly
		db := ""
		if h != nil {
			in.applyHeader(h)
			db = h.DatabaseName
		}
		in.rep.Format = DumpFormatDirectory.String()
		if entries, err := os.ReadDir(path); err == nil {
			for _, e := range entries {
				if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
					in.rep.FileCount++
					in.rep.CompressedSize += info.Size()
				}
			}
		}
		in.problem(ProblemDirectoryFormatDump, textDirectoryFormatDump(db))
		in.rep.Restorable = false
		return in.rep, nil
	}
	if st, err := os.Stat(filepath.Join(path, "db", "db.backup")); err == nil && st.Mode().IsRegular() {
		return nil, &FileError{Path: path, Reason: ErrNotAFile, Advice: "this is a folder that holds an unpacked backup; choose the .tar.gz file it came from, or the db/db.backup file inside it for a database-only restore"}
	}
	return nil, &FileError{Path: path, Reason: ErrNotAFile, Advice: "this is a folder, choose the backup file inside it"}
}

func notRegular(path string, mode fs.FileMode) error {
	what := "a special file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case mode&fs.ModeSocket != 0:
		what = "a socket"
	case mode&fs.ModeDevice != 0:
		what = "a device"
	}
	return &FileError{Path: path, Reason: ErrNotAFile, Advice: "this is " + what + ", not a file; choose the backup file itself"}
}

// pathError explains why a path could not be opened.
func pathError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &FileError{Path: path, Err: err, Advice: "there is no file here; check the name, or choose the file again"}
	case errors.Is(err, fs.ErrPermission):
		return &FileError{Path: path, Reason: ErrUnreadable, Err: err, Advice: "Restore Desk is not allowed to read this file; check its permissions, or copy it to your own folder and choose the copy"}
	}
	return &FileError{Path: path, Reason: ErrUnreadable, Err: err, Advice: fmt.Sprintf("the file could not be opened (%v); if it is on a network drive or USB stick, copy it to a local disk and try again", causeOf(err))}
}

// shrankAdvice and grewAdvice say what a file changing under the reader means.
func shrankAdvice(expected, there int64) string {
	return fmt.Sprintf("the file got shorter while it was being read (%s expected, only %s there), so it is being changed or replaced; wait until the copy or download has finished, then try again",
		byteCount(expected), byteCount(there))
}

func grewAdvice(was int64) string {
	return fmt.Sprintf("the file grew while it was being read (it was %s when the check started), so it is probably still being downloaded or copied; wait until that has finished, then try again",
		byteCount(was))
}

// checkUnchanged catches a file that was deleted, replaced or rewritten in place while it
// was read; the size checks of the feeder catch files that shrank or grew.
func checkUnchanged(path string, before fs.FileInfo, f *os.File) error {
	now, err := os.Stat(path)
	if err != nil {
		return &FileError{Path: path, Reason: ErrChanged, Err: err, Advice: "the file was deleted or moved while it was being read; choose it again"}
	}
	if !os.SameFile(before, now) {
		return &FileError{Path: path, Reason: ErrChanged, Advice: "the file was replaced by another one while it was being read; wait until the copy or download has finished, then choose it again"}
	}
	open, err := f.Stat()
	switch {
	case err != nil:
	case open.Size() < before.Size():
		// Read ahead may have passed the new end before it was cut: the size tells.
		return &FileError{Path: path, Reason: ErrChanged, Advice: shrankAdvice(before.Size(), open.Size())}
	case open.Size() > before.Size():
		return &FileError{Path: path, Reason: ErrChanged, Advice: grewAdvice(before.Size())}
	case !open.ModTime().Equal(before.ModTime()):
		return &FileError{Path: path, Reason: ErrChanged, Advice: "the file was changed while it was being read; wait until the copy or download has finished, then try again"}
	}
	return nil
}
