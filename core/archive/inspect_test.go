package archive

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// inspectCase is one file a user might pick and what they must be told about it.
type inspectCase struct {
	name       string
	file       func(t testing.TB) string // path to inspect
	kind       Kind
	restorable bool
	codes      []ProblemCode // exactly these problems
	fragments  []string      // each appears in some problem sentence
	notes      []string      // each appears in some note
	check      func(t *testing.T, r *Report)
}

func fromFixture(name string) func(t testing.TB) string {
	return func(t testing.TB) string { return filepath.Join("testdata", name) }
}

func generated(name string, build func(t testing.TB) []byte) func(t testing.TB) string {
	return func(t testing.TB) string { return writeFile(t, name, build(t)) }
}

func realDump(t testing.TB) []byte { return fixture(t, "customerportal.backup") }

func inspectCases() []inspectCase {
	return []inspectCase{
		// The fixtures, as their README describes them.
		{
			name: "fixture database-only dump", file: fromFixture("customerportal.backup"),
			kind: KindDatabaseOnly, restorable: true,
			check: func(t *testing.T, r *Report) {
				wantDumpFacts(t, r)
				equal(t, "SHA-256", r.SHA256, "06cea73074386fd0622dd43d83fe1dd5ae5045738ed9a185897adafe6e561e60")
				equal(t, "file count", r.FileCount, 1)
				equal(t, "uncompressed size", r.UncompressedSize, int64(86306))
				equal(t, "compressed size", r.CompressedSize, int64(86306))
				equal(t, "tables", r.TableCount, 3)
			},
		},
		{
			name: "fixture full snapshot", file: fromFixture("files_and_database-1a2b3c4d-202611250130.tar.gz"),
			kind: KindFullSnapshot, restorable: true,
			check: func(t *testing.T, r *Report) {
				wantDumpFacts(t, r)
				equal(t, "SHA-256", r.SHA256, "5e146b93f601d6c5ee0d095872a4761f40dc22aec473d0912172ca93775e6322")
				equal(t, "file count", r.FileCount, 7)
				equal(t, "model version", r.ModelVersion, "1.4.0.211")
				equal(t, "tree files", r.TreeFileCount, 5)
				equal(t, "tree layout", r.TreeLayout, "nested")
				equal(t, "compressed size", r.CompressedSize, int64(66088))
				equal(t, "uncompressed size", r.UncompressedSize, int64(102400))
				equal(t, "dump size", r.DumpSize, int64(86306))
				if r.Metadata == nil {
					t.Fatal("no metadata")
				}
				equal(t, "metadata", *r.Metadata, Metadata{ModelVersion: "1.4.0.211", Duration: "3", DumpSize: 86306, DatabaseSize: 9240576, FilesSize: 7500})
				if len(r.Notes) != 0 {
					t.Errorf("notes on a perfect snapshot: %q", r.Notes)
				}
			},
		},
		{
			name: "fixture truncated snapshot", file: fromFixture("truncated-snapshot.tar.gz"),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemTruncated},
			fragments: []string{"The file ends early", "download or copy was interrupted", "Download or copy the backup again"},
		},
		{
			name: "fixture snapshot without database", file: fromFixture("no-db-snapshot.tar.gz"),
			kind: KindFilesOnly, codes: []ProblemCode{ProblemNoDatabase},
			fragments: []string{"no database dump (db/db.backup is missing)", "Download the full snapshot"},
		},

		// Good files in other shapes that must pass.
		{
			name: "gzip-wrapped database dump", file: generated("database.backup.gz", func(t testing.TB) []byte { return gz(t, realDump(t)) }),
			kind: KindDatabaseOnly, restorable: true, notes: []string{"wrapped in gzip"},
			check: func(t *testing.T, r *Report) {
				wantDumpFacts(t, r)
				equal(t, "uncompressed size", r.UncompressedSize, int64(86306))
			},
		},
		{
			name: "multi-member gzip snapshot", file: generated("multi.tar.gz", func(t testing.TB) []byte {
				raw := buildTar(t, snapshotEntries(realDump(t), false)...)
				cut := len(raw) / 3
				return append(gz(t, raw[:cut]), gz(t, raw[cut:])...)
			}),
			kind: KindFullSnapshot, restorable: true,
			check: func(t *testing.T, r *Report) { equal(t, "file count", r.FileCount, 5) },
		},
		{
			// What gzip -N, Windows tools and some backup programs write: a file name, a
			// comment, an extra field and a header checksum. The name is longer than the
			// 512 bytes Go's own gzip reader accepts; gzip itself has no limit.
			name: "gzip header with every optional field", file: generated("named.tar.gz", func(t testing.TB) []byte {
				return withGzipHeader(snapshot(t, realDump(t)), gzipHeaderFields{
					extra: []byte("AB\x04\x00data"), name: strings.Repeat("files_and_database-", 40) + ".tar",
					comment: "nightly backup", hcrc: true,
				})
			}),
			kind: KindFullSnapshot, restorable: true,
			check: func(t *testing.T, r *Report) { equal(t, "file count", r.FileCount, 5) },
		},
		{
			name: "multi-member gzip, second member with optional fields", file: generated("multi-named.tar.gz", func(t testing.TB) []byte {
				raw := buildTar(t, snapshotEntries(realDump(t), false)...)
				cut := len(raw) / 2
				second := withGzipHeader(gz(t, raw[cut:]), gzipHeaderFields{name: "part2", hcrc: true})
				return append(gz(t, raw[:cut]), second...)
			}),
			kind: KindFullSnapshot, restorable: true,
		},
		{
			name: "flat tree layout", file: generated("flat.tar.gz", func(t testing.TB) []byte {
				return gz(t, buildTar(t, snapshotEntries(realDump(t), true)...))
			}),
			kind: KindFullSnapshot, restorable: true,
			check: func(t *testing.T, r *Report) { equal(t, "tree layout", r.TreeLayout, "flat") },
		},
		{
			name: "entries written as ./name", file: generated("dot.tar.gz", func(t testing.TB) []byte {
				es := snapshotEntries(realDump(t), false)
				for i := range es {
					es[i].name = "./" + es[i].name
				}
				return gz(t, buildTar(t, es...))
			}),
			kind: KindFullSnapshot, restorable: true,
		},
		{
			name: "metadata with numbers", file: generated("numbers.tar.gz", func(t testing.TB) []byte {
				es := snapshotEntries(realDump(t), false)
				es[0].data = []byte(`{"duration": 3, "dumpSize": 86306, "modelVersion": "1.4.0.211", "databaseSize": 9.240576e6, "filesSize": 4500}`)
				return gz(t, buildTar(t, es...))
			}),
			kind: KindFullSnapshot, restorable: true,
			check: func(t *testing.T, r *Report) {
				equal(t, "metadata", *r.Metadata, Metadata{ModelVersion: "1.4.0.211", Duration: "3", DumpSize: 86306, DatabaseSize: 9240576, FilesSize: 4500})
			},
		},
		{
			name: "trailing zeros after the gzip data", file: generated("padded.tar.gz", func(t testing.TB) []byte {
				return append(snapshot(t, realDump(t)), make([]byte, 1024)...)
			}),
			kind: KindFullSnapshot, restorable: true, notes: []string{"extra bytes after the end"},
		},
		{
			name: "archive version 1.12 dump", file: generated("old.backup", func(t testing.TB) []byte {
				return buildDump(dumpSpec{minor: 12, tables: 2, rows: 50, offsetsSet: true})
			}),
			kind: KindDatabaseOnly, restorable: true,
			check: func(t *testing.T, r *Report) { equal(t, "archive version", r.ArchiveVersion, "1.12") },
		},
		{
			name: "dump written to a pipe, with large objects", file: generated("piped.backup", func(t testing.TB) []byte {
				return buildDump(dumpSpec{tables: 2, rows: 50, blobs: 3, level: -1})
			}),
			kind: KindDatabaseOnly, restorable: true,
			check: func(t *testing.T, r *Report) { equal(t, "tables", r.TableCount, 2) },
		},

		// Bad input that really happens.
		{
			name: "empty file", file: generated("files_and_database-1a2b3c4d-202611250130.tar.gz", func(testing.TB) []byte { return nil }),
			kind: KindUnknown, codes: []ProblemCode{ProblemEmpty},
			fragments: []string{"The file is empty (0 bytes)", "Download the backup again"},
		},
		{
			name: "text file named .backup", file: generated("database.backup", func(testing.TB) []byte {
				return []byte("Remember to restore the acceptance database on Friday.\n")
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemTextFile},
			fragments: []string{"This is a text file, not a backup", "a .tar.gz file (full snapshot) or a .backup file"},
			notes:     []string{`The name ends in ".backup", but the file is a text file`},
		},
		{
			name: "expired download link saved as .tar.gz", file: generated("files_and_database-1a2b3c4d-202611250130.tar.gz", func(testing.TB) []byte {
				return []byte(s3Error)
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemWebPage},
			fragments: []string{"web page or an error message from a server", "download link had probably expired"},
		},
		{
			name: "random bytes named .backup", file: generated("database.backup", func(testing.TB) []byte {
				return randomBytes(7, 64<<10)
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemNotBackup},
			fragments: []string{"This file is not a backup"},
		},
		{
			name: "ZIP renamed .gz", file: generated("backup.tar.gz", func(t testing.TB) []byte {
				return zipOf(t, "db.backup", realDump(t))
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemZip},
			fragments: []string{"This is a ZIP archive", "unzip it and choose the .tar.gz or .backup file inside"},
			notes:     []string{`The name ends in ".tar.gz", but the file is a ZIP archive`},
		},
		{
			name: "xz archive", file: generated("backup.tar.xz", func(testing.TB) []byte {
				return append([]byte("\xfd7zXZ\x00\x00\x04"), randomBytes(3, 4000)...)
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemOtherCompression},
			fragments: []string{"compressed with xz, not gzip"},
		},
		{
			name: "gzip that ends early", file: generated("cut.tar.gz", func(t testing.TB) []byte {
				b := snapshot(t, realDump(t))
				return b[:len(b)*2/3]
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemTruncated},
			fragments: []string{"The file ends early", "wait until it has finished"},
		},
		{
			name: "gzip cut inside its header", file: generated("cut.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, realDump(t))[:6]
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemTruncated},
			fragments: []string{"The file ends early"},
		},
		{
			name: "gzip with corrupt data", file: generated("corrupt.tar.gz", func(t testing.TB) []byte {
				return withBrokenDeflate(snapshot(t, realDump(t)))
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemCorrupt},
			fragments: []string{"The file is damaged: its compressed data is broken near byte", "make a new backup"},
		},
		{
			name: "gzip with wrong checksum", file: generated("crc.tar.gz", func(t testing.TB) []byte {
				return withBadCRC(snapshot(t, realDump(t)))
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemChecksum},
			fragments: []string{"does not match the checksum stored in it"},
		},
		{
			name: "gzip with wrong size in its trailer", file: generated("isize.tar.gz", func(t testing.TB) []byte {
				b := snapshot(t, realDump(t))
				b[len(b)-4] ^= 0x01
				return b
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemChecksum},
			fragments: []string{"does not match the checksum stored in it"},
		},
		{
			// The first member's checksum fails: that is the verdict, whatever follows, and
			// the unpacked size stops at the damaged member.
			name: "multi-member gzip with a wrong checksum in the first member", file: generated("multi-crc.tar.gz", func(t testing.TB) []byte {
				raw := buildTar(t, snapshotEntries(realDump(t), false)...)
				cut := len(raw) / 3
				return append(withBadCRC(gz(t, raw[:cut])), gz(t, raw[cut:])...)
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemChecksum},
			check: func(t *testing.T, r *Report) {
				raw := buildTar(t, snapshotEntries(realDump(t), false)...)
				equal(t, "uncompressed size", r.UncompressedSize, int64(len(raw)/3))
			},
		},
		{
			name: "gzip header with a wrong header checksum", file: generated("hcrc.tar.gz", func(t testing.TB) []byte {
				return withGzipHeader(snapshot(t, realDump(t)), gzipHeaderFields{name: "backup.tar", hcrc: true, badHCRC: true})
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemGzipHeader},
			fragments: []string{"the gzip header near byte"},
		},
		{
			name: "gzip header with reserved flags", file: generated("reserved.tar.gz", func(t testing.TB) []byte {
				b := snapshot(t, realDump(t))
				b[3] |= 0x20
				return b
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemGzipHeader},
		},
		{
			name: "gzip cut inside the file name of its header", file: generated("cut-name.tar.gz", func(t testing.TB) []byte {
				b := withGzipHeader(snapshot(t, realDump(t)), gzipHeaderFields{name: strings.Repeat("x", 100)})
				return b[:60]
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemTruncated},
			fragments: []string{"The file ends early"},
		},
		{
			name: "gzip with data flipped in the middle", file: generated("flipped.tar.gz", func(t testing.TB) []byte {
				b := snapshot(t, realDump(t))
				b[len(b)/2] ^= 0xff
				return b
			}),
			// A flipped byte shows up as broken deflate data or as a checksum mismatch,
			// never as a tar or dump problem.
			check: func(t *testing.T, r *Report) {
				if r.Restorable || len(r.ProblemCodes) != 1 || (r.ProblemCodes[0] != ProblemCorrupt && r.ProblemCodes[0] != ProblemChecksum) {
					t.Errorf("problems %v, want only corrupt or checksum", r.ProblemCodes)
				}
			},
		},
		{
			name: "tar without db/db.backup", file: generated("files.tar.gz", func(t testing.TB) []byte {
				return gz(t, buildTar(t, snapshotEntries(nil, false)...))
			}),
			kind: KindFilesOnly, codes: []ProblemCode{ProblemNoDatabase},
			fragments: []string{"db/db.backup is missing"},
		},
		{
			name: "tar of unrelated files", file: generated("photos.tar.gz", func(t testing.TB) []byte {
				return gz(t, buildTar(t, tarEntry{name: "holiday/beach.jpg", data: randomBytes(1, 5000)}))
			}),
			kind: KindUnknown, codes: []ProblemCode{ProblemNotSnapshot},
			fragments: []string{"not a Mendix backup", `"holiday/beach.jpg"`},
		},
		{
			name: "snapshot wrapped in a folder", file: generated("rezipped.tar.gz", func(t testing.TB) []byte {
				es := snapshotEntries(realDump(t), false)
				for i := range es {
					es[i].name = "files_and_database-1a2b3c4d/" + es[i].name
				}
				return gz(t, buildTar(t, es...))
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemWrappedInFolder},
			fragments: []string{`"files_and_database-1a2b3c4d/db/db.backup" instead of "db/db.backup"`, "tar -czf backup.tar.gz -C files_and_database-1a2b3c4d ."},
		},
		{
			name: "uncompressed tar snapshot", file: generated("snapshot.tar", func(t testing.TB) []byte {
				return buildTar(t, snapshotEntries(realDump(t), false)...)
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemNotCompressed},
			fragments: []string{"not compressed", "gzip -k snapshot.tar"},
		},
		{
			name: "plain SQL dump", file: generated("database.backup", func(testing.TB) []byte { return []byte(plainSQLDump) }),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemPlainSQL},
			fragments: []string{"plain SQL dump (pg_dump -Fp)", "in custom format (-Fc)", "pg_dump -Fc -O -x"},
			check: func(t *testing.T, r *Report) {
				equal(t, "format", r.Format, "plain")
				equal(t, "pg_dump version", r.PgDumpVersion, "15.20 (Debian 15.20-0+deb12u1)")
			},
		},
		{
			name: "gzip-compressed plain SQL dump", file: generated("database.sql.gz", func(t testing.TB) []byte { return gz(t, []byte(plainSQLDump)) }),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemPlainSQL},
			fragments: []string{"gzip-compressed plain SQL dump (pg_dump -Fp)"},
		},
		{
			name: "tar-format dump", file: generated("database.tar", func(t testing.TB) []byte { return tarFormatDump(t) }),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemTarFormatDump},
			fragments: []string{"tar-format dump (pg_dump -Ft)", "pg_dump -Fc -O -x -f customerportal.backup customerportal"},
			check: func(t *testing.T, r *Report) {
				equal(t, "format", r.Format, "tar")
				equal(t, "database", r.DatabaseName, "customerportal")
			},
		},
		{
			name: "gzip-compressed tar-format dump", file: generated("database.tar.gz", func(t testing.TB) []byte { return gz(t, tarFormatDump(t)) }),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemTarFormatDump},
			fragments: []string{"tar-format dump (pg_dump -Ft)"},
		},
		{
			name: "directory-format dump", file: directoryFormatDump,
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemDirectoryFormatDump},
			fragments: []string{"directory-format dump (pg_dump -Fd)", "in custom format (-Fc)"},
			check: func(t *testing.T, r *Report) {
				equal(t, "format", r.Format, "directory")
				equal(t, "archive version", r.ArchiveVersion, "1.14")
			},
		},
		{
			name: "toc.dat renamed .backup", file: generated("database.backup", func(testing.TB) []byte {
				return buildDump(dumpSpec{format: DumpFormatTar, noTOC: true})
			}),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemTOCOnly},
			fragments: []string{"only the table of contents (toc.dat)"},
		},
		{
			// Today's limit (cloud-api.md §5): archive 1.15, written by pg_dump 16, is accepted.
			name: "dump from pg_dump 16 (archive 1.15) is accepted", file: generated("database.backup", func(testing.TB) []byte {
				return buildDump(dumpSpec{minor: 15, algorithm: 1, pgDump: "16.4", server: "16.4", tables: 1, rows: 10})
			}),
			kind: KindDatabaseOnly, restorable: true,
			check: func(t *testing.T, r *Report) {
				equal(t, "compression", r.Compression, "gzip")
				equal(t, "archive version", r.ArchiveVersion, "1.15")
			},
		},
		{
			name: "snapshot holding a pg_dump 16 dump (archive 1.15) is accepted", file: generated("snapshot.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, buildDump(dumpSpec{minor: 15, algorithm: 1, pgDump: "16.4", server: "16.4", tables: 1, rows: 10}))
			}),
			kind: KindFullSnapshot, restorable: true,
		},
		{
			name: "dump from pg_dump 17 (archive 1.16)", file: generated("database.backup", func(testing.TB) []byte {
				return buildDump(dumpSpec{minor: 16, algorithm: 3, pgDump: "17.2 (Ubuntu 17.2-1.pgdg24.04+1)", tables: 2, rows: 10, offsetsSet: true})
			}),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemDumpTooNew},
			fragments: []string{"This dump was made by pg_dump 17 (archive version 1.16). Mendix Cloud accepts archive version 1.15 or older (pg_dump 16 or older). Make the dump again with pg_dump 16 or older, in custom format (-Fc)."},
			check: func(t *testing.T, r *Report) {
				equal(t, "compression", r.Compression, "zstd")
				equal(t, "tables", r.TableCount, 2) // the 1.16 TOC (with relkind) was walked
			},
		},
		{
			name: "snapshot holding a pg_dump 18 dump", file: generated("snapshot.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, buildDump(dumpSpec{minor: 16, pgDump: "18.1 (Ubuntu 18.1-1.pgdg24.04+2)", tables: 1, rows: 10}))
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemDumpTooNew},
			fragments: []string{"This dump was made by pg_dump 18 (archive version 1.16)"},
		},
		{
			name: "raw dump cut in a data block", file: generated("database.backup", func(t testing.TB) []byte {
				b := realDump(t)
				return b[:len(b)-5000]
			}),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemDumpTruncated},
			fragments: []string{"The database dump ends early", "Download the backup again"},
		},
		{
			name: "raw dump cut between data blocks", file: generated("database.backup", func(testing.TB) []byte {
				return buildDump(dumpSpec{tables: 3, rows: 20, offsetsSet: true, dropBlocks: 1})
			}),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemDumpTruncated},
			fragments: []string{"The database dump ends early (2 of 3 data blocks present)"},
		},
		{
			name: "piped dump cut between data blocks", file: generated("database.backup", func(testing.TB) []byte {
				return buildDump(dumpSpec{tables: 3, rows: 20, dropBlocks: 2})
			}),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemDumpTruncated},
			fragments: []string{"(1 of 3 data blocks present)"},
		},
		{
			name: "raw dump with garbage after the data", file: generated("database.backup", func(t testing.TB) []byte {
				return append(realDump(t), []byte("garbage")...)
			}),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemDumpDamaged},
			fragments: []string{"The database dump is damaged (unknown data block type"},
		},
		{
			name: "snapshot whose dump was cut before archiving", file: generated("snapshot.tar.gz", func(t testing.TB) []byte {
				b := realDump(t)
				return snapshot(t, b[:len(b)/2])
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemDumpTruncated},
			fragments: []string{"The database dump in the archive (db/db.backup) ends early"},
		},
		{
			name: "snapshot whose db.backup is plain SQL", file: generated("snapshot.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, []byte(plainSQLDump))
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemDatabaseNotDump},
			fragments: []string{"(db/db.backup) is a plain SQL dump (pg_dump -Fp), not a PostgreSQL custom-format dump"},
		},
		{
			name: "snapshot with broken .metadata", file: generated("snapshot.tar.gz", func(t testing.TB) []byte {
				es := snapshotEntries(realDump(t), false)
				es[0].data = []byte(`{"modelVersion": "1.4.0.211", "dumpSize": `)
				return gz(t, buildTar(t, es...))
			}),
			// .metadata only informs: Mendix restores from db/db.backup, which is intact.
			kind: KindFullSnapshot, restorable: true,
			notes: []string{"The .metadata file in the archive cannot be read (not valid JSON", "The database in it is checked on its own."},
			check: func(t *testing.T, r *Report) {
				if r.Metadata != nil {
					t.Errorf("metadata %+v from text that is not JSON", r.Metadata)
				}
			},
		},
		{
			name: "snapshot whose .metadata is a JSON list", file: generated("snapshot.tar.gz", func(t testing.TB) []byte {
				es := snapshotEntries(realDump(t), false)
				es[0].data = []byte(`["1.4.0.211", 86306]`)
				return gz(t, buildTar(t, es...))
			}),
			kind: KindFullSnapshot, restorable: true,
			notes: []string{"cannot be read (it holds a JSON array, not an object)"},
		},
		{
			name: "snapshot whose .metadata has values of other types", file: generated("snapshot.tar.gz", func(t testing.TB) []byte {
				es := snapshotEntries(realDump(t), false)
				es[0].data = []byte(`{"modelVersion": {"major": 1}, "dumpSize": true, "databaseSize": "9240576", "filesSize": "lots", "duration": "3"}`)
				return gz(t, buildTar(t, es...))
			}),
			kind: KindFullSnapshot, restorable: true,
			notes: []string{"modelVersion is not a string or a number", "dumpSize is not a string or a number", `filesSize is "lots", not a size in bytes`, "they are left out"},
			check: func(t *testing.T, r *Report) {
				// What could be read is kept.
				equal(t, "metadata", *r.Metadata, Metadata{Duration: "3", DatabaseSize: 9240576})
				equal(t, "model version", r.ModelVersion, "")
			},
		},
		{
			name: "entries escaping with ../", file: generated("evil.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, realDump(t), tarEntry{name: "tree/../../../etc/cron.d/job", data: []byte("* * * * * root sh\n")})
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemUnsafePath},
			fragments: []string{`1 entry that points outside the archive (for example "tree/../../../etc/cron.d/job")`, "do not use this file"},
		},
		{
			name: "entries with absolute paths", file: generated("evil.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, realDump(t),
					tarEntry{name: "/etc/passwd", data: []byte("root:x:0:0::/root:/bin/sh\n")},
					tarEntry{name: "/etc/shadow", data: []byte("root:*:1::::::\n")})
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemUnsafePath},
			fragments: []string{`2 entries that point outside the archive (for example "/etc/passwd")`},
		},
		{
			name: "symbolic link", file: generated("links.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, realDump(t), tarEntry{name: "tree/ab/cd/abcd1234", typeflag: tar.TypeSymlink, linkname: "/etc/passwd"})
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemSymlink},
			fragments: []string{`1 symbolic link (for example "tree/ab/cd/abcd1234" pointing to "/etc/passwd")`},
		},
		{
			name: "hard link", file: generated("links.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, realDump(t), tarEntry{name: "tree/ab/cd/abcd1234", typeflag: tar.TypeLink, linkname: "db/db.backup"})
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemHardLink},
			fragments: []string{`1 hard link (for example "tree/ab/cd/abcd1234" linked to "db/db.backup")`},
		},
		{
			name: "devices and pipes", file: generated("devices.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, realDump(t),
					tarEntry{name: "tree/sd/a0/sda0", typeflag: tar.TypeBlock},
					tarEntry{name: "tree/tt/y0/tty0", typeflag: tar.TypeChar},
					tarEntry{name: "tree/fi/fo/fifo", typeflag: tar.TypeFifo})
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemSpecialFile},
			fragments: []string{`3 entries that are not plain files (for example "tree/sd/a0/sda0", a block device)`},
		},
		{
			name: "sparse file", file: generated("sparse.tar.gz", func(t testing.TB) []byte {
				// Holes could claim terabytes of zeros; no Mendix backup has them.
				raw := buildTar(t, snapshotEntries(realDump(t), false)...)
				return gz(t, withEntryBeforeEnd(raw, gnuSparseEntry("tree/sp/ar/sparse", 1<<40)))
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemSpecialFile},
			fragments: []string{"a sparse file"},
		},
		{
			name: "download that had not finished", file: generated("files_and_database-1a2b3c4d-202611250130.tar.gz.crdownload", func(t testing.TB) []byte {
				b := snapshot(t, realDump(t))
				return b[:len(b)/2]
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemTruncated},
			notes: []string{"download that had not finished"},
		},
		{
			name: "dump with an unknown major version", file: generated("database.backup", func(testing.TB) []byte {
				return append([]byte("PGDMP\x02\x00\x00\x04\x08\x01"), make([]byte, 100)...)
			}),
			kind: KindDatabaseOnly, codes: []ProblemCode{ProblemDumpTooNew},
			fragments: []string{"This dump was made by a newer pg_dump (archive version 2.0)."},
		},
		{
			// Issue 18: the local restore fed pg_restore the first copy while the check and
			// the row counts described the last; one rule now: such an archive is refused.
			name: "two database dumps in one archive", file: generated("files_and_database-1a2b3c4d-202611250130.tar.gz", func(t testing.TB) []byte {
				return snapshot(t, realDump(t), tarEntry{name: "./db/db.backup", data: buildDump(dumpSpec{})})
			}),
			kind: KindFullSnapshot, codes: []ProblemCode{ProblemDuplicateDatabase},
			fragments: []string{"db/db.backup 2 times", "not clear which database a restore would bring back"},
		},
		{
			name: "gzip compressed twice", file: generated("backup.tar.gz", func(t testing.TB) []byte { return gz(t, snapshot(t, realDump(t))) }),
			kind: KindUnknown, codes: []ProblemCode{ProblemGzipContent},
			fragments: []string{"compressed twice with gzip"},
		},
	}
}

// tarFormatDump is what pg_dump -Ft writes: toc.dat, one NNNN.dat per table, restore.sql.
func tarFormatDump(t testing.TB) []byte {
	return buildTar(t,
		tarEntry{name: "toc.dat", data: buildDump(dumpSpec{format: DumpFormatTar, noTOC: true})},
		tarEntry{name: "3353.dat", data: []byte("1\tAlice\n2\tBob\n\\.\n\n")},
		tarEntry{name: "restore.sql", data: []byte(plainSQLDump)})
}

// directoryFormatDump is what pg_dump -Fd writes. Its toc.dat carries the tar format code,
// as pg_dump writes it.
func directoryFormatDump(t testing.TB) string {
	dir := filepath.Join(t.TempDir(), "customerportal.dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"toc.dat":     buildDump(dumpSpec{format: DumpFormatTar, level: -1, noTOC: true}),
		"3353.dat.gz": gz(t, []byte("1\tAlice\n\\.\n\n")),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wantDumpFacts checks what the fixture README says about the customerportal dump.
func wantDumpFacts(t *testing.T, r *Report) {
	t.Helper()
	equal(t, "database", r.DatabaseName, "customerportal")
	equal(t, "dumped at", r.DumpedAt, time.Date(2026, 11, 26, 4, 34, 9, 0, time.UTC))
	equal(t, "archive version", r.ArchiveVersion, "1.14")
	equal(t, "format", r.Format, "custom")
	equal(t, "compression", r.Compression, "gzip (default level)")
	equal(t, "int size", r.IntSize, 4)
	equal(t, "offset size", r.OffSize, 8)
	if !strings.HasPrefix(r.ServerVersion, "15.20") || !strings.HasPrefix(r.PgDumpVersion, "15.20") {
		t.Errorf("server %q, pg_dump %q; want both 15.20", r.ServerVersion, r.PgDumpVersion)
	}
}

func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestInspect(t *testing.T) {
	for _, tc := range inspectCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.file(t)
			rep, err := Inspect(context.Background(), path, nil)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if tc.check == nil || tc.kind != "" {
				equal(t, "kind", rep.Kind, tc.kind)
				equal(t, "restorable", rep.Restorable, tc.restorable)
				gotCodes := slices.Clone(rep.ProblemCodes)
				slices.Sort(gotCodes)
				wantCodes := slices.Clone(tc.codes)
				slices.Sort(wantCodes)
				if !slices.Equal(gotCodes, wantCodes) {
					t.Errorf("problem codes %v, want %v\nproblems: %q", rep.ProblemCodes, tc.codes, rep.Problems)
				}
			}
			if len(rep.Problems) != len(rep.ProblemCodes) {
				t.Errorf("%d problems but %d codes", len(rep.Problems), len(rep.ProblemCodes))
			}
			if rep.Restorable != (len(rep.Problems) == 0) {
				t.Errorf("restorable %v with problems %q", rep.Restorable, rep.Problems)
			}
			all := strings.Join(rep.Problems, "\n")
			for _, f := range tc.fragments {
				if !strings.Contains(all, f) {
					t.Errorf("no problem says %q; problems:\n%s", f, all)
				}
			}
			notes := strings.Join(rep.Notes, "\n")
			for _, f := range tc.notes {
				if !strings.Contains(notes, f) {
					t.Errorf("no note says %q; notes:\n%s", f, notes)
				}
			}
			if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
				data, _ := os.ReadFile(path)
				sum := sha256.Sum256(data)
				equal(t, "SHA-256", rep.SHA256, hex.EncodeToString(sum[:]))
				equal(t, "compressed size", rep.CompressedSize, int64(len(data)))
			}
			if tc.check != nil {
				tc.check(t, rep)
			}
		})
	}
}

// Each kind of bad input gets its own sentence: two cases may share a text only when they
// are variants of one mistake (the same problem codes).
func TestInspectProblemsAreSpecific(t *testing.T) {
	codesByText := map[string]string{}
	for _, tc := range inspectCases() {
		if tc.restorable || len(tc.codes) == 0 {
			continue
		}
		rep, err := Inspect(context.Background(), tc.file(t), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		codes := slices.Clone(rep.ProblemCodes)
		slices.Sort(codes)
		for _, text := range rep.Problems {
			key := fmt.Sprint(codes)
			if other, ok := codesByText[text]; ok && other != key {
				t.Errorf("%q gets the same sentence as a case with problems %s: %s", tc.name, other, text)
			}
			codesByText[text] = key
		}
	}
}

func TestInspectPathErrors(t *testing.T) {
	dir := t.TempDir()
	unpacked := filepath.Join(t.TempDir(), "files_and_database-1a2b3c4d")
	if err := os.MkdirAll(filepath.Join(unpacked, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unpacked, "db", "db.backup"), fixture(t, "customerportal.backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	type pathCase struct {
		name   string
		path   string
		is     []error
		advice string
	}
	cases := []pathCase{
		{"a folder", dir, []error{ErrNotAFile}, "is a folder, choose the backup file inside it"},
		{"an unpacked snapshot folder", unpacked, []error{ErrNotAFile}, "holds an unpacked backup; choose the .tar.gz file it came from"},
		{"a missing file", filepath.Join(dir, "nope.backup"), []error{os.ErrNotExist}, "there is no file here"},
	}
	// Opening a named pipe for reading would block until a writer appears.
	if fifo := filepath.Join(t.TempDir(), "backup.tar.gz"); mkfifo(fifo) == nil {
		cases = append(cases, pathCase{"a named pipe", fifo, []error{ErrNotAFile}, "this is a named pipe, not a file"})
	} else {
		t.Log("no named pipes on this system; that case is not run")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Inspect(context.Background(), tc.path, nil)
			if err == nil {
				t.Fatalf("no error; report %+v", rep)
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("error %v is not %v", err, target)
				}
			}
			if !strings.Contains(err.Error(), tc.advice) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q should name the path and say %q", err, tc.advice)
			}
		})
	}
}

