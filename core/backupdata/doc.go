// Package backupdata owns what is inside a backup's database dump: its entities and their
// row counts (ListEntities), an entity's rows (OpenRows, with a search), what changed
// between two backups of one app (Compare) and the changed rows as CSV (WriteCSV). It
// reads a custom-format dump (.backup) or a full snapshot (.tar.gz holding db/db.backup)
// straight from the file, in the order the file holds it, through core/archive's dump
// walk (archive.DumpData); no PostgreSQL server is needed.
//
// Rows are the dump's COPY text: one line a row, values separated by tabs, NULL written
// as \N and tabs, newlines and backslashes escaped (decodeText). Entities are named as
// Mendix names them, from the dump's mendixsystem$entity table when it has one.
//
// # Memory
//
// ListEntities and OpenRows hold one row at a time (at most 16 MiB of it: longer rows are
// cut for display, never for comparing) and a few fixed buffers, whatever the dump's size.
//
// Compare reads both backups at once, one goroutine each, and keeps per row a 16-byte
// fingerprint: a key (the id, or for a table without an id the hash of the whole row)
// and a 64-bit hash of the row's values (hash/maphash). Each backup's fingerprints live
// in MemoryBudget/2 bytes of fixed chunks (32 MiB, 2 million rows, by default), each
// sorted when full. When all chunks are taken, every table's chunks are merged into a
// sorted run file in TempDir and the chunks are reused, so memory never holds more than
// the budget's chunks, which are never grown or copied. After the reading, each table is
// joined on its own by merging its runs and chunks of both backups, 32 KiB of buffer per
// run file: a table has at most one run per 2 million of its rows, plus one, so even a
// table of a billion rows in both backups needs some 32 MiB to join. Memory therefore
// stays near MemoryBudget plus two row buffers and two decompressors (BenchmarkCompare-
// Backups measures it), and the temporary files hold 16 bytes per row of both backups at
// most. Equal rows pair up in the merge without being kept; the keys of the rows that
// differ go to one file per entity and kind, from which WriteCSV reads them back in
// slices of MemoryBudget/32 keys, reading the backup once per slice.
//
// Two rows count as equal when their COPY text (their common columns, when an attribute
// was added or removed) hashes alike: a real change goes unnoticed with a chance of 1 in
// 2^64 per row. A table without an id column is compared as a multiset of whole rows, so
// an edited row is one deleted and one added, never "changed".
package backupdata
