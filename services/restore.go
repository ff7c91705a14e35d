package services

import (
	"context"
	"errors"

	"github.com/tandem-editor/tandem/ot"
)

// RestoreClientID is the client id of the operations restores commit
// (the REST caller has none).
const RestoreClientID = "restore"

// PrepareRestore builds the submission that restores revision rev under
// the operation id opID: one forward operation from the head, which
// Submit then sequences like any other (so it is exactly-once by id,
// acknowledged once durable, and reaches every member as an op). When
// opID already names a committed restore of rev, it returns that
// operation's result instead, and no submission.
// Errors: CodeForbidden (read-only), CodeBadMessage (no id),
// CodeRevisionOutOfRange, CodeConflict (the id names another operation),
// CodeUnavailable.
func (h *Handle) PrepareRestore(ctx context.Context, rev int, opID string) (Submission, *Result, error) {
	if h.ReadOnly {
		return Submission{}, nil, h.readOnlyError()
	}
	if opID == "" {
		return Submission{}, nil, Errorf(CodeBadMessage, "a restore needs an id")
	}
	sub := Submission{ClientID: RestoreClientID, OpID: opID, Restore: &rev}
	// An id the sequencer's window no longer holds is found in the store:
	// a restore resubmitted long after it committed is answered, not
	// applied again. One still in the window the sequencer recognises.
	orig, err := h.deps.store.OpByID(ctx, h.id, opID)
	switch {
	case err == nil:
		if !sub.repeats(orig) {
			return Submission{}, nil, Errorf(CodeConflict, "operation id %q was already used for a different operation", opID)
		}
		return Submission{}, &Result{OpID: opID, Revision: orig.Revision, Op: orig.Op}, nil
	case !errors.Is(err, ErrOpNotFound):
		return Submission{}, nil, storeError(err)
	}
	var head int
	var content string
	if err := h.call(ctx, func() { head, content = h.seq.Head(), h.seq.Content() }); err != nil {
		return Submission{}, nil, err
	}
	if rev < 0 || rev > head {
		return Submission{}, nil, Errorf(CodeRevisionOutOfRange, "revision %d is outside 0..%d", rev, head)
	}
	target, err := h.ContentAt(ctx, rev)
	if err != nil {
		return Submission{}, nil, err
	}
	sub.Base, sub.Op = head, ot.Diff(content, target)
	return sub, nil, nil
}
