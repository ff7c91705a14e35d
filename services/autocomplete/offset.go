package autocomplete

import "unicode/utf8"

// byteOffset converts an offset in UTF-16 code units into a byte offset in s.
// A rune above U+FFFF is two units; every other rune, and every invalid byte
// (which a browser decodes to U+FFFD), is one. Errors: ErrBadOffset.
func byteOffset(s string, units int) (int, error) {
	if units < 0 {
		return 0, ErrBadOffset
	}
	// Up to the first non-ASCII byte, units and bytes agree.
	n := asciiLen(s[:min(units, len(s))])
	for i := n; i < len(s); {
		if n == units {
			return i, nil
		}
		if s[i] < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r > 0xFFFF {
			if n+1 == units {
				return 0, ErrBadOffset
			}
			n += 2
		} else {
			n++
		}
	}
	if n == units {
		return len(s), nil
	}
	return 0, ErrBadOffset
}

// asciiLen returns the length of the longest prefix of s that is all ASCII,
// eight bytes at a time.
func asciiLen(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8]
		if (b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7])&0x80 != 0 {
			break
		}
	}
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	return i
}
