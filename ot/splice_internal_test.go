package ot

import (
	"testing"

	"pgregory.net/rapid"
)

// genAnyOp draws an operation of doc with any number of components, at
// character boundaries.
func genAnyOp(t *rapid.T, doc, label string) Operation {
	var units []int
	for _, r := range doc {
		units = append(units, runeUnits(r))
	}
	var o Operation
	i := 0
	for {
		kind := rapid.IntRange(0, 3).Draw(t, label+"-kind")
		if i == len(units) && kind != 2 {
			break
		}
		if kind == 2 {
			o.Insert(genEditText(t, label+"-ins", 1, 3))
			continue
		}
		k := rapid.IntRange(1, len(units)-i).Draw(t, label+"-n")
		n := 0
		for _, u := range units[i : i+k] {
			n += u
		}
		i += k
		if kind == 1 {
			o.Delete(n)
		} else {
			o.Retain(n)
		}
	}
	return o
}

// Transform of one insert against any operation, either way round, gives
// the walk's results.
func TestPropertyTransformInsertAgreesWithWalk(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genEditText(t, "doc", 0, 12)
		ins, other := genEdit(t, doc, "ins"), genAnyOp(t, doc, "other")
		a, b := ins, other
		if rapid.Bool().Draw(t, "swap") {
			a, b = other, ins
		}
		wantA, wantB, err := transformWalk(&a, &b)
		if err != nil {
			t.Fatal(err)
		}
		gotA, gotB, err := Transform(a, b)
		if err != nil {
			t.Fatal(err)
		}
		sameOp(t, "a'", gotA, wantA)
		sameOp(t, "b'", gotB, wantB)
	})
}

// Composing any operation with one insert gives the walk's result.
func TestPropertyComposeInsertAgreesWithWalk(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genEditText(t, "doc", 0, 12)
		a := genAnyOp(t, doc, "a")
		mid, err := a.Apply(doc)
		if err != nil {
			t.Fatal(err)
		}
		b := genEdit(t, mid, "b")
		want, err := composeWalk(&a, &b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Compose(a, b)
		if err != nil {
			t.Fatal(err)
		}
		sameOp(t, "compose", got, want)
	})
}
