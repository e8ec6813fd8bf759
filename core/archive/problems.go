package archive

import (
	"fmt"
	"strconv"
	"strings"

	"restoredesk/core/wording"
)

// ProblemCode names why a file is not restorable, for callers that branch on it.
type ProblemCode string

// Problem codes, one per kind of bad input.
const (
	ProblemEmpty               ProblemCode = "empty"
	ProblemNotBackup           ProblemCode = "not_a_backup"
	ProblemTextFile            ProblemCode = "text_file"
	ProblemWebPage             ProblemCode = "web_page"
	ProblemZip                 ProblemCode = "zip"
	ProblemOtherCompression    ProblemCode = "other_compression"
	ProblemTruncated           ProblemCode = "truncated"
	ProblemCorrupt             ProblemCode = "corrupt"
	ProblemChecksum            ProblemCode = "checksum"
	ProblemGzipHeader          ProblemCode = "gzip_header"
	ProblemGzipContent         ProblemCode = "gzip_content"
	ProblemBomb                ProblemCode = "decompression_bomb"
	ProblemNotCompressed       ProblemCode = "not_compressed"
	ProblemTarDamaged          ProblemCode = "tar_damaged"
	ProblemTarTruncated        ProblemCode = "tar_truncated"
	ProblemNoDatabase          ProblemCode = "no_database"
	ProblemNotSnapshot         ProblemCode = "not_a_snapshot"
	ProblemWrappedInFolder     ProblemCode = "wrapped_in_folder"
	ProblemPlainSQL            ProblemCode = "plain_sql_dump"
	ProblemTarFormatDump       ProblemCode = "tar_format_dump"
	ProblemDirectoryFormatDump ProblemCode = "directory_format_dump"
	ProblemTOCOnly             ProblemCode = "toc_only"
	ProblemDumpFormat          ProblemCode = "dump_format"
	ProblemDumpTooNew          ProblemCode = "dump_too_new"
	ProblemDumpDamaged         ProblemCode = "dump_damaged"
	ProblemDumpTruncated       ProblemCode = "dump_truncated"
	ProblemDatabaseNotDump     ProblemCode = "database_not_a_dump"
	ProblemUnsafePath          ProblemCode = "unsafe_path"
	ProblemSymlink             ProblemCode = "symlink"
	ProblemHardLink            ProblemCode = "hard_link"
	ProblemSpecialFile         ProblemCode = "special_file"
	ProblemBadMetadata         ProblemCode = "bad_metadata"
	ProblemDuplicateDatabase   ProblemCode = "duplicate_database"
)

// damageCodes are content problems that a broken gzip stream causes as a side effect;
// when the stream itself is found broken, they are dropped in favour of that root cause.
var damageCodes = map[ProblemCode]bool{
	ProblemTarDamaged: true, ProblemTarTruncated: true, ProblemDumpDamaged: true,
	ProblemDumpTruncated: true, ProblemBadMetadata: true, ProblemDatabaseNotDump: true,
	ProblemNotSnapshot: true, ProblemNoDatabase: true, ProblemGzipContent: true,
}

// MaxMendixArchiveMinor is the newest pg_dump archive version Mendix Cloud restores: 1.15,
// written by pg_dump 16. Source: the current restore-backup page of the Mendix docs
// ("The dump must be created with pg_dump version 1.15 or below", quoted in mendix/docs
// issue #11191, May 2026; the migrate-your-database page followed in July 2026); see
// cloud-api.md §5. Archive 1.16 (pg_dump 17 and newer) is refused. This is the one place
// that holds the limit: every message below is built from it.
const MaxMendixArchiveMinor = 15

// NewestPgDump is the newest pg_dump major version whose dumps Mendix Cloud restores.
const NewestPgDump = "16"

// Mendix Cloud's limit on dumps, in words (cloud-api.md §5 and §6.3).
const (
	maxMendixMinor = MaxMendixArchiveMinor
	chooseBackup   = "Choose the backup file you downloaded from the Mendix Portal: a .tar.gz file (full snapshot) or a .backup file (database only)."
	downloadAgain  = "Download or copy the backup again and wait until it has finished."
	fetchAgain     = "Download or copy the backup again."
)

// mendixDumpLimits says the limit in words, from the constants above.
var mendixDumpLimits = "Mendix Cloud accepts archive version 1." + strconv.Itoa(MaxMendixArchiveMinor) +
	" or older (pg_dump " + NewestPgDump + " or older)."

