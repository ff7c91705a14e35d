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
func Compose(a, b Operation) (Operation, error) {
	if a.err != nil {
		return Operation{}, a.err
	}
	if b.err != nil {
		return Operation{}, b.err
	}
	if a.targetLen != b.baseLen {
		return Operation{}, fmt.Errorf("compose: target length %d, base length %d: %w", a.targetLen, b.baseLen, ErrBaseLength)
	}
	out := newOperation(len(a.ops) + len(b.ops))
	w := pairWalk{ops1: a.ops, ops2: b.ops}
	for w.next() {
		if w.have1 && w.op1.isDelete() {
			out.delete(-w.op1.n)
			w.have1 = false
			continue
		}
		if w.have2 && w.op2.isInsert() {
			out.insert(w.op2.s, w.op2.n)
			w.have2 = false
			continue
		}
		if !w.have1 || !w.have2 {
			return Operation{}, fmt.Errorf("compose: operations out of step: %w", ErrInvalidOp)
		}
		switch {
		case w.op1.isRetain() && w.op2.isRetain():
			m := min(w.op1.n, w.op2.n)
			w.op1.n -= m
			w.op2.n -= m
			out.retain(m)
			w.have1, w.have2 = w.op1.n != 0, w.op2.n != 0
		case w.op1.isInsert() && w.op2.isDelete():
			// b deletes (part of) what a inserted: drop it.
			m := min(w.op1.n, -w.op2.n)
			_, rest, err := splitText(w.op1, m)
			if err != nil {
				return Operation{}, err
			}
			w.op1 = rest
			w.op2.n += m
			w.have1, w.have2 = w.op1.n != 0, w.op2.n != 0
		case w.op1.isInsert() && w.op2.isRetain():
			m := min(w.op1.n, w.op2.n)
			head, rest, err := splitText(w.op1, m)
			if err != nil {
				return Operation{}, err
			}
			out.insert(head.s, head.n)
			w.op1 = rest
			w.op2.n -= m
			w.have1, w.have2 = w.op1.n != 0, w.op2.n != 0
		default: // retain against delete
			m := min(w.op1.n, -w.op2.n)
			out.delete(m)
			w.op1.n -= m
			w.op2.n += m
			w.have1, w.have2 = w.op1.n != 0, w.op2.n != 0
		}
	}
	return out, nil
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

// pairWalk steps through the components of two operations side by side,
// as ot.js's compose and transform do: next takes the next component of
// each side whose last one was consumed (have set to false).
type pairWalk struct {
	ops1, ops2   []component
	i1, i2       int
	op1, op2     component
	have1, have2 bool
}

// next refills the consumed sides and reports whether anything is left.
func (w *pairWalk) next() bool {
	if !w.have1 && w.i1 < len(w.ops1) {
		w.op1, w.have1 = w.ops1[w.i1], true
		w.i1++
	}
	if !w.have2 && w.i2 < len(w.ops2) {
		w.op2, w.have2 = w.ops2[w.i2], true
		w.i2++
	}
	return w.have1 || w.have2
}
