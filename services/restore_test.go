package services_test

import (
	"testing"

	"github.com/tandem-editor/tandem/internal/optest"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// A restore is known by its id and the revision it restores, whatever
// base it was computed at: a resubmission computed afresh at a later
// head, while the first is pending or after it committed, is a duplicate;
// the same id restoring another revision is a conflict.
func TestSequencerRestoreResubmittedAtLaterBase(t *testing.T) {
	s := newSequencer(t, "ab", services.SequencerConfig{Window: 100}, optest.Build(2, "c"))
	one := 1
	first := propose(t, s, services.Submission{ClientID: services.RestoreClientID, OpID: "r", Base: 1, Op: ot.Diff("abc", "abc"), Restore: &one})
	for _, pending := range []bool{true, false} {
		// While pending, the head is still 1; once committed, 2.
		again := services.Submission{ClientID: services.RestoreClientID, OpID: "r", Base: s.Head(), Op: ot.Diff("abc", "abc"), Restore: &one}
		d, err := s.Propose(again, nil)
		if err != nil || d.Duplicate == nil || d.Duplicate.Revision != first.Revision || d.Duplicate.Pending != pending {
			t.Fatalf("resubmission (pending %v) = %+v, %v; want the duplicate of revision %d", pending, d, err, first.Revision)
		}
		s.Commit(1)
	}
	zero := 0
	other := services.Submission{ClientID: services.RestoreClientID, OpID: "r", Base: 2, Op: ot.Diff("abc", "ab"), Restore: &zero}
	if _, err := s.Propose(other, nil); services.ErrorCode(err) != services.CodeConflict {
		t.Fatalf("the id restoring another revision: %v, want conflict", err)
	}
	// A plain operation under a restore's id is a conflict too.
	if _, err := s.Propose(services.Submission{ClientID: "c", OpID: "r", Base: 1, Op: ot.Diff("abc", "abc")}, nil); services.ErrorCode(err) != services.CodeConflict {
		t.Fatalf("a plain op under the id: %v, want conflict", err)
	}
}
