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

func inspectChild(path string) int {
	rep, err := Inspect(context.Background(), path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
