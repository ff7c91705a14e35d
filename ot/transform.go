package ot

import "fmt"

// Transform takes two operations a and b made concurrently on the same
// document and returns a' and b' such that
//
//	Apply(Apply(S, a), b') == Apply(Apply(S, b), a')
//
// and Compose(a, b') equals Compose(b, a'). Where a and b insert at the same
// position, a's insert comes first, as in ot.js's TextOperation.transform.
// The server transforms an incoming operation as a against each committed
// operation as b.
//
// It returns ErrBaseLength if a.BaseLen() != b.BaseLen(), and the builder's
// error for an invalid operation.
func Transform(a, b Operation) (aPrime, bPrime Operation, err error) {
	if a.err != nil {
		return Operation{}, Operation{}, a.err
	}
	if b.err != nil {
		return Operation{}, Operation{}, b.err
	}
	if a.baseLen != b.baseLen {
		return Operation{}, Operation{}, fmt.Errorf("transform: base lengths %d and %d: %w", a.baseLen, b.baseLen, ErrBaseLength)
	}
	n := len(a.ops) + len(b.ops)
	// One backing array for both results: each gets at most n components.
	buf := make([]component, 0, 2*n)
	ap := Operation{ops: buf[0:0:n]}
	bp := Operation{ops: buf[n : n : 2*n]}

	w := pairWalk{ops1: a.ops, ops2: b.ops}
	for w.next() {
		// Inserts go through; a's first on a tie.
		if w.have1 && w.op1.isInsert() {
			ap.insert(w.op1.s, w.op1.n)
			bp.retain(w.op1.n)
			w.have1 = false
			continue
		}
		if w.have2 && w.op2.isInsert() {
			ap.retain(w.op2.n)
			bp.insert(w.op2.s, w.op2.n)
			w.have2 = false
			continue
		}
		if !w.have1 || !w.have2 {
			// Unreachable for operations built by this package: equal base
			// lengths mean both run out together.
			return Operation{}, Operation{}, fmt.Errorf("transform: operations out of step: %w", ErrInvalidOp)
		}
		switch {
		case w.op1.isRetain() && w.op2.isRetain():
			m := min(w.op1.n, w.op2.n)
			w.op1.n -= m
			w.op2.n -= m
			ap.retain(m)
			bp.retain(m)
		case w.op1.isDelete() && w.op2.isDelete():
			// Both delete the same text: nothing to emit.
			m := min(-w.op1.n, -w.op2.n)
			w.op1.n += m
			w.op2.n += m
		case w.op1.isDelete() && w.op2.isRetain():
			m := min(-w.op1.n, w.op2.n)
			w.op1.n += m
			w.op2.n -= m
			ap.delete(m)
		default: // retain against delete
			m := min(w.op1.n, -w.op2.n)
			w.op1.n -= m
			w.op2.n += m
			bp.delete(m)
		}
		w.have1 = w.op1.n != 0
		w.have2 = w.op2.n != 0
	}
	return ap, bp, nil
}
