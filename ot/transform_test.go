package ot_test

import (
	"errors"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

func TestTransform(t *testing.T) {
	tests := []struct {
		name                   string
		a, b                   ot.Operation
		wantAPrime, wantBPrime ot.Operation
	}{
		{"both empty", ot.Operation{}, ot.Operation{}, ot.Operation{}, ot.Operation{}},
		{"tie: a's insert first", build("a"), build("b"), build("a", 1), build(1, "b")},
		{"tie in the middle", build(2, "X", 1), build(2, "Y", 1), build(2, "X", 2), build(3, "Y", 1)},
		{"tie with b first in the call", build(2, "Y", 1), build(2, "X", 1), build(2, "Y", 2), build(3, "X", 1)},
		{"insert inside concurrent delete", build(1, "x", 2), build(-3), build("x"), build(-1, 1, -2)},
		{"same delete", build(1, -2), build(1, -2), build(1), build(1)},
		{"overlapping deletes", build(-2, 2), build(1, -2, 1), build(-1, 1), build(-1, 1)},
		{"typical pair", build(10, "a", 5), build(12, -1, 2), build(10, "a", 4), build(13, -1, 2)},
		{"insert inside deleted range survives", build(2, "z", 2), build(1, -3), build(1, "z"), build(1, -1, 1, -2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ap, bp, err := ot.Transform(tt.a, tt.b)
			if err != nil {
				t.Fatalf("Transform: %v", err)
			}
			if !ap.Equal(tt.wantAPrime) {
				t.Errorf("a' = %v, want %v", ap, tt.wantAPrime)
			}
			if !bp.Equal(tt.wantBPrime) {
				t.Errorf("b' = %v, want %v", bp, tt.wantBPrime)
			}
		})
	}
}

func TestTransformTieBreakConverges(t *testing.T) {
	doc := "ab"
	a, b := build(1, "X", 1), build(1, "Y", 1)
	ap, bp, err := ot.Transform(a, b)
	if err != nil {
		t.Fatal(err)
	}
	left := applyAll(t, doc, a, bp)
	right := applyAll(t, doc, b, ap)
	if left != "aXYb" || right != "aXYb" {
		t.Errorf("got %q and %q, want both %q", left, right, "aXYb")
	}
}

func TestTransformBaseLength(t *testing.T) {
	if _, _, err := ot.Transform(build(3), build(4)); !errors.Is(err, ot.ErrBaseLength) {
		t.Errorf("err = %v, want ErrBaseLength", err)
	}
}

// applyAll applies ops in turn to doc or fails the test.
func applyAll(t testing.TB, doc string, ops ...ot.Operation) string {
	t.Helper()
	for _, o := range ops {
		var err error
		if doc, err = o.Apply(doc); err != nil {
			t.Fatalf("Apply(%v): %v", o, err)
		}
	}
	return doc
}
