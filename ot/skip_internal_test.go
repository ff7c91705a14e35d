package ot

import (
	"errors"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// skipUnits must agree with advance, the plain walk, on every string (valid
// UTF-8 or not), start and count: the same offset and the same error.
func TestPropertySkipUnitsAgreesWithAdvance(t *testing.T) {
	pieces := []string{"a", "0123456789abcdef0123456789abcdef", "é", "中", "😀", "\xff", "\x80", "\xe4\xb8", "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"}
	rapid.Check(t, func(t *rapid.T) {
		parts := rapid.SliceOfN(rapid.SampledFrom(pieces), 0, 40).Draw(t, "parts")
		s := ""
		for _, p := range parts {
			s += p
		}
		pos := rapid.IntRange(0, len(s)).Draw(t, "pos")
		n := rapid.IntRange(0, len(s)-pos+2).Draw(t, "n")
		want, wantErr := advance(s, pos, n)
		got, err := skipUnits(s, pos, n)
		if got != want || !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) {
			t.Fatalf("skipUnits(%q, %d, %d) = %d, %v; advance gives %d, %v", s, pos, n, got, err, want, wantErr)
		}
	})
}

// BenchmarkSkipUnits walks whole documents, as Apply's retains do: code in
// ASCII, and the same with a line of accents, CJK and emoji every few
// lines. advance is the plain walk.
func BenchmarkSkipUnits(b *testing.B) {
	line := "\tname := strings.TrimSpace(r.FormValue(\"name\")) // x\n"
	for _, other := range []string{"// Cafe au lait: naive resume zhongwen xxx yyyy.\n", "// Café au lait: naïve résumé 中文注释 🚀 ✅.\n"} {
		doc := ""
		for i := 0; len(doc) < 4096; i++ {
			doc += line
			if i%6 == 0 {
				doc += other
			}
		}
		n := UTF16Len(doc)
		kind := "ascii"
		if n != len(doc) {
			kind = "mixed"
		}
		for _, f := range []struct {
			name string
			walk func(string, int, int) (int, error)
		}{{"advance", advance}, {"skipUnits", skipUnits}} {
			b.Run(kind+"/"+f.name, func(b *testing.B) {
				b.SetBytes(int64(len(doc)))
				for b.Loop() {
					if _, err := f.walk(doc, 0, n); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// advance walks n UTF-16 units of s from byte offset pos and returns the byte
// offset reached. It fails with ErrBaseLength if s ends first and with
// ErrSurrogateSplit if the end falls inside a surrogate pair.
func advance(s string, pos, n int) (int, error) {
	for n > 0 {
		// ASCII fast path: one unit per byte.
		end := pos + n
		if end > len(s) {
			end = len(s)
		}
		start := pos
		for pos+8 <= end && asciiWord(s, pos) {
			pos += 8
		}
		for pos < end && s[pos] < utf8.RuneSelf {
			pos++
		}
		n -= pos - start
		if n == 0 {
			break
		}
		if pos >= len(s) {
			return pos, ErrBaseLength
		}
		if s[pos] < utf8.RuneSelf {
			continue
		}
		r, size := utf8.DecodeRuneInString(s[pos:])
		u := runeUnits(r)
		if u > n {
			return pos, ErrSurrogateSplit
		}
		n -= u
		pos += size
	}
	return pos, nil
}
