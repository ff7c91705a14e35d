package ot

import "unicode/utf8"

// Diff returns an operation that turns a into b: it keeps their longest
// common prefix and suffix (whole characters, never half a surrogate pair)
// and replaces what lies between. Both must be valid UTF-8.
func Diff(a, b string) Operation {
	p := 0 // bytes of the common prefix
	for p < len(a) && p < len(b) {
		ra, na := utf8.DecodeRuneInString(a[p:])
		rb, nb := utf8.DecodeRuneInString(b[p:])
		if ra != rb || na != nb {
			break
		}
		p += na
	}
	s := 0 // bytes of the common suffix, within what the prefix leaves
	for s < len(a)-p && s < len(b)-p {
		ra, na := utf8.DecodeLastRuneInString(a[:len(a)-s])
		rb, nb := utf8.DecodeLastRuneInString(b[:len(b)-s])
		if ra != rb || na != nb || na > len(a)-p-s || nb > len(b)-p-s {
			break
		}
		s += na
	}
	var op Operation
	op.Retain(UTF16Len(a[:p]))
	op.Delete(UTF16Len(a[p : len(a)-s]))
	op.Insert(b[p : len(b)-s])
	op.Retain(UTF16Len(a[len(a)-s:]))
	return op
}
