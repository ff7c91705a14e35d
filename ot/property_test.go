package ot_test

import (
	"encoding/json"
	"testing"

	"pgregory.net/rapid"

	"github.com/tandem-editor/tandem/ot"
)

// alphabet mixes ASCII, multi-byte BMP and non-BMP characters so that
// surrogate pairs appear in every kind of position.
// The long ASCII piece makes runs that cross the eight-byte fast path.
var alphabet = []string{"a", "b", "c", " ", "\n", "é", "中", "😀", "𝄞", "\"", "\\", "0123456789abcdef"}

func genText(t *rapid.T, label string, maxRunes int) string {
	parts := rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, maxRunes).Draw(t, label)
	s := ""
	for _, p := range parts {
		s += p
	}
	return s
}

// genOp draws a random valid operation on doc. Its retains and deletes cover
// whole characters, so it never splits a surrogate pair.
func genOp(t *rapid.T, doc, label string) ot.Operation {
	var units []int
	for _, r := range doc {
		if r >= 0x10000 {
			units = append(units, 2)
		} else {
			units = append(units, 1)
		}
	}
	var o ot.Operation
	i := 0
	for {
		kind := rapid.IntRange(0, 3).Draw(t, label+"-kind")
		if i == len(units) && kind != 2 {
			break
		}
		// take draws how many characters the next retain or delete covers
		// and returns their length in UTF-16 units.
		take := func(what string) int {
			k := rapid.IntRange(1, len(units)-i).Draw(t, label+"-"+what)
			n := 0
			for _, u := range units[i : i+k] {
				n += u
			}
			i += k
			return n
		}
		switch kind {
		case 0, 3:
			o.Retain(take("retain"))
		case 1:
			o.Delete(take("delete"))
		case 2:
			o.Insert(genText(t, label+"-insert", 4))
		}
	}
	return o
}

func mustApply(t *rapid.T, o ot.Operation, doc string) string {
	got, err := o.Apply(doc)
	if err != nil {
		t.Fatalf("Apply(%v) to %q: %v", o, doc, err)
	}
	return got
}

func TestPropertyApplyLengths(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genText(t, "doc", 20)
		o := genOp(t, doc, "op")
		if o.BaseLen() != ot.UTF16Len(doc) {
			t.Fatalf("BaseLen %d, doc length %d", o.BaseLen(), ot.UTF16Len(doc))
		}
		if got := ot.UTF16Len(mustApply(t, o, doc)); got != o.TargetLen() {
			t.Fatalf("result length %d, TargetLen %d", got, o.TargetLen())
		}
	})
}

func TestPropertyTransformConverges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genText(t, "doc", 20)
		a := genOp(t, doc, "a")
		b := genOp(t, doc, "b")
		ap, bp, err := ot.Transform(a, b)
		if err != nil {
			t.Fatalf("Transform: %v", err)
		}
		left := mustApply(t, bp, mustApply(t, a, doc))
		right := mustApply(t, ap, mustApply(t, b, doc))
		if left != right {
			t.Fatalf("diverged: %q vs %q", left, right)
		}
		abp, err := ot.Compose(a, bp)
		if err != nil {
			t.Fatal(err)
		}
		bap, err := ot.Compose(b, ap)
		if err != nil {
			t.Fatal(err)
		}
		if !abp.Equal(bap) {
			t.Fatalf("compose(a, b') = %v, compose(b, a') = %v", abp, bap)
		}
	})
}

func TestPropertyComposeAgreesWithApply(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genText(t, "doc", 20)
		a := genOp(t, doc, "a")
		afterA := mustApply(t, a, doc)
		b := genOp(t, afterA, "b")
		ab, err := ot.Compose(a, b)
		if err != nil {
			t.Fatalf("Compose: %v", err)
		}
		if ab.BaseLen() != a.BaseLen() || ab.TargetLen() != b.TargetLen() {
			t.Fatalf("lengths %d→%d, want %d→%d", ab.BaseLen(), ab.TargetLen(), a.BaseLen(), b.TargetLen())
		}
		if got, want := mustApply(t, ab, doc), mustApply(t, b, afterA); got != want {
			t.Fatalf("apply(compose) = %q, apply(apply) = %q", got, want)
		}
	})
}

func TestPropertyInvertUndoes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genText(t, "doc", 20)
		o := genOp(t, doc, "op")
		inv, err := o.Invert(doc)
		if err != nil {
			t.Fatalf("Invert: %v", err)
		}
		if inv.BaseLen() != o.TargetLen() || inv.TargetLen() != o.BaseLen() {
			t.Fatalf("inverse lengths %d→%d for %d→%d", inv.BaseLen(), inv.TargetLen(), o.BaseLen(), o.TargetLen())
		}
		if got := mustApply(t, inv, mustApply(t, o, doc)); got != doc {
			t.Fatalf("undo gives %q, want %q", got, doc)
		}
	})
}

func TestPropertyJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := genOp(t, genText(t, "doc", 20), "op")
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back ot.Operation
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", data, err)
		}
		if !back.Equal(o) {
			t.Fatalf("round trip %s: got %v, want %v", data, back, o)
		}
	})
}

// Transforming a composition against b and transforming its parts one after
// the other both apply cleanly and give documents of the same length. The
// documents themselves may differ (as in ot.js): for doc "aaa", a1 = [3,"aa"],
// a2 = [-3,2] and b = [2,"b",1], the composition inserts "aa" before b's "b"
// while the parts leave it after.
func TestPropertyTransformComposeConsistent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genText(t, "doc", 20)
		a1 := genOp(t, doc, "a1")
		a2 := genOp(t, mustApply(t, a1, doc), "a2")
		b := genOp(t, doc, "b")
		a, err := ot.Compose(a1, a2)
		if err != nil {
			t.Fatal(err)
		}
		ap, _, err := ot.Transform(a, b)
		if err != nil {
			t.Fatal(err)
		}
		a1p, bp, err := ot.Transform(a1, b)
		if err != nil {
			t.Fatal(err)
		}
		a2p, _, err := ot.Transform(a2, bp)
		if err != nil {
			t.Fatal(err)
		}
		afterB := mustApply(t, b, doc)
		whole := mustApply(t, ap, afterB)
		parts := mustApply(t, a2p, mustApply(t, a1p, afterB))
		if ot.UTF16Len(whole) != ot.UTF16Len(parts) {
			t.Fatalf("transform(compose) gives %q, compose of transforms %q", whole, parts)
		}
	})
}

func TestPropertySelectionStaysInBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := genText(t, "doc", 20)
		o := genOp(t, doc, "op")
		n := ot.UTF16Len(doc)
		pos := rapid.IntRange(0, n)
		ranges := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) ot.Range {
			return ot.Range{Anchor: pos.Draw(t, "anchor"), Head: pos.Draw(t, "head")}
		}), 0, 4).Draw(t, "ranges")
		sel := ot.Selection{Ranges: ranges}
		if err := sel.Validate(n); err != nil {
			t.Fatalf("generated selection invalid: %v", err)
		}
		got := sel.Transform(o)
		if err := got.Validate(o.TargetLen()); err != nil {
			t.Fatalf("%+v transformed by %v: %v", sel, o, err)
		}
		for i, r := range got.Ranges {
			if (sel.Ranges[i].Anchor == sel.Ranges[i].Head) != (r.Anchor == r.Head) && sel.Ranges[i].Anchor == sel.Ranges[i].Head {
				t.Fatalf("cursor %+v became range %+v", sel.Ranges[i], r)
			}
		}
	})
}
