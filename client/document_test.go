package client

import (
	"errors"
	"github.com/tandem-editor/tandem/internal/optest"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/ot"
)

// op builds an operation from ot.js-style components (optest.Build).
func op(t testing.TB, cs ...any) ot.Operation {
	t.Helper()
	return optest.Build(cs...)
}

// checkDocument verifies that a document holds want, as a string and as
// a length (ot's tests check the chunks themselves).
func checkDocument(t testing.TB, d *document, want string) {
	t.Helper()
	if d.Len() != ot.UTF16Len(want) {
		t.Fatalf("length %d units, want %d", d.Len(), ot.UTF16Len(want))
	}
	if got := d.String(); got != want {
		t.Fatalf("text %q, want %q", got, want)
	}
	if got := d.String(); got != want {
		t.Fatalf("cached text %q, want %q", got, want)
	}
}

func TestDocumentApply(t *testing.T) {
	long := strings.Repeat("abcdefghij", 300) // 3,000 bytes: several chunks
	emojis := strings.Repeat("😀", 700)        // 2,800 bytes, 1,400 units
	tests := []struct {
		name, doc string
		op        []any
	}{
		{"insert into empty", "", []any{"héllo 😀"}},
		{"delete everything", "héllo 😀", []any{-8}},
		{"empty no-op", "", nil},
		{"insert in the middle", "hello", []any{2, "XY", 3}},
		{"insert at the end", "hello", []any{5, "!"}},
		{"insert after a non-BMP rune", "a😀b", []any{3, "é", 1}},
		{"delete a non-BMP rune", "a😀b", []any{1, -2, 1}},
		{"replace", "hello world", []any{6, "there", -5}},
		{"several edits", "0123456789", []any{"a", 2, -2, "b", 3, "c", 3}},
		{"insert at the chunk border", long, []any{1500, "<>", 1500}},
		{"delete across the chunk border", long, []any{1400, -200, 1400}},
		{"delete a whole chunk and more", long, []any{10, -2980, 10}},
		{"delete all but the ends", long, []any{1, -2998, 1}},
		{"edit both ends", long, []any{"x", -1, 2998, -1, "y"}},
		{"edit every chunk", long, []any{"a", 1000, -10, "b", 990, -10, "c", 990}},
		{"insert a big text", "ab", []any{1, strings.Repeat("xyz😀", 2000), 1}},
		{"non-BMP across borders", emojis, []any{698, "-", 2, "-", 700}},
		{"delete non-BMP across borders", emojis, []any{2, -1390, 8}},
		{"retain only", long, []any{3000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := op(t, tt.op...)
			want, err := o.Apply(tt.doc)
			require.NoError(t, err)
			d := newDocument(tt.doc)
			checkDocument(t, &d, tt.doc)
			require.NoError(t, d.apply(o))
			checkDocument(t, &d, want)
		})
	}
}

func TestDocumentErrors(t *testing.T) {
	long := strings.Repeat("abcdefghi😀", 300) // 3,600 bytes, 3,300 units
	tests := []struct {
		name, doc string
		op        []any
		want      error
	}{
		{"base too short", "hello", []any{4, "x"}, ot.ErrBaseLength},
		{"base too long", "hello", []any{6}, ot.ErrBaseLength},
		{"empty document", "", []any{-1}, ot.ErrBaseLength},
		{"long base too short", long, []any{"x", 3299}, ot.ErrBaseLength},
		{"retain splits a pair", "a😀b", []any{2, "x", 2}, ot.ErrSurrogateSplit},
		{"delete splits a pair", "a😀b", []any{1, -1, 2}, ot.ErrSurrogateSplit},
		{"split after an edit", long, []any{"x", 5, -5, 2000, 1290}, ot.ErrSurrogateSplit},
		{"split after a closed edit", long, []any{"x", 1, 3000, -1, 298}, ot.ErrSurrogateSplit},
		{"split far away", long, []any{2760, "x", 540}, ot.ErrSurrogateSplit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := op(t, tt.op...)
			_, want := o.Apply(tt.doc)
			require.ErrorIs(t, want, tt.want)
			d := newDocument(tt.doc)
			_ = d.String()
			err := d.apply(o)
			require.ErrorIs(t, err, tt.want)
			require.EqualError(t, err, want.Error())
			checkDocument(t, &d, tt.doc)
		})
	}

	var invalid ot.Operation
	invalid.Retain(-1)
	d := newDocument("abc")
	require.ErrorIs(t, d.apply(invalid), ot.ErrInvalidOp)
	checkDocument(t, &d, "abc")
}

// texts are the runes random documents and inserts are made of: 1 to 4
// bytes, 1 or 2 UTF-16 units.
var texts = []string{"a", "b", " ", "\n", "é", "ß", "€", "中", "😀", "𝄞"}

