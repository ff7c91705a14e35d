package client_test

import (
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/internal/gosource"
)

// TestImports keeps the client usable by outside tools: of the module's
// packages it imports only ot and api/protocol.
func TestImports(t *testing.T) {
	const module = "github.com/tandem-editor/tandem/"
	gosource.CheckImports(t, ".", func(path string) bool {
		return !strings.HasPrefix(path, module) || path == module+"ot" || path == module+"api/protocol"
	}, "the client may import only ot and api/protocol of this module")
}
