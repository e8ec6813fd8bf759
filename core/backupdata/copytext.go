package backupdata

import (
	"bytes"
	"strings"
)

// Value is one decoded column value of a row.
type Value struct {
	Null bool
	// Text is the value as PostgreSQL prints it. For bytea, Size holds the number of bytes
	// and Text is empty (a picture's bytes are no use on a screen) unless the rows are read
	// for export (RowsOptions.KeepBinary), then it is the hex text, `\x89504e47…`.
	Text   string
	Binary bool
	Size   int64
}

// String is the value for a person: "NULL" is shown as empty, bytea as its size.
func (v Value) String() string {
	switch {
	case v.Null:
		return ""
	case v.Binary:
		return binaryText(v.Size)
	}
	return v.Text
}

// splitFields cuts one raw COPY text row (without its newline) into its raw fields, still
// escaped, appending to dst. A backslash escapes the byte after it, so a delimiter after a
// backslash belongs to the field, as in PostgreSQL's CopyReadAttributesText.
func splitFields(dst [][]byte, line []byte) [][]byte {
	start := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '\t':
			dst = append(dst, line[start:i])
			start = i + 1
		}
	}
	return append(dst, line[start:])
}

// isNull reports the NULL marker: the raw field is exactly `\N`.
func isNull(raw []byte) bool { return len(raw) == 2 && raw[0] == '\\' && raw[1] == 'N' }

// decodeText undoes COPY text escaping (PostgreSQL's CopyReadAttributesText): \b \f \n \r
// \t \v, one to three octal digits, \x and one or two hex digits, and a backslash before
// any other byte stands for that byte. A lone backslash at the end is kept.
func decodeText(raw []byte) string {
	i := bytes.IndexByte(raw, '\\')
	if i < 0 {
		return string(raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	b.Write(raw[:i])
	for ; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 == len(raw) {
			b.WriteByte(c)
			continue
		}
		i++
		c = raw[i]
		switch c {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(raw[i]-'0')
			}
			b.WriteByte(byte(v)) // PostgreSQL keeps the low byte of \777 too
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(raw) && isHex(raw[i+1]) {
				i++
				v = v*16 + hexVal(raw[i])
				n++
			}
			if n == 0 {
				b.WriteByte('x') // \x without digits is a plain x
			} else {
				b.WriteByte(byte(v))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// byteaSize is the number of bytes of a bytea value given as PostgreSQL prints it (after
// COPY decoding): hex (`\x0a1b`) or the old escape format (`\\` and `\ooo` are one byte).
func byteaSize(text string) int64 {
	if strings.HasPrefix(text, `\x`) {
		return int64(len(text)-2) / 2
	}
	var n int64
	for i := 0; i < len(text); i++ {
		if text[i] == '\\' {
			if i+1 < len(text) && text[i+1] == '\\' {
				i++
			} else {
				i += 3
			}
		}
		n++
	}
	return n
}

// decodeValue decodes one raw field of a column; keep keeps a bytea value's text.
func decodeValue(raw []byte, binary, keep bool) Value {
	if isNull(raw) {
		return Value{Null: true}
	}
	text := decodeText(raw)
	if binary {
		v := Value{Binary: true, Size: byteaSize(text)}
		if keep {
			v.Text = text
		}
		return v
	}
	return Value{Text: text}
}