func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		if r.IntN(4) == 0 {
			b.WriteString(texts[r.IntN(len(texts))])
		} else {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	return b.String()
}

// randomOp makes an operation on doc with a few edits. Its cut points are
// rune boundaries, about where ot.NewDocument cuts doc into chunks or,
// unless valid, any unit; unless valid, its base length is sometimes wrong.
func randomOp(r *rand.Rand, doc string, valid bool) ot.Operation {
	var points []int // candidate cut points
	u := 0
	for _, c := range doc {
		points = append(points, u)
		u++
		if c >= 0x10000 {
			u++
		}
	}
	points = append(points, u)
	var borders []int
	k := (len(doc) + 1023) / 1024
	for i := 1; i < k; i++ {
		b := ot.UTF16Len(doc[:len(doc)*i/k])
		borders = append(borders, b, max(b-1, 0), min(b+1, u))
	}
	pick := func() int {
		switch k := r.IntN(10); {
		case !valid && k == 0:
			return r.IntN(u + 1)
		case len(borders) > 0 && k < 5:
			p := borders[r.IntN(len(borders))]
			if valid && !slices.Contains(points, p) {
				return points[r.IntN(len(points))]
			}
			return p
		}
		return points[r.IntN(len(points))]
	}
	cuts := make([]int, r.IntN(6))
	for i := range cuts {
		cuts[i] = pick()
	}
	slices.Sort(cuts)
	var o ot.Operation
	pos := 0
	for i, c := range cuts {
		if c < pos {
			continue
		}
		o.Retain(c - pos)
		pos = c
		if r.IntN(2) == 0 {
			n := 1 + r.IntN(5)
			if r.IntN(10) == 0 {
				n = r.IntN(5000)
			}
			o.Insert(randomText(r, n))
		}
		if r.IntN(2) == 0 {
			// Mostly short deletes, some to anywhere further.
			end := pick()
			if r.IntN(4) > 0 {
				j, _ := slices.BinarySearch(points, c)
				end = points[min(j+1+r.IntN(20), len(points)-1)]
			}
			if i+1 < len(cuts) {
				end = min(end, cuts[i+1])
			}
			if end > pos {
				o.Delete(end - pos)
				pos = end
			}
		}
	}
	end := u - pos
	if !valid && r.IntN(10) == 0 {
		end += r.IntN(3) - 1
	}
	o.Retain(max(end, 0))
	return o
}

// TestDocumentMatchesOT applies random sequences of operations, valid and
// not, to a document and to a string with ot.Operation.Apply: they must
// agree on every text and every error.
func TestDocumentMatchesOT(t *testing.T) {
	iterations := 200
	if testing.Short() {
		iterations = 20
	}
	for seed := range uint64(iterations) {
		r := rand.New(rand.NewPCG(seed, 1))
		size := r.IntN(6000)
		if seed%10 == 0 {
			size = 0
		}
		text := randomText(r, size)
		d := newDocument(text)
		checkDocument(t, &d, text)
		for step := range 40 {
			o := randomOp(r, text, r.IntN(4) > 0)
			want, wantErr := o.Apply(text)
			err := d.apply(o)
			if wantErr != nil {
				require.Error(t, err, "seed %d step %d: %v", seed, step, o)
				require.EqualError(t, err, wantErr.Error(), "seed %d step %d", seed, step)
				require.True(t, errors.Is(err, ot.ErrBaseLength) || errors.Is(err, ot.ErrSurrogateSplit))
			} else {
				require.NoError(t, err, "seed %d step %d: %v", seed, step, o)
				text = want
			}
			if r.IntN(2) == 0 {
				checkDocument(t, &d, text)
			}
		}
		checkDocument(t, &d, text)
	}
}

// typingOps are what a 50-client room sends: 1-3 characters inserted or
// deleted at random places of a 15 KB document.
func typingOps(b *testing.B, doc string) []ot.Operation {
	r := rand.New(rand.NewPCG(1, 2))
	ops := make([]ot.Operation, 1000)
	for i := range ops {
		edit := randomTyping(r)
		o, _, err := edit(doc)
		if err != nil {
			b.Fatal(err)
		}
		ops[i] = o
		if doc, err = o.Apply(doc); err != nil {
			b.Fatal(err)
		}
	}
	return ops
}

func BenchmarkApplyTyping(b *testing.B) {
	start := seededText(rand.New(rand.NewPCG(1, 1)), 15000)
	ops := typingOps(b, start)
	b.Run("string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doc := start
			for _, o := range ops {
				doc, _ = o.Apply(doc)
			}
		}
	})
	b.Run("document", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := newDocument(start)
			for _, o := range ops {
				if err := d.apply(o); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