// remakeDump is the advice for every dump Mendix Cloud cannot take.
func remakeDump(db string) string {
	if db == "" {
		db = "yourdatabase"
	}
	return fmt.Sprintf("Make the dump again with pg_dump "+NewestPgDump+" or older, in custom format (-Fc), for example: pg_dump -Fc -O -x -f %s.backup %s", db, db)
}

func textEmpty() string {
	return "The file is empty (0 bytes), so there is nothing to restore: the download or copy did not finish. Download the backup again from the Mendix Portal."
}

func textNotBackup() string {
	return "This file is not a backup: it is neither a gzip-compressed archive (.tar.gz) nor a PostgreSQL custom-format dump (.backup). " + chooseBackup
}

func textTextFile() string {
	return "This is a text file, not a backup. " + chooseBackup
}

func textWebPage() string {
	return "This is a web page or an error message from a server, not a backup: the download link had probably expired or needed a login when the file was saved. Download the backup again from the Mendix Portal (a download link works for 8 hours)."
}

func textZip() string {
	return "This is a ZIP archive, not a Mendix backup, and Mendix Cloud does not accept ZIP files. If it holds a backup, unzip it and choose the .tar.gz or .backup file inside."
}

func textOtherCompression(name string) string {
	return fmt.Sprintf("This file is compressed with %s, not gzip. Mendix Cloud accepts only .tar.gz (gzip) archives and .backup dumps: unpack it (for example with 7-Zip) and choose the .tar.gz or .backup file inside.", name)
}

func textTruncated(unpacked int64) string {
	if unpacked == 0 {
		return "The file ends early: its compressed data stops before anything could be unpacked, so the download or copy was interrupted. " + downloadAgain
	}
	return fmt.Sprintf("The file ends early: its compressed data stops in the middle (after %s had been unpacked), so the download or copy was interrupted. %s",
		byteCount(unpacked), downloadAgain)
}

func textCorrupt(off int64) string {
	return fmt.Sprintf("The file is damaged: its compressed data is broken near byte %s. %s If it happens again, make a new backup in the Mendix Portal.", commaCount(off), fetchAgain)
}

func textChecksum() string {
	return "The file is damaged: its content does not match the checksum stored in it. " + fetchAgain + " If it happens again, make a new backup in the Mendix Portal."
}

func textGzipHeader(off int64) string {
	return fmt.Sprintf("The file is damaged: it is gzip-compressed, but the gzip header near byte %s is broken. %s", commaCount(off), fetchAgain)
}

func textGzipContent(what string) string {
	return fmt.Sprintf("This gzip file holds %s, not a tar archive or a PostgreSQL dump, so it is not a Mendix backup. %s", what, chooseBackup)
}

func textGzipTwice() string {
	return "This file is compressed twice with gzip. Unpack it once (for example with gunzip) and choose the .tar.gz or .backup file that comes out."
}

func textBomb(in, out int64) string {
	return fmt.Sprintf("This file expands far beyond any real backup (%s of compressed data already unpacked to more than %s) and looks like a decompression bomb, so Restore Desk stopped unpacking it. Do not upload it; download the backup again from the Mendix Portal.",
		byteCount(in), byteCount(out))
}

func textNotCompressed(name string) string {
	return fmt.Sprintf("This tar archive is not compressed, and Mendix Cloud expects a gzip-compressed archive (.tar.gz). Compress it first, for example with: gzip -k %s, and choose the .tar.gz file.", name)
}

func textTarDamaged(off int64) string {
	return fmt.Sprintf("The archive is damaged: its tar structure is broken near byte %s of the unpacked data. %s", commaCount(off), fetchAgain)
}

func textTarTruncated() string {
	return "The archive ends early: its last entry is cut off, so it was not completely written. Download the backup again, or make the archive again and let it finish."
}

func textNoDatabase() string {
	return "This archive has no database dump (db/db.backup is missing), so Mendix Cloud cannot restore it: it holds only files. Download the full snapshot (database and files) or the database-only backup from the Mendix Portal instead."
}

func textNotSnapshot(empty bool, example string) string {
	if empty {
		return "This tar archive is empty, so there is nothing to restore. " + chooseBackup
	}
	return fmt.Sprintf("This tar archive is not a Mendix backup: it has no db/db.backup, .metadata or tree folder (it holds files such as %q). %s", example, chooseBackup)
}

