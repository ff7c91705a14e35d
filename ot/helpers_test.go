package ot_test

import (
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// build makes an operation from ot.js-style components: a positive int
// retains, a negative int deletes, a string inserts.
func build(parts ...any) ot.Operation {
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
			panic("build: unexpected part")
		}
	}
	return o
}

// repeatOp builds the operation whose components are parts, n times over.
func repeatOp(n int, parts ...any) ot.Operation {
	all := make([]any, 0, n*len(parts))
	for range n {
		all = append(all, parts...)
	}
	return build(all...)
}

// parse decodes an operation's JSON or fails the test.
func parse(t testing.TB, s string) ot.Operation {
	t.Helper()
	var o ot.Operation
	if err := o.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatalf("UnmarshalJSON(%s): %v", s, err)
	}
	return o
}

// marshal encodes an operation or fails the test.
func marshal(t testing.TB, o ot.Operation) string {
	t.Helper()
	b, err := o.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON(%v): %v", o, err)
	}
	return string(b)
}
