// Package gosource reads a package's own Go files for tests that hold the
// source to a rule: what it may import, what it must declare. Test files
// are left out; they may import what the package itself must not.
package gosource

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Files parses the non-test Go files of the package in dir, by file name.
func Files(t testing.TB, dir string, mode parser.Mode) map[string]*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, mode)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(name)] = f
	}
	return files
}

// CheckImports fails t for every import of the package in dir that allowed
// refuses.
func CheckImports(t testing.TB, dir string, allowed func(path string) bool, rule string) {
	t.Helper()
	for name, f := range Files(t, dir, parser.ImportsOnly) {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed(path) {
				t.Errorf("%s imports %s: %s", name, path, rule)
			}
		}
	}
}

// Standard reports whether path is a standard library package (its first
// element has no dot).
func Standard(path string) bool {
	return !strings.Contains(strings.Split(path, "/")[0], ".")
}