func textWrappedInFolder(dbPath string) string {
	folder := strings.TrimSuffix(dbPath, "db/db.backup")
	return fmt.Sprintf("The backup in this archive is inside a folder (%q instead of \"db/db.backup\"), so Mendix Cloud will not find the database. Make the archive again from inside that folder, so that .metadata, db and tree are at the top, for example: tar -czf backup.tar.gz -C %s .", dbPath, strings.TrimSuffix(folder, "/"))
}

func textPlainSQL(gzipped bool) string {
	what := "a plain SQL dump"
	if gzipped {
		what = "a gzip-compressed plain SQL dump"
	}
	return fmt.Sprintf("This is %s (pg_dump -Fp), not a custom-format dump, and Mendix Cloud restores only custom-format dumps. %s.", what, remakeDump(""))
}

func textSQLScript() string {
	return "This is an SQL script, not a PostgreSQL custom-format dump, and Mendix Cloud restores only custom-format dumps. " + remakeDump("") + "."
}

func textTarFormatDump(db string) string {
	return fmt.Sprintf("This is a tar-format dump (pg_dump -Ft), not a custom-format dump, and Mendix Cloud restores only custom-format dumps. %s.", remakeDump(db))
}

func textDirectoryFormatDump(db string) string {
	return fmt.Sprintf("This folder is a directory-format dump (pg_dump -Fd), not a custom-format dump file, and Mendix Cloud restores only custom-format dumps. %s.", remakeDump(db))
}

func textTOCOnly(h *DumpHeader) string {
	// pg_dump gives toc.dat of both -Ft and -Fd the tar format code, so both are named.
	return fmt.Sprintf("This file is only the table of contents (toc.dat) of a directory- or tar-format dump (pg_dump -Fd or -Ft), not a complete dump: the table data lives in other files. %s.", remakeDump(h.DatabaseName))
}

func textDumpFormat(h *DumpHeader) string {
	return fmt.Sprintf("This dump is in %s format, not custom format, and Mendix Cloud restores only custom-format dumps. %s.", h.Format, remakeDump(h.DatabaseName))
}

// textDumpTooNew is the issue's own example sentence.
func textDumpTooNew(h *DumpHeader) string {
	by := "a newer pg_dump"
	if m := pgMajor(h.PgDumpVersion); m != "" {
		by = "pg_dump " + m
	}
	return fmt.Sprintf("This dump was made by %s (archive version %s). %s Make the dump again with pg_dump "+NewestPgDump+" or older, in custom format (-Fc).", by, h.Version(), mendixDumpLimits)
}

func textDumpDamaged(where string, err error) string {
	return fmt.Sprintf("%s is damaged (%s). Download the backup again; if you made the dump yourself, %s.", where, detail(err), wording.LowerFirst(remakeDump("")))
}

func textDumpTruncated(where string, err error) string {
	return fmt.Sprintf("%s ends early (%s): the download, the copy or pg_dump itself was interrupted. Download the backup again; if you made the dump yourself, %s.", where, detail(err), wording.LowerFirst(remakeDump("")))
}

func textDatabaseNotDump(what string) string {
	return fmt.Sprintf("The database file in the archive (db/db.backup) is %s, not a PostgreSQL custom-format dump, so Mendix Cloud cannot restore it. Download the backup again from the Mendix Portal; if you made the archive yourself, put a dump made with pg_dump -Fc (pg_dump "+NewestPgDump+" or older) there.", what)
}

func textUnsafePath(n int, example string) string {
	return fmt.Sprintf("The archive has %s that point%s outside the archive (for example %q); unpacking it could overwrite files elsewhere. Backups from Mendix Cloud never do this: do not use this file, download the backup again from the Mendix Portal.",
		wording.Count(n, "entry", "entries"), wording.Plural(n, "s", ""), example)
}

func textSymlink(n int, example, target string) string {
	return fmt.Sprintf("The archive has %s (for example %q pointing to %q). Mendix backups hold only plain files, and links can expose or overwrite other files when unpacked. Download the backup again from the Mendix Portal, or make the archive again without links.",
		wording.Count(n, "symbolic link", "symbolic links"), example, target)
}

