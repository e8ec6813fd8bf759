package backupdata

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// encodeCopyText escapes s as PostgreSQL's COPY TO writes text (CopyAttributeOutText).
func encodeCopyText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestDecodeTextEscapes: every escape COPY FROM accepts (pg_dump writes only some).
func TestDecodeTextEscapes(t *testing.T) {
	for raw, want := range map[string]string{
		`plain`:         "plain",
		`a\tb\nc\\d\re`: "a\tb\nc\\d\re",
		`\b\f\v`:        "\b\f\v",
		`\101\1012`:     "AA2",
		`\7\07\007x`:    "\a\a\ax",
		`\x41\x4\xg`:    "A\x04xg",
		`\x414`:         "A4",
		`\q\.\N`:        "q.N",
		`end\`:          `end\`,
		`Zoë 😀`:         "Zoë 😀",
		`\303\253`:      "ë",
		`\377`:          "\xff",
	} {
		if got := decodeText([]byte(raw)); got != want {
			t.Errorf("decodeText(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestSplitFieldsAndNull(t *testing.T) {
	got := splitFields(nil, []byte(`1\t2	\N	a\	b	`))
	var texts []string
	for _, f := range got {
		texts = append(texts, string(f))
	}
	if want := []string{`1\t2`, `\N`, "a\\\tb", ""}; !slices.Equal(texts, want) {
		t.Fatalf("fields %q, want %q", texts, want)
	}
	if !isNull(got[1]) || isNull([]byte(`\\N`)) || isNull(got[3]) {
		t.Error("NULL is exactly \\N")
	}
	if v := decodeValue([]byte(`\\x00ff10`), true, false); !v.Binary || v.Size != 3 || v.Text != "" {
		t.Errorf("hex bytea %+v", v)
	}
	if v := decodeValue([]byte(`ab\\\\\\001`), true, false); v.Size != 4 { // escape format: a b \\ \001
		t.Errorf("escape-format bytea %+v, want 4 bytes", v)
	}
}

func TestCopyColumns(t *testing.T) {
	for stmt, want := range map[string][]string{
		`COPY public."sales$order" (id, number, "Total ""net""", "a, b") FROM stdin;` + "\n": {"id", "number", `Total "net"`, "a, b"},
		`COPY public.t (id) FROM stdin;`:                   {"id"},
		`COPY "odd.schema"."x(y" (id, "from") FROM stdin;`: {"id", "from"},
		`COPY public.empty  FROM stdin;`:                   {},
	} {
		got, ok := copyColumns(stmt)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("copyColumns(%q) = %q, %v; want %q", stmt, got, ok, want)
		}
	}
	for _, bad := range []string{"", "SELECT 1", `COPY public."unterminated (id) FROM stdin;`, `COPY public.t (id, FROM stdin;`} {
		if _, ok := copyColumns(bad); ok {
			t.Errorf("copyColumns(%q) accepted", bad)
		}
	}
	types := definitionTypes("CREATE TABLE public.\"x$y\" (\n    id bigint NOT NULL,\n    \"Data\" bytea,\n    name character varying(200) DEFAULT 'a'::character varying,\n    CONSTRAINT c CHECK (true)\n);\n")
	if types["id"] != "bigint" || types["Data"] != "bytea" || types["name"] != "character varying(200)" || len(types) != 3 {
		t.Errorf("types %q", types)
	}
}

// FuzzDecodeCopyText feeds any bytes to the COPY text reading: it never panics, splits
// on exactly the unescaped tabs, and reads back any text as COPY TO would write it.
func FuzzDecodeCopyText(f *testing.F) {
	for _, s := range []string{"", `\N`, `1	\N	a\tb`, `\x4g\101\`, "Zoë\t😀", `\\x0a0b`, "\\", "a\\\tb", `\777\x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fields := splitFields(nil, data)
		if joined := bytes.Join(fields, []byte{'\t'}); !bytes.Equal(joined, data) {
			t.Fatalf("fields %q do not make up %q", fields, data)
		}
		if i := firstField(data); (i < 0) != (len(fields) == 1) || i >= 0 && i != len(fields[0]) {
			t.Fatalf("first field of %q ends at %d, fields %q", data, i, fields)
		}
		for _, raw := range fields {
			v := decodeValue(raw, false, false)
			if v.Null != isNull(raw) {
				t.Fatalf("NULL of %q: %v", raw, v.Null)
			}
			if len(v.Text) > len(raw) {
				t.Fatalf("decoding %q grew it to %q", raw, v.Text)
			}
			if b := decodeValue(raw, true, true); !b.Null && (b.Size < 0 || b.Size > int64(len(raw))) {
				t.Fatalf("bytea size %d of %q", b.Size, raw)
			}
			_, _ = plainInt(raw)
		}
		if utf8.Valid(data) {
			if got := decodeText([]byte(encodeCopyText(string(data)))); got != string(data) {
				t.Fatalf("round trip of %q gave %q", data, got)
			}
		}
		lr := newLineReader(bytes.NewReader(data))
		for {
			if _, err := lr.next(); err != nil {
				break
			}
		}
		_, _ = copyColumns(string(data))
		_ = definitionTypes(string(data))
	})
}
