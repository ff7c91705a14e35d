package ot

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// editPieces mixes ASCII, BMP and non-BMP text, so that edits meet
// surrogate pairs in documents and in inserted text.
var editPieces = []string{"a", "b", " ", "\n", "é", "中", "😀", "𝄞", "0123456789"}

func genEditText(t *rapid.T, label string, min, max int) string {
	s := ""
	for _, p := range rapid.SliceOfN(rapid.SampledFrom(editPieces), min, max).Draw(t, label) {
		s += p
	}
	return s
}

// genEdit draws one edit of doc: an insert, a delete, both, or nothing, at
// character boundaries (the walk itself is tested on splits elsewhere).
func genEdit(t *rapid.T, doc, label string) Operation {
	var offs []int // UTF-16 offset of each character boundary
	n := 0
	for _, r := range doc {
		offs = append(offs, n)
		n += runeUnits(r)
	}
	offs = append(offs, n)
	at := rapid.IntRange(0, len(offs)-1).Draw(t, label+"-at")
	del := 0
	ins := ""
	switch rapid.IntRange(0, 4).Draw(t, label+"-kind") {
	case 0, 1:
		ins = genEditText(t, label+"-ins", 1, 4)
	case 2, 3:
		del = rapid.IntRange(0, len(offs)-1-at).Draw(t, label+"-del")
	case 4:
		ins = genEditText(t, label+"-ins", 0, 3)
		del = rapid.IntRange(0, len(offs)-1-at).Draw(t, label+"-del")
	}
	var o Operation
	o.Retain(offs[at]).Insert(ins).Delete(offs[at+del] - offs[at]).Retain(n - offs[at+del])
	if err := o.Err(); err != nil {
		t.Fatal(err)
	}
	return o
}

func sameOp(t *rapid.T, what string, got, want Operation) {
	if !got.Equal(want) {
		t.Fatalf("%s: fast path gives %v, the walk %v", what, got, want)
	}
}

func TestPropertyTransformEditsAgreesWithWalk(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genEditText(t, "doc", 0, 12)
		a, b := genEdit(t, doc, "a"), genEdit(t, doc, "b")
		ea, okA := a.asEdit()
		eb, okB := b.asEdit()
		if !okA || !okB {
			t.Fatalf("%v or %v is not one edit", a, b)
		}
		wantA, wantB, err := transformWalk(&a, &b)
		if err != nil {
			t.Fatal(err)
		}
		var ap, bp Operation
		if transformEdits(ea, eb, a.baseLen, &ap, &bp) {
			sameOp(t, "a'", ap, wantA)
			sameOp(t, "b'", bp, wantB)
		}
	})
}

func TestPropertyComposeEditsAgreesWithWalk(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genEditText(t, "doc", 0, 12)
		a := genEdit(t, doc, "a")
		mid, err := a.Apply(doc)
		if err != nil {
			t.Fatal(err)
		}
		b := genEdit(t, mid, "b")
		ea, _ := a.asEdit()
		eb, _ := b.asEdit()
		want, err := composeWalk(&a, &b)
		if err != nil {
			t.Fatal(err)
		}
		var ab Operation
		if composeEdits(ea, eb, a.baseLen, &ab) {
			sameOp(t, "compose", ab, want)
		}
	})
}

// The fast paths must also agree where b splits a surrogate pair that a
// inserted: they leave that to the walk, which reports it.
func TestComposeEditsLeavesSplitsToTheWalk(t *testing.T) {
	var a, b Operation
	a.Retain(1).Insert("😀").Retain(1)
	b.Retain(2).Insert("x").Retain(2)
	if _, err := Compose(a, b); err == nil {
		t.Fatalf("Compose(%v, %v) splits a surrogate pair without an error", a, b)
	}
	var c Operation
	c.Retain(2).Delete(1).Retain(1)
	if _, err := Compose(a, c); err == nil {
		t.Fatalf("Compose(%v, %v) splits a surrogate pair without an error", a, c)
	}
	var long, d Operation // not one edit: spliceInsert's case
	long.Retain(1).Insert("😀").Retain(1).Insert("x").Retain(1)
	d.Retain(2).Insert("y").Retain(4)
	if _, err := Compose(long, d); !errors.Is(err, ErrSurrogateSplit) {
		t.Fatalf("Compose(%v, %v) = %v, want ErrSurrogateSplit", long, d, err)
	}
}
