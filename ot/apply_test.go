package ot_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name, doc string
		op        ot.Operation
		want      string
	}{
		{"empty no-op", "", ot.Operation{}, ""},
		{"retain all", "abc", build(3), "abc"},
		{"protocol example", "abcdefghij", build(3, "xy", -2, 5), "abcxyfghij"},
		{"insert into empty", "", build("hello"), "hello"},
		{"delete all", "hello", build(-5), ""},
		{"retain over emoji", "a😀b", build(3, "!", 1), "a😀!b"},
		{"delete emoji", "a😀b", build(1, -2, 1), "ab"},
		{"insert emoji", "ab", build(1, "😀", 1), "a😀b"},
		{"multi-byte BMP", "héllo", build(1, -1, "e", 3), "hello"},
		{"replace around emoji", "😀😀😀", build(2, -2, "x", 2), "😀x😀"},
		{"long ASCII runs", strings.Repeat("a", 17) + "😀" + strings.Repeat("b", 9), build(19, -9, "c"), strings.Repeat("a", 17) + "😀c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.op.Apply(tt.doc)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if got != tt.want {
				t.Errorf("Apply(%q) = %q, want %q", tt.doc, got, tt.want)
			}
			if n := ot.UTF16Len(got); n != tt.op.TargetLen() {
				t.Errorf("result length %d, TargetLen %d", n, tt.op.TargetLen())
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		op        ot.Operation
		want      error
	}{
		{"too short", "abc", build(2), ot.ErrBaseLength},
		{"too long", "abc", build(4), ot.ErrBaseLength},
		{"no-op on non-empty", "abc", ot.Operation{}, ot.ErrBaseLength},
		{"emoji counts two", "a😀b", build(3), ot.ErrBaseLength},
		{"retain splits emoji", "a😀b", build(2, -2), ot.ErrSurrogateSplit},
		{"delete splits emoji", "a😀b", build(1, -1, 2), ot.ErrSurrogateSplit},
		{"insert inside emoji", "a😀b", build(2, "x", 2), ot.ErrSurrogateSplit},
		{"delete second half", "😀", build(1, -1), ot.ErrSurrogateSplit},
		{"length mismatch wins over split", "a😀b", build(2, 1), ot.ErrBaseLength},
		{"split after a long ASCII run", strings.Repeat("a", 17) + "😀" + strings.Repeat("b", 9), build(18, -10), ot.ErrSurrogateSplit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.op.Apply(tt.doc)
			if !errors.Is(err, tt.want) {
				t.Errorf("Apply(%q) err = %v, want %v", tt.doc, err, tt.want)
			}
		})
	}
}
