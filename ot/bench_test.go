package ot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// The typical pair: one user types a character while another deletes one
// nearby.
var (
	benchA = build(10, "a", 5)
	benchB = build(12, -1, 2)
)

func BenchmarkTransform(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ot.Transform(benchA, benchB); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompose(b *testing.B) {
	next := build(11, -2, "xy", 3)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ot.Compose(benchA, next); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransformCompose(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ap, bp, err := ot.Transform(benchA, benchB)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ot.Compose(benchA, bp); err != nil {
			b.Fatal(err)
		}
		if _, err := ot.Compose(benchB, ap); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDoc returns a document of about size bytes: mostly ASCII code with
// some accented and non-BMP characters, as real documents have.
func benchDoc(size int) string {
	line := "func main() { fmt.Println(\"héllo, wörld 😀\") } // 中文 comment\n"
	return strings.Repeat(line, size/len(line)+1)[:size-size%len(line)]
}

func benchApply(b *testing.B, size int) {
	doc := benchDoc(size)
	n := ot.UTF16Len(doc)
	// Edit the middle: retain most of the document, replace a little.
	mid := ot.UTF16Len(doc[:strings.LastIndexByte(doc[:len(doc)/2], '\n')+1])
	op := build(mid, "inserted text", -10, n-mid-10)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := op.Apply(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApply10KB(b *testing.B) { benchApply(b, 10<<10) }
func BenchmarkApply1MB(b *testing.B)  { benchApply(b, 1<<20) }
func BenchmarkApply10MB(b *testing.B) { benchApply(b, 10<<20) }

func BenchmarkUnmarshal(b *testing.B) {
	data := []byte(`[1024,"hello \ud83d\ude00 world\n",-12,300]`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var o ot.Operation
		if err := o.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshal encodes an operation; BenchmarkMarshalCached is every
// later encoding of one that caches it.
func BenchmarkMarshal(b *testing.B) {
	op := build(1024, "hello 😀 world\n", -12, 300)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := op.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalCached(b *testing.B) {
	op := build(1024, "hello 😀 world\n", -12, 300)
	op.CacheEncoding()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := op.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// Operations of many one-character components: a paste that a client sent
// as one string per character, or typing scattered over a whole document.
// Each costs time and memory linear in n: from the small n to the large one,
// 32 times larger, ns/op and B/op should grow about 32-fold, not the
// 1024-fold that merging neighbouring inserts by concatenation costs.
func benchTiny(b *testing.B, run func(b *testing.B, n int)) {
	for _, n := range []int{1 << 12, 1 << 17} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			run(b, n)
		})
	}
}

func BenchmarkInsertTiny(b *testing.B) {
	benchTiny(b, func(b *testing.B, n int) {
		for b.Loop() {
			var o ot.Operation
			for range n {
				o.Insert("x")
			}
		}
	})
}

func BenchmarkUnmarshalTiny(b *testing.B) {
	benchTiny(b, func(b *testing.B, n int) {
		data := []byte(`["x"` + strings.Repeat(`,"x"`, n-1) + `]`)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var o ot.Operation
			if err := o.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The incoming operation inserts before every character of a document that a
// committed operation deleted: its inserts all end up side by side.
func BenchmarkTransformTiny(b *testing.B) {
	benchTiny(b, func(b *testing.B, n int) {
		scattered, deleteAll := repeatOp(n, "x", 1), build(-n)
		for b.Loop() {
			if _, _, err := ot.Transform(scattered, deleteAll); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A pasted block, then a character typed after each of its characters: the
// composition is one insert.
func BenchmarkComposeTiny(b *testing.B) {
	benchTiny(b, func(b *testing.B, n int) {
		block, interleave := build(strings.Repeat("x", n)), repeatOp(n, 1, "y")
		for b.Loop() {
			if _, err := ot.Compose(block, interleave); err != nil {
				b.Fatal(err)
			}
		}
	})
}
