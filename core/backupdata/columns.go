package backupdata

import (
	"fmt"
	"strings"

	"restoredesk/core/progress"
)

// Column is one column of a table as the dump describes it.
type Column struct {
	Name string `json:"name"`
	// Type is the SQL type from the table's definition ("bigint", "character varying(200)"),
	// "" when the dump has no definition for the table.
	Type string `json:"type,omitempty"`
}

// binary reports a bytea column, whose values are shown by size.
func (c Column) binary() bool { return c.Type == "bytea" }

func binaryText(n int64) string { return fmt.Sprintf("(binary, %s)", progress.Size(n)) }

// copyColumns reads the column names of a COPY statement as pg_dump writes it:
// `COPY schema."table" (id, "number", total) FROM stdin;`. ok is false when the statement
// is not in that shape.
func copyColumns(stmt string) (cols []string, ok bool) {
	s, found := strings.CutPrefix(stmt, "COPY ")
	if !found {
		return nil, false
	}
	// The qualified table name: identifiers, quoted ones may hold anything.
	for {
		var rest string
		if _, rest, ok = cutIdent(s); !ok {
			return nil, false
		}
		s = rest
		if !strings.HasPrefix(s, ".") {
			break
		}
		s = s[1:]
	}
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, "FROM ") {
		return []string{}, true // a table without columns
	}
	if !strings.HasPrefix(s, "(") {
		return nil, false
	}
	s = s[1:]
	for {
		s = strings.TrimLeft(s, " ")
		name, rest, ok := cutIdent(s)
		if !ok {
			return nil, false
		}
		cols = append(cols, name)
		rest = strings.TrimLeft(rest, " ")
		switch {
		case strings.HasPrefix(rest, ","):
			s = rest[1:]
		case strings.HasPrefix(rest, ")"):
			return cols, true
		default:
			return nil, false
		}
	}
}

// cutIdent reads one SQL identifier from the start of s: "quoted" (with "" for a quote)
// or plain, and returns it with the rest of s.
func cutIdent(s string) (ident, rest string, ok bool) {
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '"' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			return b.String(), s[i+1:], true
		}
		return "", "", false
	}
	i := strings.IndexAny(s, " .,()\"")
	if i < 0 {
		i = len(s)
	}
	if i == 0 {
		return "", "", false
	}
	return s[:i], s[i:], true
}

// definitionTypes reads the column types of a CREATE TABLE statement as pg_dump writes it,
// one column a line: `    name type [NOT NULL] [DEFAULT …],`. Lines it does not
// understand (constraints) are left out.
func definitionTypes(def string) map[string]string {
	open := strings.Index(def, "(\n")
	if open < 0 {
		return nil
	}
	types := map[string]string{}
	for line := range strings.SplitSeq(def[open+2:], "\n") {
		if !strings.HasPrefix(line, "    ") {
			break // the closing ")" and what follows
		}
		line = strings.TrimSuffix(strings.TrimSpace(line), ",")
		name, rest, ok := cutIdent(line)
		if !ok || name == "CONSTRAINT" || !strings.HasPrefix(rest, " ") {
			continue
		}
		typ := strings.TrimSpace(rest)
		for _, stop := range []string{" NOT NULL", " DEFAULT ", " COLLATE ", " GENERATED ", " CONSTRAINT "} {
			if i := strings.Index(typ, stop); i >= 0 {
				typ = typ[:i]
			}
		}
		types[name] = typ
	}
	return types
}

// tableColumns is the columns of a table: names from the COPY statement, types from the
// definition when it has them.
func tableColumns(copyStmt, definition string) ([]Column, error) {
	names, ok := copyColumns(copyStmt)
	if !ok {
		return nil, fmt.Errorf("%w: the statement that loads a table's rows is not understood: %.200q", ErrDamaged, copyStmt)
	}
	types := definitionTypes(definition)
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: types[n]}
	}
	return cols, nil
}
