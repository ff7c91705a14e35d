package ot_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandem-editor/tandem/ot"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/.

// knownError reports whether err is one of the package's sentinels.
func knownError(err error) bool {
	for _, s := range []error{ot.ErrInvalidOp, ot.ErrInvalidText, ot.ErrBaseLength, ot.ErrSurrogateSplit} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzUnmarshal(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var o ot.Operation
		if err := o.UnmarshalJSON(data); err != nil {
			if !errors.Is(err, ot.ErrInvalidOp) && !errors.Is(err, ot.ErrInvalidText) {
				t.Fatalf("UnmarshalJSON(%q): unexpected error %v", data, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		// What encoding/json reads must be the same operation.
		var raw []any
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("encoding/json rejects accepted %q: %v", data, err)
		}
		var want ot.Operation
		for _, v := range raw {
			switch v := v.(type) {
			case float64:
				if v > 0 {
					want.Retain(int(v))
				} else {
					want.Delete(int(v))
				}
			case string:
				want.Insert(v)
			default:
				t.Fatalf("accepted element %v in %q", v, data)
			}
		}
		if !want.Equal(o) {
			t.Fatalf("UnmarshalJSON(%q) = %v, encoding/json reads %v", data, o, want)
		}
		out, err := o.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		var back ot.Operation
		if err := back.UnmarshalJSON(out); err != nil || !back.Equal(o) {
			t.Fatalf("round trip of %q via %s: %v, %v", data, out, back, err)
		}
	})
}

// docOfLen returns a document of n UTF-16 units that mixes in surrogate
// pairs, so that operations from the fuzzer can split them.
func docOfLen(n int) string {
	var b strings.Builder
	for i := 0; i < n; {
		if n-i >= 2 && i%5 == 3 {
			b.WriteString("😀")
			i += 2
			continue
		}
		b.WriteByte(byte('a' + i%26))
		i++
	}
	return b.String()
}

func FuzzTransform(f *testing.F) {
	f.Fuzz(func(t *testing.T, aJSON, bJSON string) {
		var a, b ot.Operation
		if a.UnmarshalJSON([]byte(aJSON)) != nil || b.UnmarshalJSON([]byte(bJSON)) != nil {
			return
		}
		if ab, err := ot.Compose(a, b); err == nil {
			if ab.BaseLen() != a.BaseLen() || ab.TargetLen() != b.TargetLen() {
				t.Fatalf("Compose(%v; %v) = %v: wrong lengths", a, b, ab)
			}
		} else if !knownError(err) {
			t.Fatalf("Compose: unexpected error %v", err)
		}
		if _, _, err := ot.Transform(a, b); err != nil && !errors.Is(err, ot.ErrBaseLength) {
			t.Fatalf("Transform: unexpected error %v", err)
		}
		// Pad the shorter operation with a retain so that most inputs reach
		// the transform itself.
		if d := a.BaseLen() - b.BaseLen(); d > 0 {
			b.Retain(d)
		} else {
			a.Retain(-d)
		}
		ap, bp, err := ot.Transform(a, b)
		if err != nil {
			t.Fatalf("Transform(%v; %v): %v", a, b, err)
		}
		if a.BaseLen() > 1<<16 {
			return
		}
		doc := strings.Repeat("x", a.BaseLen())
		left, err1 := applyBoth(a, bp, doc)
		right, err2 := applyBoth(b, ap, doc)
		if err1 != nil || err2 != nil {
			t.Fatalf("applying %v;%v or %v;%v: %v, %v", a, bp, b, ap, err1, err2)
		}
		if left != right {
			t.Fatalf("diverged on %v vs %v: %q != %q", a, b, left, right)
		}
		abp, err1 := ot.Compose(a, bp)
		bap, err2 := ot.Compose(b, ap)
		if err1 != nil || err2 != nil || !abp.Equal(bap) {
			t.Fatalf("compose(a,b') = %v (%v), compose(b,a') = %v (%v)", abp, err1, bap, err2)
		}
		// On a document with surrogate pairs the results may only fail
		// where a or b itself splits a pair.
		doc = docOfLen(a.BaseLen())
		left, err1 = applyBoth(a, bp, doc)
		right, err2 = applyBoth(b, ap, doc)
		if err1 == nil && err2 == nil && left != right {
			t.Fatalf("diverged on %q: %q != %q", doc, left, right)
		}
		for _, err := range []error{err1, err2} {
			if err != nil && !errors.Is(err, ot.ErrSurrogateSplit) {
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}

func applyBoth(x, y ot.Operation, doc string) (string, error) {
	s, err := x.Apply(doc)
	if err != nil {
		return "", err
	}
	return y.Apply(s)
}

func FuzzApply(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc, opJSON string) {
		var o ot.Operation
		if o.UnmarshalJSON([]byte(opJSON)) != nil {
			return
		}
		got, err := o.Apply(doc)
		inv, invErr := o.Invert(doc)
		if (err == nil) != (invErr == nil) {
			t.Fatalf("Apply err %v, Invert err %v", err, invErr)
		}
		if err != nil {
			if !errors.Is(err, ot.ErrBaseLength) && !errors.Is(err, ot.ErrSurrogateSplit) {
				t.Fatalf("Apply: unexpected error %v", err)
			}
			return
		}
		if ot.UTF16Len(got) != o.TargetLen() {
			t.Fatalf("result %q has length %d, TargetLen %d", got, ot.UTF16Len(got), o.TargetLen())
		}
		if utf8.ValidString(doc) && !utf8.ValidString(got) {
			t.Fatalf("valid %q became invalid %q", doc, got)
		}
		back, err := inv.Apply(got)
		if err != nil || back != doc {
			t.Fatalf("undo gives %q, %v; want %q", back, err, doc)
		}
	})
}
