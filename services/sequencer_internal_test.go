package services

import (
	"fmt"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// TestSequencerForgetsEvictedIDs checks that the id index holds only the
// operations in the window and the pending ones, so memory stays bounded.
func TestSequencerForgetsEvictedIDs(t *testing.T) {
	const window = 8
	s, err := NewSequencer(0, "", nil, SequencerConfig{Window: window})
	if err != nil {
		t.Fatalf("NewSequencer: %v", err)
	}
	for i := range 200 {
		var op ot.Operation
		op.Retain(s.Head()).Insert("x")
		if _, err := s.Propose(Submission{OpID: fmt.Sprint(i), Base: s.Head(), Op: op}, nil); err != nil {
			t.Fatalf("Propose %d: %v", i, err)
		}
		s.Commit(1)
		if got, max := len(s.ids), window+window/4; got > max {
			t.Fatalf("after %d commits the id index holds %d ids, want at most %d", i+1, got, max)
		}
		for id, rev := range s.ids {
			if rev <= s.WindowStart() || rev > s.Head() {
				t.Fatalf("id %s maps to revision %d, outside the window (%d, %d]", id, rev, s.WindowStart(), s.Head())
			}
		}
	}
	var op ot.Operation
	op.Retain(s.Head()).Insert("y")
	if _, err := s.Propose(Submission{OpID: "pending", Base: s.Head(), Op: op}, nil); err != nil {
		t.Fatalf("Propose: %v", err)
	}
	if _, ok := s.ids["pending"]; !ok {
		t.Errorf("pending id not indexed")
	}
	s.Abort()
	if rev, ok := s.ids["pending"]; ok {
		t.Errorf("aborted id still indexed at revision %d", rev)
	}
}
