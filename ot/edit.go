package ot

// Nearly every operation a user makes is one edit: a keystroke, a
// backspace, a paste, a deleted selection. Transform and Compose compute
// pairs of those directly from positions, without walking and building,
// and fall back to the walk for everything else. The results are the walk's
// exactly: the property tests in edit_internal_test.go compare the two on
// random edits.

// edit is an operation of the form retain p, insert s (sn UTF-16 units),
// delete d, retain the rest; any part may be empty.
type edit struct {
	p     int
	s     string
	sn, d int
}

// asEdit reports whether o is one edit, and which.
func (o *Operation) asEdit() (e edit, ok bool) {
	ops := o.parts()
	i := 0
	if i < len(ops) && ops[i].isRetain() {
		e.p = ops[i].n
		i++
	}
	if i < len(ops) && ops[i].isInsert() {
		e.s, e.sn = ops[i].s, ops[i].n
		i++
	}
	if i < len(ops) && ops[i].isDelete() {
		e.d = -ops[i].n
		i++
	}
	if i < len(ops) && ops[i].isRetain() {
		i++
	}
	return e, i == len(ops)
}

// setEdit makes o the canonical operation that retains p, inserts s (sn
// units), deletes d and retains q, all >= 0. It writes in place: an
// Operation is large enough that returning it by value costs more than the
// rest of a transform of two keystrokes.
func (o *Operation) setEdit(p int, s string, sn, d, q int) {
	*o = Operation{}
	if sn == 0 && d == 0 {
		p, q = p+q, 0
	}
	if p > 0 {
		o.small[o.nsmall] = component{n: p}
		o.nsmall++
	}
	if sn > 0 {
		o.small[o.nsmall] = component{n: sn, s: s}
		o.nsmall++
	}
	if d > 0 {
		o.small[o.nsmall] = component{n: -d}
		o.nsmall++
	}
	if q > 0 {
		o.small[o.nsmall] = component{n: q}
		o.nsmall++
	}
	o.baseLen, o.targetLen = p+d+q, p+sn+q
}

// transformEdits is Transform for concurrent edits a and b of documents of
// length n, where each either only inserts or only deletes. ok is false for
// the other pairs, and where an insert falls inside the other's deletion.
func transformEdits(a, b edit, n int, ap, bp *Operation) (ok bool) {
	insA, delA := a.sn > 0 && a.d == 0, a.d > 0 && a.sn == 0
	insB, delB := b.sn > 0 && b.d == 0, b.d > 0 && b.sn == 0
	switch {
	case insA && insB:
		// a's insert goes first on a tie.
		if a.p <= b.p {
			ap.setEdit(a.p, a.s, a.sn, 0, n-a.p+b.sn)
			bp.setEdit(b.p+a.sn, b.s, b.sn, 0, n-b.p)
			return true
		}
		ap.setEdit(a.p+b.sn, a.s, a.sn, 0, n-a.p)
		bp.setEdit(b.p, b.s, b.sn, 0, n-b.p+a.sn)
		return true
	case insA && delB:
		if end := b.p + b.d; a.p <= b.p {
			ap.setEdit(a.p, a.s, a.sn, 0, n-b.d-a.p)
			bp.setEdit(b.p+a.sn, "", 0, b.d, n-end)
			return true
		} else if a.p >= end {
			ap.setEdit(a.p-b.d, a.s, a.sn, 0, n-a.p)
			bp.setEdit(b.p, "", 0, b.d, n-end+a.sn)
			return true
		}
	case delA && insB:
		// b's insert goes before a deletion that starts where it is.
		if end := a.p + a.d; b.p <= a.p {
			ap.setEdit(a.p+b.sn, "", 0, a.d, n-end)
			bp.setEdit(b.p, b.s, b.sn, 0, n-a.d-b.p)
			return true
		} else if b.p >= end {
			ap.setEdit(a.p, "", 0, a.d, n-end+b.sn)
			bp.setEdit(b.p-a.d, b.s, b.sn, 0, n-b.p)
			return true
		}
	case delA && delB:
		// Each keeps deleting what the other did not.
		endA, endB := a.p+a.d, b.p+b.d
		overlap := max(0, min(endA, endB)-max(a.p, b.p))
		pa, pb := deletedTo(a.p, b.p, endB), deletedTo(b.p, a.p, endA)
		da, db := a.d-overlap, b.d-overlap
		ap.setEdit(pa, "", 0, da, n-b.d-pa-da)
		bp.setEdit(pb, "", 0, db, n-a.d-pb-db)
		return true
	}
	return false
}

// deletedTo returns where offset x goes when [from, to) is deleted.
func deletedTo(x, from, to int) int {
	switch {
	case x <= from:
		return x
	case x < to:
		return from
	default:
		return x - (to - from)
	}
}

// composeEdits is Compose for consecutive edits a and b, a of a document of
// length n, where the result is one edit too: typing on, backspacing what
// was typed or next to a deletion, typing where text was deleted. ok is
// false for the other pairs, and where b would split a surrogate pair
// that a inserted (the walk reports that).
func composeEdits(a, b edit, n int, out *Operation) (ok bool) {
	insA, delA := a.sn > 0 && a.d == 0, a.d > 0 && a.sn == 0
	insB, delB := b.sn > 0 && b.d == 0, b.d > 0 && b.sn == 0
	switch {
	case insA && insB:
		// b inserts inside or at either end of a's text.
		if a.p <= b.p && b.p <= a.p+a.sn {
			head, tail, err := splitText(component{n: a.sn, s: a.s}, b.p-a.p)
			if err != nil {
				return false
			}
			out.setEdit(a.p, head.s+b.s+tail.s, a.sn+b.sn, 0, n-a.p)
			return true
		}
	case insA && delB:
		end := b.p + b.d
		switch {
		case a.p <= b.p && end <= a.p+a.sn:
			// b deletes some of a's text.
			head, rest, err := splitText(component{n: a.sn, s: a.s}, b.p-a.p)
			if err != nil {
				return false
			}
			_, tail, err := splitText(rest, b.d)
			if err != nil {
				return false
			}
			out.setEdit(a.p, head.s+tail.s, a.sn-b.d, 0, n-a.p)
			return true
		case b.p == a.p+a.sn:
			// b deletes what follows a's text.
			out.setEdit(a.p, a.s, a.sn, b.d, n-a.p-b.d)
			return true
		case end == a.p:
			// b deletes what precedes a's text.
			out.setEdit(b.p, a.s, a.sn, b.d, n-b.p-b.d)
			return true
		}
	case delA && delB:
		// b deletes next to or across where a deleted.
		if b.p <= a.p && a.p <= b.p+b.d {
			out.setEdit(b.p, "", 0, a.d+b.d, n-b.p-a.d-b.d)
			return true
		}
	case delA && insB:
		// b types where a deleted.
		if b.p == a.p {
			out.setEdit(a.p, b.s, b.sn, a.d, n-a.p-a.d)
			return true
		}
	}
	return false
}
