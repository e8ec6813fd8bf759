package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// snapshotWalk walks a tar archive once and records the full-snapshot layout
// (cloud-api.md §6.1): .metadata, db/db.backup and tree/, nested or flat. It also
// recognises a tar-format dump (toc.dat + NNNN.dat) and entries that are unsafe to unpack.
type snapshotWalk struct {
	in *inspector

	files        int
	metadataSeen bool
	metadata     *Metadata
	dbCount      int
	dbSize       int64
	prefixedDB   string
	tocSeen      bool
	tocHeader    *DumpHeader
	dumpFiles    int
	firstName    string

	treeFiles, treeNested, treeFlat, treeOther int
	treeOtherExample                           string

	others       int
	otherExample string

	unsafe                        int
	unsafeExample                 string
	symlinks                      int
	symlinkExample, symlinkTarget string
	hardLinks                     int
	hardExample, hardTarget       string
	specials                      int
	specialExample, specialWhat   string
}

// dumpDataFile matches the other files of a tar- or directory-format dump.
var dumpDataFile = regexp.MustCompile(`^(\d+\.dat(\.gz|\.lz4|\.zst)?|restore\.sql|blobs(_\d+)?\.toc|blob_\d+\.dat(\.gz|\.lz4|\.zst)?)$`)

// walkTar reads the tar stream r to its end-of-archive marker. Errors are either from
// the layers below (passed through) or tar-level (a broken or cut-off tar structure);
// the caller tells them apart. What was seen is recorded in the report either way.
func (in *inspector) walkTar(r io.Reader) error {
	s := &snapshotWalk{in: in}
	err := s.walk(tar.NewReader(r))
	s.finish(err != nil)
	return err
}

func (s *snapshotWalk) walk(tr *tar.Reader) error {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && hdr != nil) {
			return err
		}
		if err := s.entry(tr, hdr); err != nil {
			return err
		}
	}
}

func (s *snapshotWalk) entry(tr *tar.Reader, hdr *tar.Header) error {
	name := hdr.Name
	if s.firstName == "" {
		s.firstName = name
	}
	if unsafePath(name) {
		s.unsafe++
		if s.unsafeExample == "" {
			s.unsafeExample = name
		}
		return nil
	}
	clean := cleanName(name)
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		if isSparse(hdr) {
			// Holes expand to zeros without limit; no Mendix backup has them.
			s.special(name, "a sparse file")
			return nil
		}
		s.files++
		return s.regular(tr, hdr, clean)
	case tar.TypeDir, tar.TypeXGlobalHeader:
		return nil
	case tar.TypeSymlink:
		s.symlinks++
		if s.symlinkExample == "" {
			s.symlinkExample, s.symlinkTarget = name, hdr.Linkname
		}
	case tar.TypeLink:
		s.hardLinks++
		if s.hardExample == "" {
			s.hardExample, s.hardTarget = name, hdr.Linkname
		}
	case tar.TypeChar:
		s.special(name, "a character device")
	case tar.TypeBlock:
		s.special(name, "a block device")
	case tar.TypeFifo:
		s.special(name, "a named pipe")
	default:
		s.special(name, fmt.Sprintf("an entry of tar type %q", hdr.Typeflag))
	}
	return nil
}

func (s *snapshotWalk) special(name, what string) {
	s.specials++
	if s.specialExample == "" {
		s.specialExample, s.specialWhat = name, what
	}
}

// regular handles a plain file. Only .metadata and the dump are read here; everything
// else is skipped by tar.Reader.Next, which discards just the stored bytes.
func (s *snapshotWalk) regular(tr *tar.Reader, hdr *tar.Header, clean string) error {
	switch {
	case clean == ".metadata":
		return s.readMetadata(tr)
	case clean == "db/db.backup":
		s.dbCount++
		s.dbSize = hdr.Size
		return s.in.inspectDatabaseEntry(tr, hdr.Size)
	case strings.HasPrefix(clean, "tree/"):
		s.tree(clean)
	case clean == "toc.dat":
		s.tocSeen = true
		h, err := ParseDumpHeader(s.in.entryReader(tr))
		if h != nil {
			s.tocHeader = h
		}
		if err != nil && !errors.Is(err, ErrNotDump) && !errors.Is(err, ErrDumpTruncated) &&
			!errors.Is(err, ErrDumpDamaged) && !errors.Is(err, ErrDumpVersion) {
			return err
		}
	case dumpDataFile.MatchString(clean):
		s.dumpFiles++
	case strings.HasSuffix(clean, "/db/db.backup") && s.prefixedDB == "":
		s.prefixedDB = clean
		s.dbSize = hdr.Size
		return s.in.inspectDatabaseEntry(tr, hdr.Size)
	default:
		s.others++
		if s.otherExample == "" {
			s.otherExample = clean
		}
	}
	return nil
}

