package ot

import (
	"fmt"
	"unicode/utf8"
)

// Compose returns the single operation that has the effect of a followed by
// b: for every document S that a applies to,
//
//	Apply(S, Compose(a, b)) == Apply(Apply(S, a), b)
//
// It returns ErrBaseLength if a.TargetLen() != b.BaseLen(),
// ErrSurrogateSplit if b splits a surrogate pair inserted by a, and the
// builder's error for an invalid operation.
func Compose(a, b Operation) (ab Operation, err error) {
	if err := a.Err(); err != nil {
		return Operation{}, err
	}
	if err := b.Err(); err != nil {
		return Operation{}, err
	}
	if a.targetLen != b.baseLen {
		return Operation{}, fmt.Errorf("compose: target length %d, base length %d: %w", a.targetLen, b.baseLen, ErrBaseLength)
	}
	ea, okA := a.asEdit()
	eb, okB := b.asEdit()
	if okA && okB && composeEdits(ea, eb, a.baseLen, &ab) {
		return ab, nil
	}
	// Anything, then one insert: typing after a paste, or after edits
	// elsewhere.
	if okB && eb.sn > 0 && eb.d == 0 && spliceInsert(&a, eb.p, eb.s, eb.sn, &ab) {
		return ab, nil
	}
	return composeWalk(&a, &b)
}

// composeWalk is Compose for any valid a and b with a's target length b's
// base length: ot.js's walk over both operations.
func composeWalk(a, b *Operation) (Operation, error) {
	ops1, ops2 := a.parts(), b.parts()
	out := newOperation(len(ops1) + len(ops2))
	// The walk keeps its state in locals, as Transform's does.
	var op1, op2 component
	have1, have2 := false, false
	i1, i2 := 0, 0
	for {
		op1, have1, i1 = take(ops1, i1, op1, have1)
		op2, have2, i2 = take(ops2, i2, op2, have2)
		if !have1 && !have2 {
			return out, nil
		}
		if have1 && op1.isDelete() {
			out.delete(-op1.n)
			have1 = false
			continue
		}
		if have2 && op2.isInsert() {
			out.insert(op2.s, op2.n)
			have2 = false
			continue
		}
		if !have1 || !have2 {
			return Operation{}, fmt.Errorf("compose: operations out of step: %w", ErrInvalidOp)
		}
		switch {
		case op1.isRetain() && op2.isRetain():
			m := min(op1.n, op2.n)
			op1.n -= m
			op2.n -= m
			out.retain(m)
		case op1.isInsert() && op2.isDelete():
			// b deletes (part of) what a inserted: drop it.
			m := min(op1.n, -op2.n)
			_, rest, err := splitText(op1, m)
			if err != nil {
				return Operation{}, err
			}
			op1 = rest
			op2.n += m
		case op1.isInsert() && op2.isRetain():
			m := min(op1.n, op2.n)
			head, rest, err := splitText(op1, m)
			if err != nil {
				return Operation{}, err
			}
			out.insert(head.s, head.n)
			op1 = rest
			op2.n -= m
		default: // retain against delete
			m := min(op1.n, -op2.n)
			out.delete(m)
			op1.n -= m
			op2.n += m
		}
		have1, have2 = op1.n != 0, op2.n != 0
	}
}

// splitText splits the insert c after m UTF-16 units (0 < m <= c.n). Either
// part may be empty (n == 0).
func splitText(c component, m int) (head, rest component, err error) {
	if m == c.n {
		return c, component{}, nil
	}
	units, i := 0, 0
	for units < m {
		if c.s[i] < utf8.RuneSelf {
			i++
			units++
			continue
		}
		r, size := utf8.DecodeRuneInString(c.s[i:])
		i += size
		units += runeUnits(r)
	}
	if units != m {
		return component{}, component{}, fmt.Errorf("compose: inside inserted text %q at unit %d: %w", c.s, m, ErrSurrogateSplit)
	}
	return component{n: m, s: c.s[:i]}, component{n: c.n - m, s: c.s[i:]}, nil
}
