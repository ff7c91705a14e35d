package ot_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

func TestBuildersCanonicalForm(t *testing.T) {
	tests := []struct {
		name                 string
		op                   ot.Operation
		want                 []ot.Component
		wantBase, wantTarget int
	}{
		{"zero value", ot.Operation{}, []ot.Component{}, 0, 0},
		{"empty parts are no-ops", *new(ot.Operation).Retain(0).Insert("").Delete(0), []ot.Component{}, 0, 0},
		{"retains merge", build(2, 3), []ot.Component{{Retain: 5}}, 5, 5},
		{"inserts merge", build("abc", "xyz"), []ot.Component{{Insert: "abcxyz"}}, 0, 6},
		{"deletes merge", build(-1, -2), []ot.Component{{Delete: 3}}, 3, 0},
		{"negative and positive delete counts agree", *new(ot.Operation).Delete(2).Delete(-3), []ot.Component{{Delete: 5}}, 5, 0},
		{"insert goes before delete", build(1, -2, "ab"), []ot.Component{{Retain: 1}, {Insert: "ab"}, {Delete: 2}}, 3, 3},
		{"insert merges with insert before delete", build("x", -2, "y"), []ot.Component{{Insert: "xy"}, {Delete: 2}}, 2, 2},
		{"ot.js lengths", build(5, "abc", 2, -2), []ot.Component{{Retain: 5}, {Insert: "abc"}, {Retain: 2}, {Delete: 2}}, 9, 10},
		{"emoji insert counts two units", build("a😀b"), []ot.Component{{Insert: "a😀b"}}, 0, 4},
		{"chaining like ot.js", *new(ot.Operation).Retain(5).Retain(0).Insert("lorem").Insert("").Delete(3).Delete(3).Delete(0), []ot.Component{{Retain: 5}, {Insert: "lorem"}, {Delete: 6}}, 11, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.op.Components(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Components() = %+v, want %+v", got, tt.want)
			}
			if got := tt.op.BaseLen(); got != tt.wantBase {
				t.Errorf("BaseLen() = %d, want %d", got, tt.wantBase)
			}
			if got := tt.op.TargetLen(); got != tt.wantTarget {
				t.Errorf("TargetLen() = %d, want %d", got, tt.wantTarget)
			}
			if err := tt.op.Err(); err != nil {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

func TestBuilderInvalidArguments(t *testing.T) {
	tests := []struct {
		name string
		op   ot.Operation
		want error
	}{
		{"negative retain", *new(ot.Operation).Retain(-1), ot.ErrInvalidOp},
		{"min int delete", *new(ot.Operation).Delete(math.MinInt), ot.ErrInvalidOp},
		{"overflowing retain", *new(ot.Operation).Retain(math.MaxInt / 4).Retain(math.MaxInt / 4), ot.ErrInvalidOp},
		{"invalid UTF-8 insert", *new(ot.Operation).Insert("a\xffb"), ot.ErrInvalidText},
		{"UTF-8 encoded surrogate", *new(ot.Operation).Insert("\xed\xa0\x80"), ot.ErrInvalidText},
		{"error sticks", *new(ot.Operation).Retain(-1).Retain(2).Insert("x"), ot.ErrInvalidOp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op.Err(); !errors.Is(err, tt.want) {
				t.Fatalf("Err() = %v, want %v", err, tt.want)
			}
			if _, err := tt.op.Apply(""); !errors.Is(err, tt.want) {
				t.Errorf("Apply: err = %v, want %v", err, tt.want)
			}
			if _, err := tt.op.MarshalJSON(); !errors.Is(err, tt.want) {
				t.Errorf("MarshalJSON: err = %v, want %v", err, tt.want)
			}
			if _, err := ot.Compose(tt.op, ot.Operation{}); !errors.Is(err, tt.want) {
				t.Errorf("Compose: err = %v, want %v", err, tt.want)
			}
			if _, _, err := ot.Transform(ot.Operation{}, tt.op); !errors.Is(err, tt.want) {
				t.Errorf("Transform: err = %v, want %v", err, tt.want)
			}
			if _, err := tt.op.Invert(""); !errors.Is(err, tt.want) {
				t.Errorf("Invert: err = %v, want %v", err, tt.want)
			}
			if tt.op.IsNoop() {
				t.Errorf("IsNoop() = true for an invalid operation")
			}
		})
	}
}

func TestFromComponents(t *testing.T) {
	got, err := ot.FromComponents([]ot.Component{{Retain: 1}, {Retain: 2}, {Delete: 1}, {Insert: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := build(3, "x", -1); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range [][]ot.Component{{{}}, {{Retain: 1, Delete: 1}}, {{Retain: -1}}, {{Delete: -1}}, {{Insert: "\xff"}}} {
		if _, err := ot.FromComponents(bad); err == nil {
			t.Errorf("FromComponents(%+v): no error", bad)
		}
	}
}

func TestEqual(t *testing.T) {
	// From ot.js's testEquals.
	op1 := build(-1, "lo", 2, 3)
	op2 := *new(ot.Operation).Delete(-1).Insert("l").Insert("o").Retain(5)
	if !op1.Equal(op2) {
		t.Fatalf("%v and %v should be equal", op1, op2)
	}
	op1.Delete(1)
	op2.Retain(1)
	if op1.Equal(op2) {
		t.Fatalf("%v and %v should differ", op1, op2)
	}
}

func TestIsNoop(t *testing.T) {
	var o ot.Operation
	if !o.IsNoop() {
		t.Error("empty op is not a no-op")
	}
	o.Retain(5).Retain(3)
	if !o.IsNoop() {
		t.Error("retain is not a no-op")
	}
	o.Insert("lorem")
	if o.IsNoop() {
		t.Error("insert is a no-op")
	}
}

func TestString(t *testing.T) {
	got := build(2, "lorem", -5, 5).String()
	want := "retain 2, insert 'lorem', delete 5, retain 5"
	if got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCloneSharesNothing(t *testing.T) {
	a := build(5)
	c := a.Clone()
	c.Retain(1)
	if a.BaseLen() != 5 || a.Components()[0].Retain != 5 {
		t.Errorf("original changed: %v", a)
	}

	// An insert that grew by merging keeps growing in place; a clone must
	// not grow the same text.
	a = build("a", "b")
	c = a.Clone()
	c.Insert("x")
	a.Insert("y")
	if got, want := a.String(), "insert 'aby'"; got != want {
		t.Errorf("original = %s, want %s", got, want)
	}
	if got, want := c.String(), "insert 'abx'"; got != want {
		t.Errorf("clone = %s, want %s", got, want)
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"é", 1}, {"中文", 2}, {"a😀b", 4}, {"😀😀", 4}, {"\xff", 1},
	}
	for _, tt := range tests {
		if got := ot.UTF16Len(tt.s); got != tt.want {
			t.Errorf("UTF16Len(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}
