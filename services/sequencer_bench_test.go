package services_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// BenchmarkSequencerPropose: a one-character insert in the middle of a
// 1 MB and a 10 MB document, proposed and committed one at a time, and in
// batches of 8 (each based on the head, so transformed past the pending
// ones). It is the sequencer's share
// of an edit's ack (issue #14: at most 1 ms at 1 MB).
//
//	go test ./services -run '^$' -bench SequencerPropose -benchmem -benchtime 100x
func BenchmarkSequencerPropose(b *testing.B) {
	for _, size := range []int{1 << 20, 10 << 20} {
		text := strings.Repeat("héllo wörld ", size/14+1)
		for _, batch := range []int{1, 8} {
			b.Run(fmt.Sprintf("%dMB/batch%d", size>>20, batch), func(b *testing.B) {
				s, err := services.NewSequencer(0, text, nil, services.SequencerConfig{Window: 100})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					// Based on the head: transformed past the pending ones.
					n := s.Len()
					var op ot.Operation
					op.Retain(n / 2).Insert("x").Retain(n - n/2)
					if _, err := s.Propose(services.Submission{ClientID: "c", Base: s.Head(), Op: op}, nil); err != nil {
						b.Fatal(err)
					}
					if s.PendingCount() == batch {
						s.Batch(0)
						s.Commit(batch)
					}
				}
			})
		}
	}
}
