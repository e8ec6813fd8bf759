package version

import (
	"os"
	"regexp"
	"runtime/debug"
	"testing"
)

// The default number is what a plain `go build` prints; it must not drift from the
// release FyneApp.toml (and so the packages) carries.
func TestDefaultNumberMatchesFyneAppToml(t *testing.T) {
	raw, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Version\s*=\s*"([^"]+)"`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("no Version in FyneApp.toml")
	}
	if number != string(m[1]) {
		t.Fatalf("core/version says %q, FyneApp.toml says %q: change both", number, m[1])
	}
}

func TestStringNamesTheCommit(t *testing.T) {
	settings := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "d20970a1b2c3d4e5f60718293a4b5c6d7e8f9012"},
		{Key: "vcs.modified", Value: "true"},
	}
	cases := []struct {
		info Info
		want string
	}{
		{fromSettings(Info{Number: "1.2.3"}, settings), "1.2.3 (commit d20970a1b2c3, modified)"},
		{fromSettings(Info{Number: "1.2.3"}, settings[:2]), "1.2.3 (commit d20970a1b2c3)"},
		{fromSettings(Info{Number: "1.2.3"}, nil), "1.2.3"},
	}
	for _, c := range cases {
		if got := c.info.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}
