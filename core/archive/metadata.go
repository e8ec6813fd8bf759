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
// Mendix writes them) or numbers; unknown keys are ignored.
func ParseMetadata(data []byte) (*Metadata, error) {
	var raw struct {
		Duration     flexValue `json:"duration"`
		DumpSize     flexValue `json:"dumpSize"`
		ModelVersion flexValue `json:"modelVersion"`
		DatabaseSize flexValue `json:"databaseSize"`
		FilesSize    flexValue `json:"filesSize"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	m := &Metadata{ModelVersion: string(raw.ModelVersion), Duration: string(raw.Duration)}
	for _, f := range []struct {
		name string
		v    flexValue
		dst  *int64
	}{
		{"dumpSize", raw.DumpSize, &m.DumpSize},
		{"databaseSize", raw.DatabaseSize, &m.DatabaseSize},
		{"filesSize", raw.FilesSize, &m.FilesSize},
	} {
		if f.v == "" {
			continue
		}
		n, err := strconv.ParseInt(string(f.v), 10, 64)
		if err != nil { // JSON numbers may be written as 9.24e6
			fl, ferr := strconv.ParseFloat(string(f.v), 64)
			if ferr == nil && fl == float64(int64(fl)) {
				n, err = int64(fl), nil
			}
		}
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s is %q, not a size in bytes", f.name, string(f.v))
		}
		*f.dst = n
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
