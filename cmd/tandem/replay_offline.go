package main

import (
	"errors"
	"fmt"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// A target is what a replay submits the recording's operations to: the
// sequencer in-process (offline) or a server (live). Its revisions are the
// recording's.
type target interface {
	// submit sends one operation line and waits for its outcome.
	// Errors: *refused when it was refused, *client.RecordingError when
	// the line cannot be sent (a base before the target's start), or
	// another error when the target failed.
	submit(line int, op client.RecordedOp) (outcome, error)
	// head is the newest revision, and sha256 the SHA-256 of the document
	// at it.
	head() int
	sha256() (string, error)
	// content is the document at the head.
	content() (string, error)
	close()
}

// outcome is what a target made of an operation line.
type outcome struct {
	// revision is the revision the operation created, or for a duplicate
	// the one its original created.
	revision  int
	duplicate bool
	// applied is the operation as committed, when the target knows it.
	applied *ot.Operation
	// before is the document before the operation; only offline, and only
	// when applied differs from what the line says was committed.
	before string
}

// refused is an operation the target refused, with its protocol code.
type refused struct {
	Code, Message string
}

func (e *refused) Error() string { return fmt.Sprintf("refused: %s: %s", e.Code, e.Message) }

// offlineTarget is the server's own sequencer, in-process: no server, no
// clock, deterministic. It keeps a bounded window of committed operations
// (window), so memory does not grow with the recording.
type offlineTarget struct {
	seq *services.Sequencer
}

// offlineWindowBytes bounds the offline sequencer's window in bytes.
const offlineWindowBytes = 64 << 20

func newOfflineTarget(h client.RecordingHeader, window int) (*offlineTarget, error) {
	seq, err := services.NewSequencer(h.Revision, h.Content, nil, services.SequencerConfig{Window: window, WindowBytes: offlineWindowBytes})
	if err != nil {
		return nil, err
	}
	return &offlineTarget{seq: seq}, nil
}

func (t *offlineTarget) submit(line int, op client.RecordedOp) (outcome, error) {
	d, err := t.seq.Propose(services.Submission{ClientID: op.Client, OpID: op.ID, Base: op.Revision, Op: op.Op}, nil)
	var need *services.NeedHistory
	var coded *services.Error
	switch {
	case errors.As(err, &need):
		return outcome{}, &client.RecordingError{Line: line, Err: fmt.Errorf(
			"based on revision %d, older than the %d operations the offline replay keeps (raise --window)", op.Revision, t.seq.Head()-t.seq.WindowStart())}
	case errors.As(err, &coded):
		return outcome{}, &refused{Code: string(coded.Code), Message: coded.Message}
	case err != nil:
		return outcome{}, err
	case d.Duplicate != nil:
		return outcome{revision: d.Duplicate.Revision, duplicate: true, applied: &d.Duplicate.Op}, nil
	}
	o := outcome{revision: d.Proposal.Revision, applied: &d.Proposal.Op}
	if op.Committed != 0 && !d.Proposal.Op.Equal(committedOp(op)) {
		o.before = t.seq.Content()
	}
	t.seq.Commit(1)
	return o, nil
}

// committedOp is the operation a line says the server committed.
func committedOp(op client.RecordedOp) ot.Operation {
	if op.Applied != nil {
		return *op.Applied
	}
	return op.Op
}

func (t *offlineTarget) head() int                { return t.seq.Head() }
func (t *offlineTarget) sha256() (string, error)  { return t.seq.ContentSHA256(), nil }
func (t *offlineTarget) content() (string, error) { return t.seq.Content(), nil }
func (t *offlineTarget) close()                   {}
