package ot

import "unicode/utf8"

// UTF16Len returns the length of s in UTF-16 code units, the unit of every
// position and length in this package. A rune at or above U+10000 counts 2;
// every other rune, and every byte of invalid UTF-8, counts 1.
func UTF16Len(s string) int {
	n, _ := utf16Len(s, false)
	return n
}

// textLen is UTF16Len for text that must be valid: ok is false if s holds
// invalid UTF-8 (which includes UTF-8-encoded surrogates).
func textLen(s string) (n int, ok bool) {
	return utf16Len(s, true)
}

// utf16Len counts s in UTF-16 units; if strict, it stops at the first byte
// of invalid UTF-8 and returns ok false.
func utf16Len(s string, strict bool) (n int, ok bool) {
	for i := 0; i < len(s); {
		if i+8 <= len(s) && asciiWord(s, i) {
			i += 8
			n += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if strict && r == utf8.RuneError && size == 1 {
			return 0, false
		}
		i += size
		n += runeUnits(r)
	}
	return n, true
}

func runeUnits(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// asciiWord reports whether the 8 bytes of s at i are all ASCII.
func asciiWord(s string, i int) bool { return word(s, i)&0x8080808080808080 == 0 }