func textHardLink(n int, example, target string) string {
	return fmt.Sprintf("The archive has %s (for example %q linked to %q). Mendix backups hold only plain files. Download the backup again from the Mendix Portal, or make the archive again without links.",
		wording.Count(n, "hard link", "hard links"), example, target)
}

func textSpecialFile(n int, example, what string) string {
	return fmt.Sprintf("The archive has %s (for example %q, %s). Mendix backups hold only plain files and folders. Download the backup again from the Mendix Portal.",
		wording.Count(n, "entry that is not a plain file", "entries that are not plain files"), example, what)
}

// Notes: worth knowing, not blocking.

// noteDumpNewerThanUploads: a dump newer than Mendix Cloud takes for uploads, in a file
// that is not for upload (a downloaded backup, a local restore).
func noteDumpNewerThanUploads(h *DumpHeader) string {
	by := "a newer pg_dump"
	if m := pgMajor(h.PgDumpVersion); m != "" {
		by = "pg_dump " + m
	}
	return fmt.Sprintf("This dump was made by %s (archive version %s). That does not stop a download or a restore into your own PostgreSQL, whose pg_restore must read it; but uploaded to Mendix Cloud it would be refused: %s", by, h.Version(), mendixDumpLimits)
}

// noteBadMetadata: .metadata (sizes and model version, for information only) could not be
// read; the database is checked on its own, so this refuses nothing.
func noteBadMetadata(err error) string {
	return fmt.Sprintf("The .metadata file in the archive cannot be read (%v), so the backup's model version and sizes are unknown. The database in it is checked on its own.", err)
}

// noteMetadataFields: some .metadata values are not what Mendix writes; the rest is used.
func noteMetadataFields(err error) string {
	return fmt.Sprintf("Some values in the .metadata file are not what Mendix writes (%v); they are left out.", err)
}

func noteNameMismatch(ext, actual string) string {
	return fmt.Sprintf("The name ends in %q, but the file is %s; Restore Desk went by the content, not the name.", ext, actual)
}

func notePartialName() string {
	return "The name suggests a download that had not finished when the file was saved."
}

func noteGzipWrappedDump() string {
	return "The dump is wrapped in gzip. If Mendix Cloud rejects the upload, unpack it first (gunzip) and upload the .backup file inside."
}

func noteTrailingData() string {
	return "The file has extra bytes after the end of the compressed data; they were ignored."
}

func noteNoMetadata() string {
	return "The archive has no .metadata file; backups made by Mendix Cloud have one."
}

func noteMetadataDumpSize(meta, actual int64) string {
	return fmt.Sprintf(".metadata says the dump is %s bytes, but db/db.backup is %s bytes: the dump was probably replaced after the backup was made.", commaCount(meta), commaCount(actual))
}

func noteUnexpectedFiles(n int, example string) string {
	return fmt.Sprintf("The archive also has %s that Mendix Cloud does not use (for example %q).", wording.Count(n, "file", "files"), example)
}

func noteTreeLayout(n int, example string) string {
	return fmt.Sprintf("The archive has %s under tree/ that %s neither at tree/<id> nor at tree/ab/cd/<id> (for example %q).", wording.Count(n, "file", "files"), wording.Plural(n, "is", "are"), example)
}

// textDuplicateDatabase refuses an archive with more than one db/db.backup: one tool
// unpacking it keeps the first, another the last, so nobody can say which database a restore
// would bring back, and the check would vouch for a dump that is not the one restored.
func textDuplicateDatabase(n int) string {
	return fmt.Sprintf("The archive holds db/db.backup %d times, so it is not clear which database a restore would bring back: one program takes the first copy, another the last. Make the archive again with one db/db.backup, or restore the database-only backup (.backup) instead.", n)
}

// Helpers for the sentences.

// detail turns a dump walk error into a short phrase without the sentinel's prefix.
func detail(err error) string {
	s := err.Error()
	for _, prefix := range []string{ErrDumpTruncated.Error() + ": ", ErrDumpDamaged.Error() + ": "} {
		s = strings.TrimPrefix(s, prefix)
	}
	return s
}

// pgMajor returns the major version of a version string: "17" of "17.2 (Ubuntu ...)",
// "9.6" of "9.6.24".
func pgMajor(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, " ("); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) == 0 || parts[0] == "" {
		return ""
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil || n < 0 {
		return ""
	}
	if n < 10 && len(parts) > 1 { // before PostgreSQL 10 the major version had two parts
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}
