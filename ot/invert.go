package ot

import "strings"

// Invert returns the operation that undoes o: for the document doc that o
// applies to, Apply(Apply(doc, o), Invert(doc)) == doc. Retains stay,
// inserts become deletes and deletes become inserts of the text of doc they
// removed (copied, so the result does not keep doc alive).
//
// It returns the same errors as Apply: ErrBaseLength, ErrSurrogateSplit, and
// the builder's error for an invalid operation.
func (o Operation) Invert(doc string) (Operation, error) {
	if err := o.Err(); err != nil {
		return Operation{}, err
	}
	inv := newOperation(len(o.parts()))
	pos := 0
	for _, c := range o.parts() {
		switch {
		case c.isInsert():
			inv.delete(c.n)
		case c.isRetain():
			end, err := skipUnits(doc, pos, c.n)
			if err != nil {
				return Operation{}, walkError("invert", o, doc, pos, err)
			}
			inv.retain(c.n)
			pos = end
		default:
			end, err := skipUnits(doc, pos, -c.n)
			if err != nil {
				return Operation{}, walkError("invert", o, doc, pos, err)
			}
			inv.insert(strings.Clone(doc[pos:end]), -c.n)
			pos = end
		}
	}
	if pos != len(doc) {
		return Operation{}, walkError("invert", o, doc, pos, ErrBaseLength)
	}
	return inv, nil
}
