package ot

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
	"unsafe"

	"pgregory.net/rapid"
)

// checkDocument fails the test unless d holds want and keeps its
// invariants: lengths add up, chunks are non-empty valid UTF-8 of the sizes
// the constants say, blocks hold minBlock to maxBlock chunks, the last chunk
// and the last block excepted.
func checkDocument(t tester, d Document, want string) {
	t.Helper()
	if got := d.String(); got != want {
		t.Fatalf("document holds %q, want %q", clip(got), clip(want))
	}
	var written strings.Builder
	if n, err := d.WriteTo(&written); err != nil || n != int64(len(want)) || written.String() != want {
		t.Fatalf("WriteTo wrote %q (%d bytes, %v), want %q", clip(written.String()), n, err, clip(want))
	}
	if d.Len() != UTF16Len(want) || d.bytes != len(want) {
		t.Fatalf("document length %d units %d bytes, want %d %d", d.Len(), d.bytes, UTF16Len(want), len(want))
	}
	if want == "" {
		if d.blocks != nil || d.flat {
			t.Fatalf("empty document has %d blocks, flat %v", len(d.blocks), d.flat)
		}
		return
	}
	if d.flat != !utf8.ValidString(want) {
		t.Fatalf("flat %v for a text whose validity is %v", d.flat, utf8.ValidString(want))
	}
	if d.flat {
		if len(d.blocks) != 1 || len(d.blocks[0].chunks) != 1 {
			t.Fatalf("flat document has %d blocks", len(d.blocks))
		}
		return
	}
	for i, b := range d.blocks {
		lastBlock := i == len(d.blocks)-1
		if len(b.chunks) == 0 || len(b.chunks) > maxBlock || (!lastBlock && len(b.chunks) < minBlock) {
			t.Fatalf("block %d of %d holds %d chunks", i, len(d.blocks), len(b.chunks))
		}
		units, bytes := 0, 0
		for j, c := range b.chunks {
			last := lastBlock && j == len(b.chunks)-1
			if c.s == "" || len(c.s) > maxChunk+utf8.UTFMax || (!last && len(c.s) < minChunk) {
				t.Fatalf("chunk %d of block %d holds %d bytes", j, i, len(c.s))
			}
			if !utf8.ValidString(c.s) || c.units != UTF16Len(c.s) {
				t.Fatalf("chunk %d of block %d: %d units for %q", j, i, c.units, clip(c.s))
			}
			units += c.units
			bytes += len(c.s)
		}
		if units != b.units || bytes != b.bytes {
			t.Fatalf("block %d: %d units %d bytes, chunks hold %d %d", i, b.units, b.bytes, units, bytes)
		}
	}
}

// tester is what the checks need of *testing.T and *rapid.T.
type tester interface {
	Helper()
	Fatalf(format string, args ...any)
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:40] + "..." + s[len(s)-40:]
	}
	return s
}

// sameError reports whether two results of Apply fail alike: both nil, or
// with the same message.
func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

// applyBoth applies op to d and to its text with Operation.Apply, fails the
// test unless they agree, and returns the new document.
func applyBoth(t tester, d Document, op Operation) (Document, error) {
	t.Helper()
	text := d.String()
	want, wantErr := op.Apply(text)
	got, err := d.Apply(op)
	if !sameError(err, wantErr) {
		t.Fatalf("Apply(%v) on %d units: error %v, Operation.Apply: %v", op, d.Len(), err, wantErr)
	}
	if err != nil {
		if got.Len() != 0 || got.String() != "" {
			t.Fatalf("failed Apply returned %d units", got.Len())
		}
		return d, err
	}
	checkDocument(t, got, want)
	// d itself must be unchanged: every version stays valid.
	checkDocument(t, d, text)
	return got, nil
}

// docAlphabet mixes ASCII, multi-byte BMP and astral characters; the long
// pieces make documents of many chunks in few draws.
var docAlphabet = []string{"a", "b", " ", "\n", "é", "中", "😀", "𝄞", strings.Repeat("x", 100), strings.Repeat("é😀", 40)}

// genDocText draws a text of up to a few hundred KB: a drawn piece,
// repeated, so that it spans several blocks; sometimes with invalid UTF-8.
func genDocText(t *rapid.T) string {
	parts := rapid.SliceOfN(rapid.SampledFrom(docAlphabet), 0, 30).Draw(t, "pieces")
	piece := strings.Join(parts, "")
	if rapid.IntRange(0, 9).Draw(t, "invalid") == 0 {
		piece += rapid.SampledFrom([]string{"\xff", "\xe2\x82", "\x80", "\xed\xa0\x80"}).Draw(t, "bad")
	}
	if piece == "" {
		return ""
	}
	size := rapid.SampledFrom([]int{0, 1, 300, 3000, 70_000, 200_000}).Draw(t, "size")
	return strings.Repeat(piece, size/len(piece)+1)
}

