package client_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the client usable by outside tools: of the module's
// packages it imports only ot and api/protocol.
func TestImports(t *testing.T) {
	const module = "github.com/tandem-editor/tandem/"
	allowed := map[string]bool{module + "ot": true, module + "api/protocol": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, module) && !allowed[path] {
				t.Errorf("%s imports %s: the client may import only ot and api/protocol of this module", name, path)
			}
		}
	}
}
