// Package optest builds operations for tests, in ot.js's notation. It is
// the one copy the test packages of ot, services and client share.
package optest

import (
	"fmt"
	"math/rand/v2"

	"github.com/tandem-editor/tandem/ot"
)

// Build makes an operation from ot.js-style components: a positive int
// retains, a negative int deletes, a string inserts. It panics on any other
// part, and on an operation its builder refuses.
func Build(parts ...any) ot.Operation {
	var o ot.Operation
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			if v > 0 {
				o.Retain(v)
			} else {
				o.Delete(v)
			}
		case string:
			o.Insert(v)
		default:
			panic(fmt.Sprintf("optest.Build: unexpected part %T", p))
		}
	}
	if err := o.Err(); err != nil {
		panic(fmt.Sprintf("optest.Build: %v", err))
	}
	return o
}

// InsertAt is the operation inserting s at pos in a document of docLen
// UTF-16 units.
func InsertAt(docLen, pos int, s string) ot.Operation {
	return Build(pos, s, docLen-pos)
}

// Random draws a random valid operation on doc from rnd: up to three
// edits at random places, each deleting up to three characters and
// inserting up to six (whole characters, never half a surrogate pair;
// text that mixes ASCII, multi-byte and non-BMP characters), so that a
// long history keeps the document about the same size.
func Random(rnd *rand.Rand, doc string) ot.Operation {
	var o ot.Operation
	runes := []rune(doc)
	at := 0
	for range 1 + rnd.IntN(3) {
		next := at + rnd.IntN(len(runes)-at+1)
		o.Retain(ot.UTF16Len(string(runes[at:next])))
		del := rnd.IntN(min(3, len(runes)-next) + 1)
		o.Delete(ot.UTF16Len(string(runes[next : next+del])))
		if ins := rnd.IntN(7); ins > 0 {
			o.Insert(randomText(rnd, ins))
		}
		at = next + del
	}
	o.Retain(ot.UTF16Len(string(runes[at:])))
	return o
}

var alphabet = []rune("ab \n€é😀")

func randomText(rnd *rand.Rand, n int) string {
	r := make([]rune, n)
	for i := range r {
		r[i] = alphabet[rnd.IntN(len(alphabet))]
	}
	return string(r)
}
