package ot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// BenchmarkDocumentInsert: one character inserted in the middle of a
// document of each size, as a string (Operation.Apply, which copies it) and
// as an ot.Document (which copies the chunk it edits and the block
// headers).
//
//	go test ./ot -run '^$' -bench DocumentInsert -benchmem -benchtime 200x
func BenchmarkDocumentInsert(b *testing.B) {
	for _, size := range []int{10 << 10, 1 << 20, 10 << 20} {
		text := strings.Repeat("héllo wörld ", size/14+1)
		n := ot.UTF16Len(text)
		op := build(n/2, "x", n-n/2)
		b.Run(fmt.Sprintf("%dKB/string", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := op.Apply(text); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dKB/document", size>>10), func(b *testing.B) {
			d := ot.NewDocument(text)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Apply(op); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDocumentText: building a 10 MB document from a string and its
// string from the document, each linear in the text.
//
//	go test ./ot -run '^$' -bench DocumentText -benchmem -benchtime 20x
func BenchmarkDocumentText(b *testing.B) {
	text := strings.Repeat("héllo wörld ", (10<<20)/14+1)
	b.Run("NewDocument", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ot.NewDocument(text)
		}
	})
	b.Run("String", func(b *testing.B) {
		d := ot.NewDocument(text)
		op := build(d.Len(), "x") // two chunks or more: String copies
		d, err := d.Apply(op)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = d.String()
		}
	})
}
