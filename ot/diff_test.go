package ot_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/tandem-editor/tandem/ot"
)

func TestDiffExamples(t *testing.T) {
	for _, tt := range []struct{ a, b, want string }{
		{"", "", "[]"},
		{"", "abc", `["abc"]`},
		{"abc", "", "[-3]"},
		{"hello world", "hello there world", `[6,"there ",5]`},
		{"aaa", "aa", "[2,-1]"},
		{"x😀y", "x😁y", `[1,"😁",-2,1]`},
		{"😀😀", "😀", "[2,-2]"},
	} {
		op := ot.Diff(tt.a, tt.b)
		if got, _ := op.MarshalJSON(); string(got) != tt.want {
			t.Errorf("Diff(%q, %q) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
}

// Diff(a, b) applied to a is b, for any two texts.
func TestDiffApplies(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := genText(t, "a", 40)
		b := genText(t, "b", 40)
		op := ot.Diff(a, b)
		if err := op.Err(); err != nil {
			t.Fatalf("Diff(%q, %q): %v", a, b, err)
		}
		got, err := op.Apply(a)
		if err != nil || got != b {
			t.Fatalf("Diff(%q, %q) = %v applies to %q, %v", a, b, op, got, err)
		}
	})
}
