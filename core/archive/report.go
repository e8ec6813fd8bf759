// Package archive owns what a local backup file holds: its kind (from the bytes, never the
// name), the PostgreSQL custom-format header, the full-snapshot tar layout, sizes, SHA-256,
// and the verdict whether Mendix Cloud can restore it.
package archive

import (
	"context"
	"errors"
	"time"
)

// Kind is what a backup file holds, decided from its bytes.
type Kind string

// Kinds of backup files.
const (
	KindFullSnapshot Kind = "full_snapshot" // gzip → tar with .metadata, db/db.backup, tree/...
	KindDatabaseOnly Kind = "database_only" // a custom-format dump, raw or gzip-wrapped
	KindFilesOnly    Kind = "files_only"    // tar with tree/... and no database
	KindUnknown      Kind = "unknown"
)

// Report is what Inspect found. Problems are plain sentences that say what to do; a
// restorable file has none.
type Report struct {
	Path             string    `json:"path"`
	Kind             Kind      `json:"kind"`
	Restorable       bool      `json:"restorable"`
	Problems         []string  `json:"problems"`
	Notes            []string  `json:"notes,omitempty"` // e.g. name and content disagree
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
}

// ErrNotAFile and friends are returned (wrapped) by Inspect when the path itself cannot be
// read; problems with the content are reported in Report.Problems instead.
var (
	ErrNotAFile = errors.New("not a regular file")
)

// Progress receives bytes read so far of total (the file size).
type Progress func(done, total int64)

// Inspect reads the file at path once, streaming, in constant memory, and reports what it
// holds. It returns an error only when the file cannot be read (missing, a directory,
// unreadable, vanished, cancelled); a readable file with bad content gets a Report with
// Restorable false and its Problems.
func Inspect(ctx context.Context, path string, onProgress Progress) (*Report, error) {
	return nil, errors.New("not implemented yet")
}
