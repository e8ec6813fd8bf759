// Package version says which Restore Desk this is: the release number the packages carry
// (FyneApp.toml's Version, set by the Makefile with -ldflags) and, when built from a git
// checkout, the commit it was built from.
package version

import (
	"runtime/debug"
	"strings"
)

// number is the release. The Makefile sets it from FyneApp.toml
// (-X restoredesk/core/version.number=...); the default keeps a plain `go build` honest
// and a test keeps it equal to FyneApp.toml.
var number = "0.1.0"

// commit is set by the Makefile's release builds (-X restoredesk/core/version.commit=...,
// or, for builds made by the fyne tool, a generated zz_release_stamp.go), which works even
// where GOFLAGS=-buildvcs=false; otherwise Go's own VCS stamp is used.
var commit string

// Website is where users find releases, help and the source.
const Website = "https://github.com/restoredesk/restoredesk"

// Info is one build's identity.
type Info struct {
	Number   string // e.g. "0.1.0"
	Commit   string // full git revision, "" when not built from git
	Modified bool   // the checkout had uncommitted changes
}

// Get reads the release number and the VCS stamp Go writes into every binary built from
// a git checkout (go build -buildvcs, the default).
func Get() Info {
	info := Info{Number: number}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info = fromSettings(info, bi.Settings)
	}
	if commit != "" {
		info.Commit, info.Modified = strings.TrimSuffix(commit, "-modified"), strings.HasSuffix(commit, "-modified")
	}
	return info
}

func fromSettings(info Info, settings []debug.BuildSetting) Info {
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is the one-line form --version prints and the About dialog shows:
// "0.1.0 (commit 1a2b3c4d5e6f)" or "0.1.0 (commit 1a2b3c4d5e6f, modified)" or "0.1.0".
func (i Info) String() string {
	if i.Commit == "" {
		return i.Number
	}
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	var b strings.Builder
	b.WriteString(i.Number + " (commit " + c)
	if i.Modified {
		b.WriteString(", modified")
	}
	b.WriteString(")")
	return b.String()
}
