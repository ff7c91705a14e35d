package autocomplete

import (
	"context"
	"strings"
	"testing"
)

func BenchmarkComplete100KB(b *testing.B) {
	content := generateGo(100 << 10)
	middle := strings.Index(content[len(content)/2:], "\tfor index") + len(content)/2 + len("\tfo")
	cases := []struct {
		name    string
		content string
		offset  int
	}{
		{"prefix_at_end", content + "\nfo", len(content) + 3},
		{"prefix_in_middle", content, middle},
		{"empty_prefix", content + "\n", len(content) + 1},
		{"member_access", content + "\nroom.", len(content) + 6},
		{"capitalised_prefix", content + "\nRe", len(content) + 3},
	}
	r := NewRules()
	ctx := context.Background()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := Request{Language: "go", Content: c.content, Offset: c.offset}
			b.SetBytes(int64(len(c.content)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Complete(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
