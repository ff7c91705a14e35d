package ot_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

func cursor(p int) ot.Range { return ot.Range{Anchor: p, Head: p} }

func TestSelectionTransform(t *testing.T) {
	tests := []struct {
		name string
		in   ot.Selection
		op   ot.Operation
		want ot.Selection
	}{
		// The two cases of ot.js's test-selection.js.
		{"ot.js: insert and delete", ot.Selection{Ranges: []ot.Range{{3, 7}}}, build(3, "lorem", -2, 42), ot.Selection{Ranges: []ot.Range{{8, 10}}}},
		{"ot.js: delete all", ot.Selection{Ranges: []ot.Range{{3, 7}}}, build(-45), ot.Selection{Ranges: []ot.Range{cursor(0)}}},
		{"insert at cursor pushes it", ot.Selection{Ranges: []ot.Range{cursor(2)}}, build(2, "ab", 1), ot.Selection{Ranges: []ot.Range{cursor(4)}}},
		{"insert after cursor leaves it", ot.Selection{Ranges: []ot.Range{cursor(2)}}, build(3, "ab"), ot.Selection{Ranges: []ot.Range{cursor(2)}}},
		{"cursor in deleted text moves to its start", ot.Selection{Ranges: []ot.Range{cursor(3)}}, build(1, -4, 1), ot.Selection{Ranges: []ot.Range{cursor(1)}}},
		{"reversed range", ot.Selection{Ranges: []ot.Range{{7, 3}}}, build("xx", 10), ot.Selection{Ranges: []ot.Range{{9, 5}}}},
		{"emoji counts two", ot.Selection{Ranges: []ot.Range{cursor(1)}}, build("😀", 1), ot.Selection{Ranges: []ot.Range{cursor(3)}}},
		{"several ranges", ot.Selection{Ranges: []ot.Range{cursor(0), {1, 2}}}, build(1, -1, 1), ot.Selection{Ranges: []ot.Range{cursor(0), {1, 1}}}},
		{"empty ranges stay empty", ot.Selection{Ranges: []ot.Range{}}, build(1), ot.Selection{Ranges: []ot.Range{}}},
		{"nil ranges stay nil", ot.Selection{}, build(1), ot.Selection{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Transform(tt.op); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Transform = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSelectionValidate(t *testing.T) {
	tests := []struct {
		name   string
		in     ot.Selection
		docLen int
		ok     bool
	}{
		{"no ranges", ot.Selection{}, 0, true},
		{"cursor at end", ot.Selection{Ranges: []ot.Range{cursor(5)}}, 5, true},
		{"range", ot.Selection{Ranges: []ot.Range{{0, 5}, {3, 1}}}, 5, true},
		{"past the end", ot.Selection{Ranges: []ot.Range{cursor(6)}}, 5, false},
		{"negative anchor", ot.Selection{Ranges: []ot.Range{{-1, 0}}}, 5, false},
		{"negative head", ot.Selection{Ranges: []ot.Range{{0, -1}}}, 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate(tt.docLen)
			if tt.ok && err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !tt.ok && !errors.Is(err, ot.ErrInvalidSelection) {
				t.Errorf("Validate err = %v, want ErrInvalidSelection", err)
			}
		})
	}
}

func TestSelectionJSON(t *testing.T) {
	var s ot.Selection
	if err := json.Unmarshal([]byte(`{"ranges":[{"anchor":3,"head":5},{"anchor":11,"head":23}]}`), &s); err != nil {
		t.Fatal(err)
	}
	want := ot.Selection{Ranges: []ot.Range{{3, 5}, {11, 23}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}
