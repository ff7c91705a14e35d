package ot

// Transforming one typed insert against an operation of many components
// (a client's buffer, a find-and-replace) needs no walk: the insert only
// shifts, and the other operation only gains a retain over the inserted
// text. spliceRetain and insertAt compute the two halves in one pass that
// copies components; the walk's results are the same (see
// splice_internal_test.go).

// spliceRetain sets out to o with a retain of n units added at base offset
// pos: after o's inserts at pos if o's inserts come first there, before
// them otherwise; inside a deletion that spans pos, splitting it. The
// result is canonical: the retain merges into a neighbouring one.
func spliceRetain(o *Operation, pos, n int, afterInserts bool, out *Operation) {
	ops := o.parts()
	i, x := 0, 0 // ops[i] starts at base offset x
	for i < len(ops) {
		c := ops[i]
		if c.isInsert() {
			if x == pos && !afterInserts {
				break
			}
			i++
			continue
		}
		w := max(c.n, -c.n)
		if pos < x+w {
			break
		}
		x += w
		i++
	}
	switch off := pos - x; {
	case off > 0 && ops[i].isRetain():
		o.spliceAt(i, 1, out, n, n, component{n: ops[i].n + n})
	case off > 0: // inside a deletion
		o.spliceAt(i, 1, out, n, n, component{n: -off}, component{n: n}, component{n: ops[i].n + off})
	case i < len(ops) && ops[i].isRetain():
		o.spliceAt(i, 1, out, n, n, component{n: ops[i].n + n})
	case i > 0 && ops[i-1].isRetain():
		o.spliceAt(i-1, 1, out, n, n, component{n: ops[i-1].n + n})
	default:
		o.spliceAt(i, 0, out, n, n, component{n: n})
	}
}

// insertAt returns where base offset pos of o lands in o's result: after
// o's inserts at pos if afterInserts, else before them; at the start of a
// deletion that spans it.
func insertAt(o *Operation, pos int, afterInserts bool) int {
	x, y := 0, 0
	for _, c := range o.parts() {
		switch {
		case c.isInsert():
			if x == pos && !afterInserts {
				return y
			}
			y += c.n
		case c.isRetain():
			if pos < x+c.n {
				return y + pos - x
			}
			x += c.n
			y += c.n
		default:
			if pos < x-c.n {
				return y
			}
			x -= c.n
		}
	}
	return y
}

// spliceInsert sets out to the composition of o with an insert of s (sn
// units) at offset pos of o's result, and reports false, leaving out
// unset, where that would split a surrogate pair that o inserted. The
// insert joins an insert of o that it touches, splits a retain it falls
// inside, and goes before deletions at its position, as the walk and the
// canonical form put it.
func spliceInsert(o *Operation, pos int, s string, sn int, out *Operation) bool {
	ops := o.parts()
	y := 0 // o's result offset at the start of ops[i]
	i := 0
	for ; i < len(ops); i++ {
		c := ops[i]
		if c.isInsert() && y <= pos && pos <= y+c.n {
			head, tail, err := splitText(c, pos-y)
			if err != nil {
				return false
			}
			o.spliceAt(i, 1, out, 0, sn, component{n: c.n + sn, s: head.s + s + tail.s})
			return true
		}
		if c.isRetain() && y <= pos && pos < y+c.n {
			if pos == y {
				o.spliceAt(i, 0, out, 0, sn, component{n: sn, s: s})
			} else {
				o.spliceAt(i, 1, out, 0, sn, component{n: pos - y}, component{n: sn, s: s}, component{n: c.n - (pos - y)})
			}
			return true
		}
		if c.isDelete() && y == pos {
			break
		}
		if !c.isDelete() {
			y += c.n
		}
	}
	o.spliceAt(i, 0, out, 0, sn, component{n: sn, s: s})
	return true
}

// spliceAt sets out to o with the drop components from index i replaced by
// with, which add base and target units to the lengths.
func (o *Operation) spliceAt(i, drop int, out *Operation, base, target int, with ...component) {
	ops := o.parts()
	*out = Operation{baseLen: o.baseLen + base, targetLen: o.targetLen + target}
	n := len(ops) - drop + len(with)
	if n > smallOps {
		// Whole runs at a time: one bulk copy, not a write barrier per
		// component.
		h := make([]component, 0, n)
		h = append(h, ops[:i]...)
		h = append(h, with...)
		out.heap = append(h, ops[i+drop:]...)
		return
	}
	for _, c := range ops[:i] {
		out.push(c)
	}
	for _, c := range with {
		out.push(c)
	}
	for _, c := range ops[i+drop:] {
		out.push(c)
	}
}
