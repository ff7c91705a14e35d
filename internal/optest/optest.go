// Package optest builds operations for tests, in ot.js's notation. It is
// the one copy the test packages of ot, services and client share.
package optest

import (
	"fmt"

	"github.com/tandem-editor/tandem/ot"
)

// Build makes an operation from ot.js-style components: a positive int
// retains, a negative int deletes, a string inserts. It panics on any other
// part, and on an operation its builder refuses.
func Build(parts ...any) ot.Operation {
	var o ot.Operation
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			if v > 0 {
				o.Retain(v)
			} else {
				o.Delete(v)
			}
		case string:
			o.Insert(v)
		default:
			panic(fmt.Sprintf("optest.Build: unexpected part %T", p))
		}
	}
	if err := o.Err(); err != nil {
		panic(fmt.Sprintf("optest.Build: %v", err))
	}
	return o
}

// InsertAt is the operation inserting s at pos in a document of docLen
// UTF-16 units.
func InsertAt(docLen, pos int, s string) ot.Operation {
	return Build(pos, s, docLen-pos)
}
