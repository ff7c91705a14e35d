package autocomplete

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// matchClass says how a label matches the prefix; lower is better.
type matchClass int8

const (
	matchExact matchClass = iota // prefix of the label, case included
	matchFold                    // prefix of the label, ignoring case
	matchFuzzy                   // first rune matches, the rest is a subsequence, ignoring case
	noMatch
)

// matcher classifies labels against one prefix.
type matcher struct {
	prefix          string
	caseInsensitive bool // the language ignores case: matchFold counts as matchExact
	first           rune
	firstLower      byte // lower-cased first byte when the prefix starts with ASCII
}

func newMatcher(prefix string, caseInsensitive bool) *matcher {
	m := &matcher{prefix: prefix, caseInsensitive: caseInsensitive}
	if prefix != "" {
		m.first, _ = utf8.DecodeRuneInString(prefix)
		if prefix[0] < utf8.RuneSelf {
			m.firstLower = lowerASCII(prefix[0])
		}
	}
	return m
}

// firstMatches is the cheap filter run on every word of the document: true
// if the word's first rune equals the prefix's, ignoring case.
func (m *matcher) firstMatches(word string) bool {
	if m.prefix == "" {
		return true
	}
	if word == "" {
		return false
	}
	if c := word[0]; c < utf8.RuneSelf && m.firstLower != 0 {
		return lowerASCII(c) == m.firstLower
	}
	r, _ := utf8.DecodeRuneInString(word)
	return equalFoldRune(r, m.first)
}

// asciiFirst returns the two bytes a matching word can start with, when the
// prefix starts with an ASCII byte that has no non-ASCII case variant (k and
// s do: U+212A KELVIN SIGN, U+017F LATIN SMALL LETTER LONG S).
func (m *matcher) asciiFirst() (lower, upper byte, ok bool) {
	if m.prefix == "" || m.prefix[0] >= utf8.RuneSelf || m.firstLower == 'k' || m.firstLower == 's' {
		return 0, 0, false
	}
	lower = m.firstLower
	upper = lower
	if 'a' <= lower && lower <= 'z' {
		upper = lower - 'a' + 'A'
	}
	return lower, upper, true
}

// class returns how label matches the prefix.
func (m *matcher) class(label string) matchClass {
	switch {
	case strings.HasPrefix(label, m.prefix):
		return matchExact
	case !m.firstMatches(label):
		return noMatch
	case hasPrefixFold(label, m.prefix):
		if m.caseInsensitive {
			return matchExact
		}
		return matchFold
	case isSubsequenceFold(label, m.prefix):
		return matchFuzzy
	}
	return noMatch
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFoldRune reports whether a and b are equal under simple Unicode case
// folding.
func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return lowerASCII(byte(a)) == lowerASCII(byte(b))
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// nextRune decodes the rune at s[i:], with an ASCII fast path.
func nextRune(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// hasPrefixFold reports whether s starts with prefix, rune by rune under
// simple case folding.
func hasPrefixFold(s, prefix string) bool {
	i, j := 0, 0
	for j < len(prefix) {
		if i >= len(s) {
			return false
		}
		a, na := nextRune(s, i)
		b, nb := nextRune(prefix, j)
		if !equalFoldRune(a, b) {
			return false
		}
		i += na
		j += nb
	}
	return true
}

// isSubsequenceFold reports whether the runes of sub occur in s in order,
// under simple case folding.
func isSubsequenceFold(s, sub string) bool {
	i, j := 0, 0
	for j < len(sub) {
		b, nb := nextRune(sub, j)
		for {
			if i >= len(s) {
				return false
			}
			a, na := nextRune(s, i)
			i += na
			if equalFoldRune(a, b) {
				break
			}
		}
		j += nb
	}
	return true
}
