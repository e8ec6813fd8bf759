package explain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// flagInSentence finds a command-line flag inside a sentence ("… (--force)"); a bare
// argument such as "--no-owner" handed to a program is not a sentence.
var flagInSentence = regexp.MustCompile(`(^|[\s(])--[a-z]`)

// Core's words reach the desktop app too, so none may tell the user to run restorectl or
// to pass one of its flags: each front end names its own controls. This reads every
// string in core's code, so a new message that breaks the rule fails here, not in a
// user's dialog.
func TestCoreMessagesNameNoFrontEnd(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "pgtest") {
			return filepath.SkipDir // test fixtures and the throwaway test cluster
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.Contains(strings.TrimSpace(s), " ") {
				return true
			}
			if strings.Contains(s, "restorectl") || flagInSentence.MatchString(s) {
				t.Errorf("%s: a core message names a front end: %q", fset.Position(lit.Pos()), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