// genMaybeInvalidOp draws an operation on a document of n units: usually one that
// fits it (its counts may still end inside a surrogate pair), sometimes one
// of another base length or an invalid one.
func genMaybeInvalidOp(t *rapid.T, n int) Operation {
	var o Operation
	// Few components at spread-out positions, as edits are.
	cuts := rapid.SliceOfN(rapid.IntRange(0, n), 0, 6).Draw(t, "cuts")
	pos := 0
	for i, c := range cuts {
		if c < pos {
			c = pos + (pos-c)%(n-pos+1)
		}
		if c > pos {
			o.Retain(c - pos)
			pos = c
		}
		switch rapid.IntRange(0, 4).Draw(t, fmt.Sprint("kind", i)) {
		case 0:
			o.Insert(rapid.SampledFrom(docAlphabet).Draw(t, fmt.Sprint("insert", i)))
		case 1:
			if k := rapid.IntRange(0, min(n-pos, 3000)).Draw(t, fmt.Sprint("delete", i)); k > 0 {
				o.Delete(k)
				pos += k
			}
		case 3:
			// Large enough to fill blocks, or to empty them.
			piece := rapid.SampledFrom(docAlphabet).Draw(t, fmt.Sprint("paste", i))
			o.Insert(strings.Repeat(piece, rapid.IntRange(1, 2000).Draw(t, fmt.Sprint("pastes", i))))
		case 4:
			if k := rapid.IntRange(0, n-pos).Draw(t, fmt.Sprint("cut", i)); k > 0 {
				o.Delete(k)
				pos += k
			}
		default:
			o.Delete(n - pos)
			pos = n
			o.Insert(rapid.SampledFrom(docAlphabet).Draw(t, fmt.Sprint("tail", i)))
		}
	}
	o.Retain(n - pos)
	// rapid draws small numbers most: the breaks are the large ones.
	switch rapid.IntRange(0, 19).Draw(t, "break") {
	case 16:
		o.Retain(1)
	case 17:
		o.Delete(rapid.IntRange(1, 3).Draw(t, "extra"))
	case 18:
		o.Insert("\xff")
	case 19:
		o.Retain(-1)
	}
	return o
}

func TestPropertyDocumentApplyAgrees(t *testing.T) {
	multiBlock, cases, failed := 0, 0, map[error]int{}
	defer func() {
		t.Logf("%d of %d documents span several blocks; failed applies: %v", multiBlock, cases, failed)
	}()
	rapid.Check(t, func(t *rapid.T) {
		cases++
		text := genDocText(t)
		d := NewDocument(text)
		checkDocument(t, d, text)
		if len(d.blocks) > 1 {
			multiBlock++
		}
		steps := rapid.IntRange(1, 8).Draw(t, "steps")
		for range steps {
			var err error
			d, err = applyBoth(t, d, genMaybeInvalidOp(t, d.Len()))
			for _, s := range []error{ErrBaseLength, ErrSurrogateSplit, ErrInvalidOp, ErrInvalidText} {
				if errors.Is(err, s) {
					failed[s]++
				}
			}
		}
	})
}

// TestDocumentTyping types and deletes at the start, middle and end of
// documents of every size class, checking invariants after each keystroke,
// and keeps every version to check that versions share nothing mutable.
func TestDocumentTyping(t *testing.T) {
	for _, size := range []int{0, 1, 300, 5000, 150_000} {
		for _, where := range []string{"start", "middle", "end"} {
			t.Run(fmt.Sprintf("%d/%s", size, where), func(t *testing.T) {
				text := strings.Repeat("ab😀中 ", (size+9)/10)
				d := NewDocument(text)
				versions := []Document{d}
				texts := []string{text}
				for i := range 300 {
					at := 0
					switch where {
					case "middle":
						at = d.Len() / 2
						if at > 0 && isLowSurrogateAt(d.String(), at) {
							at++
						}
					case "end":
						at = d.Len()
					}
					var op Operation
					op.Retain(at)
					if i%5 == 4 && at < d.Len() {
						n := 1
						if isLowSurrogateAt(d.String(), at+1) {
							n = 2
						}
						op.Delete(n)
						op.Retain(d.Len() - at - n)
					} else {
						op.Insert("k").Retain(d.Len() - at)
					}
					var err error
					if d, err = applyBoth(t, d, op); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					if i%50 == 0 {
						versions, texts = append(versions, d), append(texts, d.String())
					}
				}
				for i, v := range versions {
					checkDocument(t, v, texts[i])
				}
			})
		}
	}
}

