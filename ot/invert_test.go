package ot_test

import (
	"errors"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

func TestInvert(t *testing.T) {
	tests := []struct {
		name, doc string
		op, want  ot.Operation
	}{
		{"empty", "", ot.Operation{}, ot.Operation{}},
		{"insert becomes delete", "abc", build(1, "xy", 2), build(1, -2, 2)},
		{"delete becomes insert", "abc", build(1, -2), build(1, "bc")},
		{"emoji delete restored", "a😀b", build(1, -2, 1), build(1, "😀", 1)},
		{"replace", "hello", build(-5, "bye"), build("hello", -3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.op.Invert(tt.doc)
			if err != nil {
				t.Fatalf("Invert: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Invert = %v, want %v", got, tt.want)
			}
			if back := applyAll(t, tt.doc, tt.op, got); back != tt.doc {
				t.Errorf("undo gives %q, want %q", back, tt.doc)
			}
		})
	}
}

func TestInvertErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		op        ot.Operation
		want      error
	}{
		{"base length", "abc", build(-2), ot.ErrBaseLength},
		{"splits emoji", "a😀", build(2, -1), ot.ErrSurrogateSplit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.op.Invert(tt.doc); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