// An unreadable file. Tests run as root here, and root reads any file, so the test drops
// its effective user id for the call (real permission check, no fake).
func TestInspectUnreadableFile(t *testing.T) {
	path := writeFile(t, "database.backup", fixture(t, "customerportal.backup"))
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	var err error
	asUnprivileged(t, filepath.Dir(path), func() {
		_, err = Inspect(context.Background(), path, nil)
	})
	if !errors.Is(err, ErrUnreadable) || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("error %v, want ErrUnreadable and permission denied", err)
	}
	if !strings.Contains(err.Error(), "not allowed to read this file") {
		t.Errorf("error %q does not say what is wrong", err)
	}
}

// bigSnapshot is a valid snapshot of several chunks, so that the file is read in
// several steps and a test can act between them.
func bigSnapshot(t testing.TB) []byte {
	t.Helper()
	es := snapshotEntries(fixture(t, "customerportal.backup"), false)
	for i := range 4 {
		id := "ffee" + strings.Repeat(string(rune('0'+i)), 32)
		es = append(es, tarEntry{name: "tree/ff/ee/" + id, data: randomBytes(uint64(i), 1<<20)})
	}
	return gz(t, buildTar(t, es...))
}

func TestInspectFileChangesWhileRead(t *testing.T) {
	data := bigSnapshot(t)
	if len(data) < 3*chunkSize {
		t.Fatalf("test file of %d bytes is too small to be read in steps", len(data))
	}
	for _, tc := range []struct {
		name   string
		change func(path string) error
		advice string
	}{
		{"it shrinks", func(p string) error { return os.Truncate(p, chunkSize+100) }, "got shorter while it was being read"},
		{"it grows", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write(make([]byte, 4096))
			return err
		}, "grew while it was being read"},
		{"it vanishes", os.Remove, "deleted or moved while it was being read"},
		{"it is replaced", func(p string) error {
			other := p + ".new"
			if err := os.WriteFile(other, data, 0o644); err != nil {
				return err
			}
			return os.Rename(other, p)
		}, "replaced by another one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "snapshot.tar.gz", data)
			var once bool
			var changeErr error
			_, err := Inspect(context.Background(), path, func(done, total int64) {
				if done > 0 && !once {
					once = true
					changeErr = tc.change(path)
				}
			})
			if changeErr != nil {
				t.Fatal(changeErr)
			}
			if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), tc.advice) {
				t.Fatalf("error %v, want ErrChanged saying %q", err, tc.advice)
			}
		})
	}
}

