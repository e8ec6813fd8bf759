package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"restoredesk/core/version"
)

// Support asks "which version do you run?": --version answers on stdout and exits 0.
func TestVersionFlagPrintsTheRelease(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{arg}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
		if code != exitOK {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, errOut.String())
		}
		want := "restorectl " + version.Get().Number
		if !strings.HasPrefix(out.String(), want) {
			t.Fatalf("%s printed %q, want it to start with %q", arg, out.String(), want)
		}
	}
}
