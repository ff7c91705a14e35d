package ot

import "errors"

// Sentinel errors. Functions wrap them with context; match them with errors.Is.
var (
	// ErrInvalidOp reports a malformed operation: a zero retain or delete, an
	// empty insert, a number that is not an integer or is out of range, a JSON
	// value of the wrong type, or a builder called with an invalid argument.
	ErrInvalidOp = errors.New("ot: invalid operation")

	// ErrInvalidText reports an insert that is not valid text: invalid UTF-8,
	// or a JSON \u escape that leaves half a surrogate pair.
	ErrInvalidText = errors.New("ot: invalid text")

	// ErrBaseLength reports operations and documents whose lengths do not fit
	// together: an operation's base length differs from the document length,
	// Compose(a, b) with a.TargetLen() != b.BaseLen(), or Transform(a, b)
	// with a.BaseLen() != b.BaseLen().
	ErrBaseLength = errors.New("ot: base length mismatch")

	// ErrSurrogateSplit reports a retain, delete or insert boundary that falls
	// between the two UTF-16 units of a surrogate pair.
	ErrSurrogateSplit = errors.New("ot: boundary splits a surrogate pair")

	// ErrInvalidSelection reports a selection range outside the document.
	ErrInvalidSelection = errors.New("ot: invalid selection")
)