// isLowSurrogateAt reports whether unit at of s is the second unit of a
// surrogate pair.
func isLowSurrogateAt(s string, at int) bool {
	n := 0
	for _, r := range s {
		u := 1
		if r >= 0x10000 {
			u = 2
		}
		if at > n && at < n+u {
			return true
		}
		n += u
		if n > at {
			return false
		}
	}
	return false
}

// Compact gives the same document, with every chunk inside the text it
// returns, and one that edits on like any other.
func TestDocumentCompact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := genDocText(t)
		d := NewDocument(text)
		for range rapid.IntRange(0, 4).Draw(t, "edits") {
			d, _ = applyBoth(t, d, genMaybeInvalidOp(t, d.Len()))
		}
		text = d.String()
		got, c := d.Compact()
		if got != text {
			t.Fatalf("Compact text differs")
		}
		checkDocument(t, c, text)
		if len(got) > 0 {
			base := uintptr(unsafe.Pointer(unsafe.StringData(got)))
			for _, b := range c.blocks {
				for _, k := range b.chunks {
					if p := uintptr(unsafe.Pointer(unsafe.StringData(k.s))); p < base || p+uintptr(len(k.s)) > base+uintptr(len(got)) {
						t.Fatalf("a chunk of the compacted document is outside its text")
					}
				}
			}
		}
		applyBoth(t, c, genMaybeInvalidOp(t, c.Len()))
	})
}

func TestValidUnits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "any") + strings.Join(rapid.SliceOf(rapid.SampledFrom(docAlphabet)).Draw(t, "pieces"), "")
		if got, want := validUnits(s), UTF16Len(s); got != want {
			t.Fatalf("validUnits(%q) = %d, want %d", s, got, want)
		}
	})
}

// Versions of one document are applied to from several goroutines at once
// (run with -race): they share chunks and blocks, and none changes them.
func TestDocumentConcurrentApply(t *testing.T) {
	text := strings.Repeat("héllo 😀 ", 20_000)
	d := NewDocument(text)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			v := d
			for i := range 50 {
				at := (g*7919 + i*104729) % v.Len()
				var op Operation
				op.Retain(at).Insert("z").Retain(v.Len() - at)
				next, err := v.Apply(op)
				if err != nil && !errors.Is(err, ErrSurrogateSplit) {
					t.Errorf("Apply: %v", err)
					return
				}
				if err == nil {
					v = next
				}
			}
		})
	}
	wg.Wait()
	checkDocument(t, d, text)
}

func TestDocumentErrors(t *testing.T) {
	d := NewDocument("a😀b")
	var split, long, bad Operation
	split.Retain(2).Insert("x").Retain(2)
	long.Retain(5)
	bad.Insert("\xff")
	for _, tc := range []struct {
		name string
		op   Operation
		want error
	}{
		{"split", split, ErrSurrogateSplit},
		{"base length", long, ErrBaseLength},
		{"invalid text", bad, ErrInvalidText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Apply(tc.op)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Apply(%v) = %v, want %v", tc.op, err, tc.want)
			}
			_, want := tc.op.Apply(d.String())
			if err.Error() != want.Error() {
				t.Errorf("error %q, Operation.Apply says %q", err, want)
			}
		})
	}
}

// FuzzDocumentApply checks that Document.Apply agrees with Operation.Apply:
// the fuzzer's text, repeated reps times so that it spans many chunks, and
// its operation, padded with a retain to the document's length when shorter,
// applied twice over (the second time to the result).
func FuzzDocumentApply(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string, reps uint16, opJSON string) {
		var o Operation
		if o.UnmarshalJSON([]byte(opJSON)) != nil {
			return
		}
		if len(text)*int(reps%2048) > 1<<20 {
			return
		}
		text = strings.Repeat(text, int(reps%2048))
		d := NewDocument(text)
		checkDocument(t, d, text)
		for range 2 {
			if pad := d.Len() - o.BaseLen(); pad > 0 && o.BaseLen() > 0 {
				o = o.Clone()
				o.Retain(pad)
			}
			next, err := applyBoth(t, d, o)
			if err != nil {
				return
			}
			d = next
		}
	})
}
