package services

import "unicode"

// NameRuneAllowed reports whether r may appear in a name that other people
// see (a room's name, a participant's display name). Refused are the
// control characters (C0, DEL and C1: a name is one line of plain text),
// the line and paragraph separators, and Unicode's Bidi_Control characters:
// the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069
// and the marks U+200E, U+200F and U+061C. Those make a name display in an
// order other than the one it is stored in, which is how a name imitates
// another; right-to-left names need none of them, as letters carry their
// own direction.
func NameRuneAllowed(r rune) bool {
	switch {
	case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
		return false
	case r == '\u2028', r == '\u2029':
		return false
	}
	return true
}

// CheckRoomName refuses a room name holding a character NameRuneAllowed
// refuses. (Length and UTF-8 validity are checked with the room's other
// fields.)
// Errors: CodeBadMessage.
func CheckRoomName(name string) error {
	for i, r := range name {
		if !NameRuneAllowed(r) {
			return Errorf(CodeBadMessage, "name must not hold control or bidirectional formatting characters (U+%04X at byte %d)", r, i)
		}
	}
	return nil
}
