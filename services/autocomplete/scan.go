package autocomplete

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// identTable says which ASCII bytes belong to identifiers in a language.
// Non-ASCII runes are decided by isIdentRune.
type identTable [utf8.RuneSelf]bool

var (
	identASCII       = newIdentTable("")
	identASCIIDollar = newIdentTable("$")
)

func newIdentTable(extra string) *identTable {
	var t identTable
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'] = true
	for i := 0; i < len(extra); i++ {
		t[extra[i]] = true
	}
	return &t
}

// isIdentRune decides non-ASCII runes: letters of any script, decimal digits
// and combining marks. utf8.RuneError (invalid bytes) is not one.
func isIdentRune(r rune) bool {
	if r == utf8.RuneError {
		return false
	}
	return unicode.IsLetter(r) || isDigitRune(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}

func isDigitRune(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.IsDigit(r)
}

// identEnd returns the end of the identifier run starting at i (i if none).
func identEnd(s string, i int, t *identTable) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !t[c] {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isIdentRune(r) {
			return i
		}
		i += size
	}
	return i
}

// span is a byte range [start, end) of a string.
type span struct{ start, end int }

// wordAt returns the identifier run around the byte offset cursor, which must
// be a rune boundary. It is empty (start == end == cursor) between two
// non-identifier characters.
func wordAt(s string, cursor int, t *identTable) span {
	start := cursor
	for start > 0 {
		c := s[start-1]
		if c < utf8.RuneSelf {
			if !t[c] {
				break
			}
			start--
			continue
		}
		r, size := utf8.DecodeLastRuneInString(s[:start])
		if !isIdentRune(r) {
			break
		}
		start -= size
	}
	return span{start: start, end: identEnd(s, cursor, t)}
}

// afterMemberAccess reports whether before ends in '.', "::" or "->", where
// only a member name can follow.
func afterMemberAccess(before string) bool {
	n := len(before)
	if n == 0 {
		return false
	}
	switch before[n-1] {
	case '.':
		return true
	case ':', '>':
		return n >= 2 && (before[n-2:] == "::" || before[n-2:] == "->")
	}
	return false
}

// ctxCheckBytes is how many bytes countWords scans between checks of ctx.
const ctxCheckBytes = 16 << 10

// countWords scans s once and counts the identifiers that m may match,
// skipping numbers, words longer than maxWordLen and the word under the
// cursor. Keys are substrings of s. At most maxTrackedWords distinct words
// are counted, in order of first appearance. The caller releases the result
// when done with it. Errors: ctx.Err().
func countWords(ctx context.Context, s string, cursorWord span, t *identTable, m *matcher) (*wordCounts, error) {
	counts := newWordCounts()
	var err error
	if lower, upper, ok := m.asciiFirst(); ok {
		err = seekWords(ctx, s, cursorWord, t, m, lower, upper, counts)
	} else {
		err = scanWords(ctx, s, cursorWord, t, m, counts)
	}
	if err != nil {
		counts.release()
		return nil, err
	}
	return counts, nil
}

// count adds word to counts unless it is the word under the cursor, too long,
// a number or not a possible match.
func count(counts *wordCounts, s string, start, end int, cursorWord span, m *matcher) {
	word := s[start:end]
	if start == cursorWord.start || len(word) > maxWordLen || !m.firstMatches(word) || startsWithDigit(word) {
		return
	}
	counts.add(word)
}

// scanWords visits every word of s. It serves any prefix.
func scanWords(ctx context.Context, s string, cursorWord span, t *identTable, m *matcher, counts *wordCounts) error {
	nextCheck := ctxCheckBytes
	for i := 0; i < len(s); {
		// Find the next word start; ASCII inline, the rest by isIdentRune.
		if c := s[i]; c < utf8.RuneSelf {
			if !t[c] {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(s[i:]); !isIdentRune(r) {
			i += size
			continue
		}
		if i >= nextCheck {
			if err := ctx.Err(); err != nil {
				return err
			}
			nextCheck = i + ctxCheckBytes
		}
		start := i
		for i < len(s) && s[i] < utf8.RuneSelf && t[s[i]] {
			i++
		}
		if i < len(s) && s[i] >= utf8.RuneSelf {
			i = identEnd(s, i, t)
		}
		count(counts, s, start, i, cursorWord, m)
	}
	return nil
}

// seekWords visits only the words starting with byte lower or upper, found
// with strings.IndexByte, so most of s is skipped at memchr speed. It serves
// prefixes whose first rune folds only to those two ASCII bytes, and counts
// exactly what scanWords would.
func seekWords(ctx context.Context, s string, cursorWord span, t *identTable, m *matcher, lower, upper byte, counts *wordCounts) error {
	nextCheck := ctxCheckBytes
	nextLower, nextUpper := indexFrom(s, 0, lower), indexFrom(s, 0, upper)
	for i := 0; ; {
		if nextLower < i {
			nextLower = indexFrom(s, i, lower)
		}
		if nextUpper < i {
			nextUpper = indexFrom(s, i, upper)
		}
		start := min(nextLower, nextUpper)
		if start == len(s) {
			return nil
		}
		if start >= nextCheck {
			if err := ctx.Err(); err != nil {
				return err
			}
			nextCheck = start + ctxCheckBytes
		}
		i = identEnd(s, start, t)
		if i == start { // lower is not an identifier byte: no word starts with it
			return nil
		}
		if start > 0 && identBefore(s, start, t) {
			continue // inside a word, not at its start
		}
		count(counts, s, start, i, cursorWord, m)
	}
}

// indexFrom returns the index of the first c in s at or after i, or len(s).
func indexFrom(s string, i int, c byte) int {
	j := strings.IndexByte(s[i:], c)
	if j < 0 {
		return len(s)
	}
	return i + j
}

// identBefore reports whether the rune ending at s[:i] is an identifier rune.
func identBefore(s string, i int, t *identTable) bool {
	if c := s[i-1]; c < utf8.RuneSelf {
		return t[c]
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isIdentRune(r)
}
