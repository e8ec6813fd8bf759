// Package archive owns what a local backup file holds: its kind (from the bytes, never the
// name), the PostgreSQL custom-format header, the full-snapshot tar layout, sizes, SHA-256,
// and the verdict whether Mendix Cloud can restore it.
package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Kind is what a backup file holds, decided from its bytes.
type Kind string

// Kinds of backup files.
const (
	KindFullSnapshot Kind = "full_snapshot" // gzip → tar with .metadata, db/db.backup, tree/...
	// KindDatabaseOnly is a PostgreSQL dump. Only a custom-format dump (raw or gzip-wrapped)
	// is restorable; plain, tar- and directory-format dumps get this kind too, with a problem
	// saying how to make a custom-format dump, because that is what the user has in hand.
	KindDatabaseOnly Kind = "database_only"
	KindFilesOnly    Kind = "files_only" // tar with tree/... and no database
	KindUnknown      Kind = "unknown"
)

// Report is what Inspect found. Problems are plain sentences that say what to do; a
// restorable file has none.
type Report struct {
	Path             string    `json:"path"`
	Kind             Kind      `json:"kind"`
	Restorable       bool      `json:"restorable"`
	Problems         []string  `json:"problems"`
	Notes            []string  `json:"notes,omitempty"`           // e.g. name and content disagree
	ArchiveVersion   string    `json:"archive_version,omitempty"` // "1.14"
	IntSize          int       `json:"int_size,omitempty"`
	OffSize          int       `json:"off_size,omitempty"`
	Format           string    `json:"format,omitempty"`      // custom, tar, directory, plain, unknown
	Compression      string    `json:"compression,omitempty"` // none, gzip (level n), lz4, zstd
	DatabaseName     string    `json:"database_name,omitempty"`
	DumpedAt         time.Time `json:"dumped_at,omitzero"` // header time, local time of the dumping host (no zone recorded)
	ServerVersion    string    `json:"server_version,omitempty"`
	PgDumpVersion    string    `json:"pg_dump_version,omitempty"`
	ModelVersion     string    `json:"model_version,omitempty"`
	CompressedSize   int64     `json:"compressed_size"`
	UncompressedSize int64     `json:"uncompressed_size"`
	FileCount        int       `json:"file_count"`
	SHA256           string    `json:"sha256"`

	// ProblemCodes holds one code per entry of Problems, in the same order, for callers
	// that branch on the reason (the sentences are for people).
	ProblemCodes []ProblemCode `json:"problem_codes"`
	// Metadata is the parsed .metadata of a full snapshot, nil when there was none.
	Metadata *Metadata `json:"metadata,omitempty"`
	// DumpSize is the size in bytes of the database dump (db/db.backup, or the file itself).
	DumpSize int64 `json:"dump_size,omitempty"`
	// TableCount is the number of tables in the dump's table of contents.
	TableCount int `json:"table_count,omitempty"`
	// Tables lists each table that has data in the dump with its row count (COPY lines),
	// in the dump's order; RowsCounted says whether every one of them was counted, which
	// needs a complete custom-format dump compressed with gzip or not at all.
	Tables      []TableRows `json:"tables,omitempty"`
	RowsCounted bool        `json:"rows_counted,omitempty"`
	// TreeFileCount is the number of file documents under tree/ in a snapshot.
	TreeFileCount int `json:"tree_file_count,omitempty"`
	// TreeLayout is "nested" (tree/ab/cd/<uuid>), "flat" (tree/<uuid>) or "mixed".
	TreeLayout string `json:"tree_layout,omitempty"`
}

// TotalRows is the sum of the rows of Tables.
func (r *Report) TotalRows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// Has reports whether the report holds a problem with the given code.
func (r *Report) Has(code ProblemCode) bool {
	return slices.Contains(r.ProblemCodes, code)
}

// Metadata is the .metadata JSON of a full snapshot. Mendix writes every value as a
// string; numbers are accepted too.
type Metadata struct {
	ModelVersion string `json:"model_version,omitempty"`
	Duration     string `json:"duration,omitempty"` // as written (seconds in the samples seen)
	DumpSize     int64  `json:"dump_size,omitempty"`
	DatabaseSize int64  `json:"database_size,omitempty"`
	FilesSize    int64  `json:"files_size,omitempty"`
}

// ErrNotAFile and friends are returned (wrapped) by Inspect when the path itself cannot be
// read; problems with the content are reported in Report.Problems instead.
var (
	ErrNotAFile = errors.New("not a regular file")
	// ErrUnreadable: the file exists but could not be opened or read (permissions, I/O).
	ErrUnreadable = errors.New("file cannot be read")
	// ErrChanged: the file shrank, grew, vanished or was replaced while it was read.
	ErrChanged = errors.New("file changed while being read")
)

// FileError is the error Inspect returns when the path itself is the trouble. Advice is a
// plain sentence for the user; errors.Is matches Reason (ErrNotAFile, ErrUnreadable,
// ErrChanged) and the underlying cause (fs.ErrNotExist, fs.ErrPermission, ...).
type FileError struct {
	Path   string
	Advice string
	Reason error
	Err    error
}

func (e *FileError) Error() string { return "inspect " + e.Path + ": " + e.Advice }

// PlainSummary says, for people, why the path could not be inspected (explain.Plain).
func (e *FileError) PlainSummary() string {
	advice := e.Advice
	if i := strings.IndexAny(advice, ";,"); i > 0 {
		advice = advice[:i]
	}
	return fmt.Sprintf("%s cannot be checked: %s.", e.Path, advice)
}

// PlainNextStep says what to do about it.
func (e *FileError) PlainNextStep() string {
	switch {
	case errors.Is(e.Reason, ErrNotAFile):
		return "Choose the backup file itself: a .tar.gz file (full snapshot) or a .backup file (database only)."
	case errors.Is(e.Reason, ErrChanged):
		return "Wait until the copy or download has finished, then choose the file again."
	case errors.Is(e.Err, fs.ErrNotExist):
		return "Check the path (a relative path starts in the current folder), or choose the file again."
	case errors.Is(e.Err, fs.ErrPermission):
		return "Check the file's permissions, or copy it to your own folder and choose the copy."
	}
	return "If the file is on a network drive or USB stick, copy it to a local disk and choose the copy."
}

// Unwrap returns the reason and the cause, for errors.Is and errors.As.
func (e *FileError) Unwrap() []error {
	var errs []error
	if e.Reason != nil {
		errs = append(errs, e.Reason)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Progress receives bytes read so far of total (the file size). It is called from one
// goroutine that is not the caller's, in order, with done never decreasing.
type Progress func(done, total int64)
