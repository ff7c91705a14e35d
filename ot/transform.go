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
	if err := a.Err(); err != nil {
		return Operation{}, Operation{}, err
	}
	if err := b.Err(); err != nil {
		return Operation{}, Operation{}, err
	}
	if a.baseLen != b.baseLen {
		return Operation{}, Operation{}, fmt.Errorf("transform: base lengths %d and %d: %w", a.baseLen, b.baseLen, ErrBaseLength)
	}
	ea, okA := a.asEdit()
	eb, okB := b.asEdit()
	if okA && okB && transformEdits(ea, eb, a.baseLen, &aPrime, &bPrime) {
		return aPrime, bPrime, nil
	}
	// One insert against anything: a's insert goes first on a tie.
	if okA && ea.sn > 0 && ea.d == 0 {
		p := insertAt(&b, ea.p, false)
		aPrime.setEdit(p, ea.s, ea.sn, 0, b.targetLen-p)
		spliceRetain(&b, ea.p, ea.sn, false, &bPrime)
		return aPrime, bPrime, nil
	}
	if okB && eb.sn > 0 && eb.d == 0 {
		p := insertAt(&a, eb.p, true)
		spliceRetain(&a, eb.p, eb.sn, true, &aPrime)
		bPrime.setEdit(p, eb.s, eb.sn, 0, a.targetLen-p)
		return aPrime, bPrime, nil
	}
	return transformWalk(&a, &b)
}

// transformWalk is Transform for any valid a and b of equal base length:
// ot.js's walk over both operations.
func transformWalk(a, b *Operation) (aPrime, bPrime Operation, err error) {
	ops1, ops2 := a.parts(), b.parts()
	// Each result gets at most one component per step of the walk, n in
	// all, and at most two (a retain and an insert or a piece of a
	// deletion) for each insert and deletion of its own side and each
	// insert of the other, which may split one of its deletions: the
	// smaller bound, in one backing array for both. Small results start
	// inline.
	var ap, bp Operation
	if n := len(ops1) + len(ops2); n > 2*smallOps {
		ins1, del1 := edits(ops1)
		ins2, del2 := edits(ops2)
		capA, capB := min(n, 2*(ins1+del1+ins2)+1), min(n, 2*(ins2+del2+ins1)+1)
		buf := make([]component, 0, capA+capB)
		ap.heap, bp.heap = buf[0:0:capA], buf[capA:capA:capA+capB]
	}

	// The walk keeps its state in locals, not a struct: a struct holding
	// both the input slices and the components taken from them would make
	// a and b escape to the heap.
	var op1, op2 component
	have1, have2 := false, false
	i1, i2 := 0, 0
	for {
		op1, have1, i1 = take(ops1, i1, op1, have1)
		op2, have2, i2 = take(ops2, i2, op2, have2)
		if !have1 && !have2 {
			return ap, bp, nil
		}
		// Inserts go through; a's first on a tie.
		if have1 && op1.isInsert() {
			ap.insert(op1.s, op1.n)
			bp.retain(op1.n)
			have1 = false
			continue
		}
		if have2 && op2.isInsert() {
			ap.retain(op2.n)
			bp.insert(op2.s, op2.n)
			have2 = false
			continue
		}
		if !have1 || !have2 {
			// Unreachable for operations built by this package: equal base
			// lengths mean both run out together.
			return Operation{}, Operation{}, fmt.Errorf("transform: operations out of step: %w", ErrInvalidOp)
		}
		switch {
		case op1.isRetain() && op2.isRetain():
			m := min(op1.n, op2.n)
			op1.n -= m
			op2.n -= m
			ap.retain(m)
			bp.retain(m)
		case op1.isDelete() && op2.isDelete():
			// Both delete the same text: nothing to emit.
			m := min(-op1.n, -op2.n)
			op1.n += m
			op2.n += m
		case op1.isDelete() && op2.isRetain():
			m := min(-op1.n, op2.n)
			op1.n += m
			op2.n -= m
			ap.delete(m)
		default: // retain against delete
			m := min(op1.n, -op2.n)
			op1.n -= m
			op2.n += m
			bp.delete(m)
		}
		have1 = op1.n != 0
		have2 = op2.n != 0
	}
}

// edits counts the insert and the delete components of ops.
func edits(ops []component) (inserts, deletes int) {
	for _, c := range ops {
		switch {
		case c.isInsert():
			inserts++
		case c.n < 0:
			deletes++
		}
	}
	return inserts, deletes
}

// take is one step of the walks of Transform and Compose: the next
// component of ops, unless one is held already. The walks keep their state
// in locals and call take by value (it is inlined), so that nothing escapes.
func take(ops []component, i int, held component, have bool) (component, bool, int) {
	if !have && i < len(ops) {
		return ops[i], true, i + 1
	}
	return held, have, i
}
