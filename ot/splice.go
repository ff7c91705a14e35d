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
	*out = newOperation(len(ops) + 2)
	out.baseLen, out.targetLen = o.baseLen+n, o.targetLen+n
	for _, c := range ops[:i] {
		out.push(c)
	}
	rest := ops[i:]
	switch off := pos - x; {
	case off > 0 && rest[0].isRetain():
		out.push(component{n: rest[0].n + n})
		rest = rest[1:]
	case off > 0: // inside a deletion
		out.push(component{n: -off})
		out.push(component{n: n})
		out.push(component{n: rest[0].n + off})
		rest = rest[1:]
	case len(rest) > 0 && rest[0].isRetain():
		out.push(component{n: rest[0].n + n})
		rest = rest[1:]
	case i > 0 && ops[i-1].isRetain():
		out.parts()[i-1].n += n
	default:
		out.push(component{n: n})
	}
	for _, c := range rest {
		out.push(c)
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
