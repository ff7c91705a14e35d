package ot

// skipUnits walks n UTF-16 units of s from byte offset pos and returns the
// offset reached, failing with ErrBaseLength if s ends first and with
// ErrSurrogateSplit if the end falls inside a surrogate pair. Like UTF16Len
// it counts each byte of invalid UTF-8 as one unit; its tests hold it to
// advance, the plain walk. Apply, Invert and Document spend most of their
// time here: ASCII goes 32 bytes at a time, and other text is decoded
// inline, without utf8.DecodeRune's call.
func skipUnits(s string, pos, n int) (int, error) {
	const hi = 0x8080808080808080
	for n > 0 {
		for n >= 32 && pos+32 <= len(s) && (word(s, pos)|word(s, pos+8)|word(s, pos+16)|word(s, pos+24))&hi == 0 {
			pos += 32
			n -= 32
		}
		for n >= 8 && pos+8 <= len(s) && word(s, pos)&hi == 0 {
			pos += 8
			n -= 8
		}
		// Then at least the next eight bytes one by one, so that text
		// with a non-ASCII character every few words is not retried 32
		// bytes at a time at every byte.
		for end := pos + 8; n > 0 && pos < end; {
			if pos >= len(s) {
				return pos, ErrBaseLength
			}
			if s[pos] < 0x80 {
				pos++
				n--
				continue
			}
			size, units := runeAt(s, pos)
			if units > n {
				return pos, ErrSurrogateSplit
			}
			pos += size
			n -= units
		}
	}
	return pos, nil
}

// word returns the 8 bytes of s at i as a little-endian integer; the
// compiler makes it one load.
func word(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// runeAt returns the size in bytes and UTF-16 units of the character of s
// at i, whose first byte is not ASCII, exactly as utf8.DecodeRuneInString
// and runeUnits count it: an invalid byte is one byte and one unit.
func runeAt(s string, i int) (size, units int) {
	c := s[i]
	cont := func(j int, lo, hi byte) bool { return j < len(s) && lo <= s[j] && s[j] <= hi }
	switch {
	case c < 0xc2:
		return 1, 1
	case c < 0xe0:
		if cont(i+1, 0x80, 0xbf) {
			return 2, 1
		}
	case c < 0xf0:
		lo, hi := byte(0x80), byte(0xbf)
		if c == 0xe0 {
			lo = 0xa0
		} else if c == 0xed {
			hi = 0x9f
		}
		if cont(i+1, lo, hi) && cont(i+2, 0x80, 0xbf) {
			return 3, 1
		}
	case c < 0xf5:
		lo, hi := byte(0x80), byte(0xbf)
		if c == 0xf0 {
			lo = 0x90
		} else if c == 0xf4 {
			hi = 0x8f
		}
		if cont(i+1, lo, hi) && cont(i+2, 0x80, 0xbf) && cont(i+3, 0x80, 0xbf) {
			return 4, 2
		}
	}
	return 1, 1
}