func TestInspectProgress(t *testing.T) {
	data := bigSnapshot(t)
	path := writeFile(t, "snapshot.tar.gz", data)
	var calls [][2]int64
	rep, err := Inspect(context.Background(), path, func(done, total int64) {
		calls = append(calls, [2]int64{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Restorable {
		t.Fatalf("big snapshot not restorable: %q", rep.Problems)
	}
	if len(calls) < 3 {
		t.Fatalf("%d progress calls for %d bytes, want one per chunk", len(calls), len(data))
	}
	for i, c := range calls {
		if c[1] != int64(len(data)) {
			t.Fatalf("call %d: total %d, want %d", i, c[1], len(data))
		}
		if i > 0 && c[0] < calls[i-1][0] {
			t.Fatalf("progress went back from %d to %d", calls[i-1][0], c[0])
		}
	}
	if last := calls[len(calls)-1]; last[0] != last[1] {
		t.Fatalf("last progress %d of %d, want all", last[0], last[1])
	}
}

func TestInspectCancel(t *testing.T) {
	t.Run("before it starts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Inspect(ctx, filepath.Join("testdata", "customerportal.backup"), nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
	t.Run("while reading", func(t *testing.T) {
		data := bigSnapshot(t)
		path := writeFile(t, "snapshot.tar.gz", data)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var maxDone int64
		_, err := Inspect(ctx, path, func(done, _ int64) {
			maxDone = max(maxDone, done)
			if done > 0 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		// Reading stops at the chunk after the cancel at most, not at the end of the file.
		if maxDone > 2*chunkSize {
			t.Errorf("read %d of %d bytes after cancelling at the first chunk", maxDone, len(data))
		}
	})
	t.Run("while unpacking a bomb", func(t *testing.T) {
		// The whole compressed file is read at once; then the work is inflating, and
		// only the inflater's own check of ctx can stop it before the bomb limit.
		path := writeFile(t, "bomb.tar.gz", gzipBomb(t, 1<<30))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rep, err := Inspect(ctx, path, func(done, total int64) {
			if done == total {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v (report %v), want context.Canceled", err, rep)
		}
	})
}

func TestInspectGzipBomb(t *testing.T) {
	data := gzipBomb(t, 1<<30)
	path := writeFile(t, "files_and_database-1a2b3c4d-202611250130.tar.gz", data)
	rep, err := Inspect(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Restorable || !rep.Has(ProblemBomb) || len(rep.Problems) != 1 {
		t.Fatalf("problems %q, want only the bomb", rep.Problems)
	}
	if !strings.Contains(rep.Problems[0], "looks like a decompression bomb") {
		t.Errorf("problem %q does not name the bomb", rep.Problems[0])
	}
	// Stopped at the limit, not at the 1 GiB the file expands to.
	if limit := bombLimit(int64(len(data))); rep.UncompressedSize <= limit || rep.UncompressedSize > limit+(8<<20) {
		t.Errorf("unpacked %d bytes, want just past the limit %d", rep.UncompressedSize, limit)
	}
}

// The report of a fixture, compared field by field after a JSON round trip, holds every
// key the command line's --json promises.
func TestReportJSONKeys(t *testing.T) {
	rep, err := Inspect(context.Background(), filepath.Join("testdata", "files_and_database-1a2b3c4d-202611250130.tar.gz"), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := jsonObject(t, rep)
	for key, want := range map[string]any{
		"kind": "full_snapshot", "restorable": true, "archive_version": "1.14",
		"database_name": "customerportal", "dumped_at": "2026-11-26T04:34:09Z",
		"model_version": "1.4.0.211", "compressed_size": float64(66088), "uncompressed_size": float64(102400),
		"file_count": float64(7), "sha256": "5e146b93f601d6c5ee0d095872a4761f40dc22aec473d0912172ca93775e6322",
	} {
		if got[key] != want {
			t.Errorf("%s = %#v, want %#v", key, got[key], want)
		}
	}
	for _, key := range []string{"path", "server_version", "pg_dump_version"} {
		if s, _ := got[key].(string); s == "" {
			t.Errorf("%s missing", key)
		}
	}
	if p, ok := got["problems"].([]any); !ok || len(p) != 0 {
		t.Errorf("problems = %#v, want an empty list (not null)", got["problems"])
	}
}

// A snapshot cut anywhere (an interrupted download) gets a report saying it is not
// restorable, never an error or a hang; only the whole file passes.
func TestInspectEveryCutOfASnapshot(t *testing.T) {
	data := snapshot(t, buildDump(dumpSpec{tables: 1, rows: 3}))
	dir := t.TempDir()
	var lengths []int
	for n := 0; n < len(data); n += max(1, len(data)/97) {
		lengths = append(lengths, n)
	}
	for _, n := range append(lengths, len(data)) {
		p := filepath.Join(dir, "cut.tar.gz")
		if err := os.WriteFile(p, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := Inspect(context.Background(), p, nil)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if n < len(data) && rep.Restorable {
			t.Fatalf("%d of %d bytes judged restorable", n, len(data))
		}
		if n == len(data) && !rep.Restorable {
			t.Fatalf("whole file not restorable: %q", rep.Problems)
		}
	}
}

// Mendix Cloud's format limit is for uploads: the same pg_dump 17 dump (archive 1.16) that
// an upload refuses is a note for a backup downloaded from Mendix Cloud and for a local
// restore, as a snapshot and as a database-only file.
func TestNewerDumpFormatIsRefusedForUploadOnly(t *testing.T) {
	ctx := context.Background()
	dump := buildDump(dumpSpec{minor: 16, algorithm: 3, pgDump: "17.2 (Ubuntu 17.2-1.pgdg24.04+1)", tables: 2, rows: 10, offsetsSet: true})
	files := map[string]string{
		"database only": writeFile(t, "database-fc9e126f-202611210121.backup", dump),
		"full snapshot": writeFile(t, "files_and_database-1a2b3c4d-202611250130.tar.gz", snapshot(t, dump)),
	}
	for what, path := range files {
		up, err := InspectWith(ctx, path, Options{Use: ForUpload}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if up.Restorable || !up.Has(ProblemDumpTooNew) {
			t.Errorf("%s for upload: restorable %v, problems %q; want the format refused", what, up.Restorable, up.Problems)
		}
		for _, use := range []Use{ForDownload, ForLocalRestore} {
			rep, err := InspectWith(ctx, path, Options{Use: use, CountRows: use == ForLocalRestore}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Restorable || len(rep.Problems) != 0 {
				t.Errorf("%s for use %d: restorable %v, problems %q; want no refusal", what, use, rep.Restorable, rep.Problems)
			}
			notes := strings.Join(rep.Notes, "\n")
			for _, want := range []string{"made by pg_dump 17 (archive version 1.16)", "does not stop a download", "uploaded to Mendix Cloud it would be refused", "archive version 1.15 or older"} {
				if !strings.Contains(notes, want) {
					t.Errorf("%s for use %d: notes %q lack %q", what, use, rep.Notes, want)
				}
			}
			equal(t, "archive version", rep.ArchiveVersion, "1.16")
		}
	}
}
