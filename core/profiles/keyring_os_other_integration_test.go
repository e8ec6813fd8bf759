//go:build integration && !windows

package profiles

import (
	"os/exec"
	"testing"
)

const osStoreName = "Secret Service (secret-tool)"

// inOSStore asks the Secret Service through secret-tool for the item go-keyring writes
// (attributes service and username).
func inOSStore(t *testing.T, profile string) bool {
	t.Helper()
	tool, err := exec.LookPath("secret-tool")
	if err != nil {
		t.Fatal("secret-tool is missing: run `make deps`")
	}
	out, err := exec.Command(tool, "lookup", "service", KeyringService, "username", profile).Output()
	return err == nil && len(out) > 0
}

// flushOSStore: gnome-keyring writes its collection file on every change.
func flushOSStore(*testing.T) {}