func (s *snapshotWalk) readMetadata(tr *tar.Reader) error {
	s.metadataSeen = true
	data, err := io.ReadAll(io.LimitReader(tr, maxMetadataSize+1))
	if err != nil {
		return err
	}
	// .metadata only informs (Mendix restores from db/db.backup): whatever is wrong with
	// it is a note, never a reason to refuse the archive.
	if len(data) > maxMetadataSize {
		s.in.note(noteBadMetadata(errors.New("it is far larger than a real one")))
		return nil
	}
	m, err := ParseMetadata(data)
	switch {
	case m == nil:
		s.in.note(noteBadMetadata(err))
	case err != nil:
		s.in.note(noteMetadataFields(err))
	}
	s.metadata = m
	return nil
}

// tree counts a file document and which layout it follows: tree/ab/cd/abcd... (nested)
// or tree/<id> (flat).
func (s *snapshotWalk) tree(clean string) {
	s.treeFiles++
	parts := strings.Split(clean, "/")
	switch {
	case len(parts) == 2 && parts[1] != "":
		s.treeFlat++
	case len(parts) == 4 && len(parts[3]) >= 4 && parts[1] == parts[3][0:2] && parts[2] == parts[3][2:4]:
		s.treeNested++
	default:
		s.treeOther++
		if s.treeOtherExample == "" {
			s.treeOtherExample = clean
		}
	}
}

// finish decides the kind and writes the layout into the report. aborted means the walk
// stopped early because of an error that the caller reports; then only what was seen
// counts and missing parts are not held against the file.
func (s *snapshotWalk) finish(aborted bool) {
	in, rep := s.in, s.in.rep
	rep.FileCount = s.files
	rep.TreeFileCount = s.treeFiles
	switch {
	case s.treeNested > 0 && s.treeFlat > 0:
		rep.TreeLayout = "mixed"
	case s.treeNested > 0:
		rep.TreeLayout = "nested"
	case s.treeFlat > 0:
		rep.TreeLayout = "flat"
	}
	if s.metadata != nil {
		rep.Metadata = s.metadata
		rep.ModelVersion = s.metadata.ModelVersion
	}

	switch {
	case s.dbCount > 0:
		rep.Kind = KindFullSnapshot
		rep.DumpSize = s.dbSize
		if s.dbCount > 1 {
			in.problem(ProblemDuplicateDatabase, textDuplicateDatabase(s.dbCount))
		}
		if !s.metadataSeen && !aborted {
			in.note(noteNoMetadata())
		}
		if s.metadata != nil && s.metadata.DumpSize > 0 && s.metadata.DumpSize != s.dbSize {
			in.note(noteMetadataDumpSize(s.metadata.DumpSize, s.dbSize))
		}
	case s.prefixedDB != "":
		rep.Kind = KindFullSnapshot
		rep.DumpSize = s.dbSize
		in.problem(ProblemWrappedInFolder, textWrappedInFolder(s.prefixedDB))
	case s.tocSeen:
		rep.Kind = KindDatabaseOnly
		db := ""
		if s.tocHeader != nil {
			in.applyHeader(s.tocHeader)
			db = s.tocHeader.DatabaseName
		}
		rep.Format = DumpFormatTar.String()
		in.problem(ProblemTarFormatDump, textTarFormatDump(db))
	case aborted:
		if s.metadataSeen {
			rep.Kind = KindFullSnapshot
		}
	case s.metadataSeen || s.treeFiles > 0:
		rep.Kind = KindFilesOnly
		in.problem(ProblemNoDatabase, textNoDatabase())
	default:
		rep.Kind = KindUnknown
		example := s.otherExample
		if example == "" {
			example = s.firstName
		}
		in.problem(ProblemNotSnapshot, textNotSnapshot(s.files == 0 && s.firstName == "", example))
	}
	if s.others > 0 && s.prefixedDB == "" && (rep.Kind == KindFullSnapshot || rep.Kind == KindFilesOnly) {
		in.note(noteUnexpectedFiles(s.others, s.otherExample))
	}
	if s.treeOther > 0 {
		in.note(noteTreeLayout(s.treeOther, s.treeOtherExample))
	}
	if s.unsafe > 0 {
		in.problem(ProblemUnsafePath, textUnsafePath(s.unsafe, s.unsafeExample))
	}
	if s.symlinks > 0 {
		in.problem(ProblemSymlink, textSymlink(s.symlinks, s.symlinkExample, s.symlinkTarget))
	}
	if s.hardLinks > 0 {
		in.problem(ProblemHardLink, textHardLink(s.hardLinks, s.hardExample, s.hardTarget))
	}
	if s.specials > 0 {
		in.problem(ProblemSpecialFile, textSpecialFile(s.specials, s.specialExample, s.specialWhat))
	}
}

// unsafePath reports names that would land outside the folder they are unpacked into:
// absolute paths, drive letters, and ".." steps (with either slash, for Windows users).
func unsafePath(name string) bool {
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) {
		return true
	}
	if len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z') {
		return true
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return true
		}
	}
	return false
}

// cleanName drops leading "./" (tar -C dir . writes them) and repeated slashes.
func cleanName(name string) string {
	for strings.HasPrefix(name, "./") {
		name = strings.TrimLeft(name[2:], "/")
	}
	for strings.Contains(name, "//") {
		name = strings.ReplaceAll(name, "//", "/")
	}
	return name
}

func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}
