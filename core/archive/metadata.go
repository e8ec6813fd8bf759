package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxMetadataSize bounds how much of .metadata is read: the real one is about 120 bytes.
const maxMetadataSize = 1 << 20

// ParseMetadata reads the .metadata JSON of a full snapshot. Values may be strings (as
// Mendix writes them) or numbers; unknown keys are ignored. A value of another kind (an
// object, a list, a size that is no number) is left out and named in the error, the rest
// kept; the Metadata is nil only when data is not a JSON object at all.
func ParseMetadata(data []byte) (*Metadata, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("it holds a JSON %s, not an object", te.Value)
		}
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if raw == nil {
		return nil, errors.New("it holds null, not an object")
	}
	m := &Metadata{}
	var bad []string
	text := func(key string) (string, bool) {
		var v flexValue
		if r, ok := raw[key]; ok {
			if err := json.Unmarshal(r, &v); err != nil {
				bad = append(bad, fmt.Sprintf("%s is not a string or a number", key))
				return "", false
			}
		}
		return string(v), true
	}
	m.ModelVersion, _ = text("modelVersion")
	m.Duration, _ = text("duration")
	for _, f := range []struct {
		name string
		dst  *int64
	}{
		{"dumpSize", &m.DumpSize},
		{"databaseSize", &m.DatabaseSize},
		{"filesSize", &m.FilesSize},
	} {
		v, ok := text(f.name)
		if !ok || v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil { // JSON numbers may be written as 9.24e6
			fl, ferr := strconv.ParseFloat(v, 64)
			if ferr == nil && fl == float64(int64(fl)) {
				n, err = int64(fl), nil
			}
		}
		if err != nil || n < 0 {
			bad = append(bad, fmt.Sprintf("%s is %q, not a size in bytes", f.name, v))
			continue
		}
		*f.dst = n
	}
	if len(bad) > 0 {
		return m, errors.New(strings.Join(bad, "; "))
	}
	return m, nil
}

// flexValue accepts a JSON string or number (or null) and keeps its text.
type flexValue string

func (v *flexValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*v = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = flexValue(strings.TrimSpace(s))
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*v = flexValue(b)
	default:
		return errors.New("a value is neither a string nor a number")
	}
	return nil
}
