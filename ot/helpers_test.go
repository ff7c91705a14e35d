package ot_test

import (
	"testing"

	"github.com/tandem-editor/tandem/internal/optest"
	"github.com/tandem-editor/tandem/ot"
)

var build = optest.Build

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
