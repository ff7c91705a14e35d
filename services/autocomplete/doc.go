// Package autocomplete suggests completions at a cursor position in a
// document. It is a rule-based stand-in for AI autocomplete: Rules offers the
// language's keywords, the language's snippets and the identifiers already in
// the document. A model-backed Completer can replace it behind the Completer
// interface without the API layer noticing.
//
// # What it does not do
//
// It does not parse. Words inside comments and string literals count as
// identifiers, as in an editor's word-based completion. It does no I/O, keeps
// no state between calls and never panics, whatever the input (invalid UTF-8,
// offsets out of range, empty content).
//
// # Offsets
//
// Request.Offset counts UTF-16 code units, as Monaco does. Content is a Go
// (UTF-8) string; each invalid UTF-8 byte counts as one unit, as the U+FFFD a
// browser would decode it to. An offset below zero, beyond the end, or between
// the two halves of a surrogate pair is ErrBadOffset.
//
// # Candidates
//
// The prefix is the identifier part ending at the cursor: letters (any
// script), digits, underscore, combining marks, and '$' in JavaScript and
// TypeScript. A word starting with a digit is a number and gets no
// suggestions. The word under the cursor (which may continue to the right of
// it) is not offered as an identifier. After member access ('.', "::", "->")
// only identifiers are offered: keywords and snippets cannot follow a dot.
//
// An empty prefix (start of a line, after a space or an operator) matches
// everything, so an explicit request (Ctrl+Space) gets the language's
// snippets, then keywords, then the document's most frequent identifiers.
// An unknown language is not an error: it gets identifiers only, like
// "plaintext".
//
// # Ranking
//
// Candidates are ordered by, in turn:
//
//  1. how they match: exact-case prefix, then case-insensitive prefix, then
//     subsequence (first character must match, case-insensitively). In SQL,
//     which is case-insensitive, a case-insensitive prefix counts as exact;
//  2. kind: snippet, then keyword, then identifier (a snippet expands the
//     construct the user is starting to type; the keyword alone is the
//     fallback; identifiers are the long tail);
//  3. how often the identifier occurs in the document, most first;
//  4. label length in runes, shorter first;
//  5. label, in code point order.
//
// The order is total, so results are deterministic. Candidates that would
// insert exactly the prefix are dropped (a snippet labelled like the prefix
// stays: it expands). An identifier spelled like one of the language's
// keywords is dropped in favour of the keyword, except after member access,
// where keywords are not offered. Labels are unique per kind.
//
// # Cost
//
// The document is scanned once, with no regular expressions. For a prefix
// starting with an ASCII letter (other than k and s, which have non-ASCII case
// variants), '_' or '$', only the positions of that letter's two cases are
// visited, found with strings.IndexByte; otherwise every byte is. Only words
// that can match the prefix are counted, in a pooled fixed-size hash table
// keyed by substrings of the content (no per-word allocation), and at most
// maxTrackedWords distinct ones (first seen wins), so an empty prefix on a
// large document costs one pass and bounded memory. Cancellation of ctx is
// checked every 16 KiB.
//
// # Concurrency
//
// A Rules value is immutable after NewRules and safe for concurrent use.
package autocomplete
