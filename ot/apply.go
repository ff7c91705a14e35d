package ot

import (
	"errors"
	"fmt"
	"strings"
)

// Apply returns doc with the operation applied. doc is UTF-8; the
// operation's counts are UTF-16 units of it. Apply runs in time linear in
// len(doc) and copies doc once.
//
// It returns ErrBaseLength if BaseLen differs from UTF16Len(doc),
// ErrSurrogateSplit if a retain or delete ends inside a surrogate pair of doc,
// and the builder's error (ErrInvalidOp, ErrInvalidText) for an invalid
// operation.
func (o Operation) Apply(doc string) (string, error) {
	if err := o.Err(); err != nil {
		return "", err
	}
	grow := len(doc)
	for _, c := range o.parts() {
		grow += len(c.s)
	}
	var b strings.Builder
	b.Grow(grow)
	pos := 0
	for _, c := range o.parts() {
		switch {
		case c.isInsert():
			b.WriteString(c.s)
		case c.isRetain():
			end, err := skipUnits(doc, pos, c.n)
			if err != nil {
				return "", walkError("apply", o, doc, pos, err)
			}
			b.WriteString(doc[pos:end])
			pos = end
		default:
			end, err := skipUnits(doc, pos, -c.n)
			if err != nil {
				return "", walkError("apply", o, doc, pos, err)
			}
			pos = end
		}
	}
	if pos != len(doc) {
		return "", walkError("apply", o, doc, pos, ErrBaseLength)
	}
	return b.String(), nil
}

// walkError explains a failed walk of doc, reporting a length mismatch in
// preference to a surrogate split.
func walkError(what string, o Operation, doc string, pos int, err error) error {
	docLen := UTF16Len(doc)
	if docLen != o.baseLen {
		return fmt.Errorf("%s: operation base length %d, document length %d: %w", what, o.baseLen, docLen, ErrBaseLength)
	}
	if errors.Is(err, ErrSurrogateSplit) {
		return fmt.Errorf("%s: at unit %d: %w", what, UTF16Len(doc[:pos])+1, ErrSurrogateSplit)
	}
	return fmt.Errorf("%s: %w", what, err)
}
