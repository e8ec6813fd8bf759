package archive

import (
	"fmt"
	"io"
	"strings"

	"github.com/dustin/go-humanize"

	"restoredesk/core/progress"
)

// Label is how a kind reads for people, in every front end.
func (k Kind) Label() string {
	switch k {
	case KindFullSnapshot:
		return "Full snapshot (database and files)"
	case KindDatabaseOnly:
		return "Database only"
	case KindFilesOnly:
		return "Files only"
	}
	return "Not a backup Restore Desk recognises"
}

// WriteText writes the report for people: what the file is, whether Mendix Cloud can
// restore it, each problem with what to do, then the details.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-19s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	line("File", "%s", r.Path)
	line("Kind", "%s", r.Kind.Label())
	if r.Restorable {
		line("Verdict", "restorable on Mendix Cloud")
	} else {
		line("Verdict", "NOT restorable on Mendix Cloud")
	}
	if len(r.Problems) > 0 {
		b.WriteString("\nProblems:\n")
		for i, p := range r.Problems {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, p)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}

	if r.ArchiveVersion != "" || r.DatabaseName != "" || r.PgDumpVersion != "" || r.ServerVersion != "" {
		b.WriteString("\nDatabase dump:\n")
		if r.DatabaseName != "" {
			line("  Database", "%s", r.DatabaseName)
		}
		if !r.DumpedAt.IsZero() {
			line("  Dumped at", "%s (local time of the machine that made it)", r.DumpedAt.Format("2006-01-02 15:04:05"))
		}
		if r.ServerVersion != "" {
			line("  Server", "PostgreSQL %s", r.ServerVersion)
		}
		if r.PgDumpVersion != "" {
			line("  pg_dump", "%s", r.PgDumpVersion)
		}
		if r.ArchiveVersion != "" {
			details := []string{}
			if r.Format != "" {
				details = append(details, r.Format+" format")
			}
			if r.Compression != "" {
				details = append(details, "compression: "+r.Compression)
			}
			if len(details) > 0 {
				line("  Archive version", "%s (%s)", r.ArchiveVersion, strings.Join(details, ", "))
			} else {
				line("  Archive version", "%s", r.ArchiveVersion)
			}
		} else if r.Format != "" {
			line("  Format", "%s", r.Format)
		}
		if r.TableCount > 0 {
			line("  Tables", "%s", humanize.Comma(int64(r.TableCount)))
		}
		if r.RowsCounted {
			line("  Rows", "%s in %s tables with data", humanize.Comma(r.TotalRows()), humanize.Comma(int64(len(r.Tables))))
		}
		if r.DumpSize > 0 {
			line("  Dump size", "%s", sizeText(r.DumpSize))
		}
	}

	b.WriteString("\nContents:\n")
	if r.ModelVersion != "" {
		line("  Model version", "%s", r.ModelVersion)
	}
	line("  Files", "%s", humanize.Comma(int64(r.FileCount)))
	if r.TreeFileCount > 0 {
		layout := ""
		if r.TreeLayout != "" {
			layout = ", " + r.TreeLayout + " layout"
		}
		line("  File documents", "%s%s", humanize.Comma(int64(r.TreeFileCount)), layout)
	}
	line("  Size", "%s", sizeText(r.CompressedSize))
	if r.UncompressedSize > 0 && r.UncompressedSize != r.CompressedSize {
		line("  Unpacked size", "%s", sizeText(r.UncompressedSize))
	}
	if r.SHA256 != "" {
		line("  SHA-256", "%s", r.SHA256)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sizeText is a size for people with the exact byte count beside it.
func sizeText(n int64) string {
	return fmt.Sprintf("%s (%s bytes)", byteCount(n), commaCount(n))
}

func byteCount(n int64) string { return progress.Size(max(n, 0)) }

func commaCount(n int64) string { return humanize.Comma(n) }
