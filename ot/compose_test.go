package ot_test

import (
	"errors"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

func TestCompose(t *testing.T) {
	tests := []struct {
		name string
		a, b ot.Operation
		want ot.Operation
	}{
		{"empty", ot.Operation{}, ot.Operation{}, ot.Operation{}},
		{"inserts", build("ab"), build(2, "cd"), build("abcd")},
		{"delete what was inserted", build(2, "xyz", 1), build(2, -3, 1), build(3)},
		{"delete part of an insert", build("hello"), build(1, -3, 1), build("ho")},
		{"retain then delete", build(5), build(1, -2, 2), build(1, -2, 2)},
		{"delete then insert", build(-2, 3), build("ab", 3), build("ab", -2, 3)},
		{"split insert by retain", build("abcd"), build(2, "X", 2), build("abXcd")},
		{"emoji insert kept whole", build(1, "😀", 1), build(3, "!", 1), build(1, "😀!", 1)},
		{"emoji insert deleted whole", build(1, "😀", 1), build(1, -2, 1), build(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ot.Compose(tt.a, tt.b)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Compose(%v; %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestComposeErrors(t *testing.T) {
	tests := []struct {
		name string
		a, b ot.Operation
		want error
	}{
		{"length mismatch", build(3), build(4), ot.ErrBaseLength},
		{"insert changes target", build(3, "x"), build(3), ot.ErrBaseLength},
		{"retain splits inserted emoji", build("😀"), build(1, "x", 1), ot.ErrSurrogateSplit},
		{"delete splits inserted emoji", build("😀"), build(-1, 1), ot.ErrSurrogateSplit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ot.Compose(tt.a, tt.b); !errors.Is(err, tt.want) {
				t.Errorf("Compose err = %v, want %v", err, tt.want)
			}
		})
	}
}
