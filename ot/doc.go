// Package ot is tandem's operational-transformation core: text operations
// and selections with exactly the semantics of ot.js (TextOperation,
// Selection), so that ot.js browser clients and this server converge.
//
// It does no I/O and imports only the standard library.
//
// # Operations
//
// An Operation walks a whole document with retain, insert and delete
// components. It is built with Retain, Insert and Delete, or decoded from
// ot.js's JSON array form ([3,"xy",-2,5]) with UnmarshalJSON, and is kept in
// canonical form so that Equal is structural.
//
// # Positions
//
// Every position and length counts UTF-16 code units, as JavaScript strings
// and Monaco offsets do: "a😀b" has length 4. Documents and inserted text are
// Go (UTF-8) strings; UTF16Len converts. An operation that would leave half a
// surrogate pair in a document fails with ErrSurrogateSplit, and an insert
// that is not valid text fails with ErrInvalidText.
//
// # Documents
//
// Operation.Apply takes and returns strings and copies the whole document.
// Document holds a text in chunks and applies an operation in time that
// follows the operation, not the document, returning a new Document that
// shares what the operation left alone; it agrees with Operation.Apply on
// every result and error. Servers and clients that apply every operation
// of a large document hold it as a Document.
//
// # Laws
//
// For a document S and operations A, B where A applies to S and B to
// Apply(S, A):
//
//	Apply(Apply(S, A), B) == Apply(S, Compose(A, B))
//
// For concurrent A and B that both apply to S, with A', B' = Transform(A, B):
//
//	Apply(Apply(S, A), B') == Apply(Apply(S, B), A')
//
// and where A and B insert at the same position, A's insert comes first. The
// server transforms an incoming operation as A against each committed
// operation as B; a client transforms its pending operation as A against an
// incoming server operation as B. Invert(S) undoes an operation:
// Apply(Apply(S, A), A.Invert(S)) == S.
//
// # Errors
//
// Functions return the sentinel errors ErrInvalidOp, ErrInvalidText,
// ErrBaseLength, ErrSurrogateSplit and ErrInvalidSelection, wrapped with
// context; match them with errors.Is. No input makes the package panic.
//
// # Concurrency
//
// Document values are immutable. Operation, Range and Selection values are
// immutable except through the builders (Retain, Insert, Delete,
// UnmarshalJSON), which mutate their receiver. An Operation copied by value shares storage with the original,
// and building on one copy may change the other: Clone a copy before
// building on it. Everything else is safe for concurrent use.
package ot
