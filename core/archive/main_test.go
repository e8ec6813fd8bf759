package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// childEnv makes the test binary inspect one file and exit, so a benchmark can measure
// the peak memory of Inspect alone in a fresh process.
const childEnv = "RESTOREDESK_ARCHIVE_INSPECT_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(inspectChild(path))
	}
	code := m.Run()
	removeBenchData()
	os.Exit(code)
}

// childResult is what the child prints: its peak resident memory (0 where it cannot be
// measured) and the report.
type childResult struct {
	PeakRSS int64   `json:"peak_rss"`
	Report  *Report `json:"report"`
}

func inspectChild(path string) int {
	rep, err := Inspect(context.Background(), path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	peak, _ := peakRSS()
	if err := json.NewEncoder(os.Stdout).Encode(childResult{PeakRSS: peak, Report: rep}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
