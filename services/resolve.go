package services

import (
	"errors"
	"sort"
)

// Resolution is how a failed group commit ends, as Sequencer.Resolve
// decides it once its owner knows what storage holds.
type Resolution struct {
	// Applied are the operations storage holds after the old head, in
	// revision order, now committed in the sequencer. Ours[i] tells whether
	// Applied[i] is an aborted proposal whose commit did succeed (its
	// waiters get their acks) or another writer's operation.
	Applied []*Proposal
	Ours    []bool
	// Outcomes holds the fate of every other aborted proposal, oldest first.
	Outcomes []Outcome
}

// Outcome is the fate of one aborted proposal that storage does not hold as
// proposed. Exactly one of Decision, Original and Err is set.
type Outcome struct {
	Aborted *Proposal
	// Decision: proposed again after a lost race, as a new Proposal or as a
	// Duplicate of an operation committed or pending.
	Decision *Decision
	// Original: storage holds another operation under the proposal's id
	// (the commit failed with ErrOpIDTaken); its waiters are answered from
	// it (an ack if it is the same submission, else a conflict).
	Original *CommittedOp
	// Err: refused, not committed (CodeUnavailable).
	Err error
}

// Resolve ends a failed commit. aborted are the proposals Abort returned;
// stored are the operations storage holds after Head(), contiguous; cause
// is the commit's error. After a lost race (ErrRevisionTaken or
// ErrOpIDTaken) the aborted proposals that storage does not hold are
// proposed again, with older holding the committed history from the
// oldest of their bases (Propose's older); originals maps the ids storage
// holds for another operation. Otherwise they are refused.
//
// Resolve is pure, like the rest of the sequencer: the owner reads storage,
// calls it, then acts on the Resolution. It requires no pending proposals.
//
// Errors: a plain error when stored does not apply (the stored history is
// corrupt); nothing changes then.
func (s *Sequencer) Resolve(aborted []*Proposal, stored []CommittedOp, cause error, older []CommittedOp, originals map[string]CommittedOp) (Resolution, error) {
	if err := s.Advance(stored); err != nil {
		return Resolution{}, err
	}
	// An aborted proposal is among stored when storage holds its
	// submission: by id (committed at any revision, maybe by another
	// connection of the same client), or, without an id, at its own
	// revision (its commit succeeded though reported failed).
	left := make(map[*Proposal]bool, len(aborted))
	byRevision := make(map[int]*Proposal, len(aborted))
	byID := make(map[string]*Proposal, len(aborted))
	for _, p := range aborted {
		left[p] = true
		byRevision[p.Revision] = p
		if p.OpID != "" {
			byID[p.OpID] = p
		}
	}
	var res Resolution
	for _, op := range stored {
		p, ok := byID[op.OpID]
		ok = ok && op.OpID != "" && left[p] && p.BaseRevision == op.BaseRevision && p.Digest == op.Digest
		if !ok {
			p, ok = byRevision[op.Revision]
			ok = ok && left[p] && sameSubmission(p.CommittedOp, op)
		}
		if ok {
			delete(left, p)
			p.CommittedOp = op
		} else {
			p = &Proposal{CommittedOp: op}
		}
		res.Applied = append(res.Applied, p)
		res.Ours = append(res.Ours, ok)
	}
	var rest []*Proposal
	for p := range left {
		rest = append(rest, p)
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].Revision < rest[j].Revision })
	for _, p := range rest {
		res.Outcomes = append(res.Outcomes, s.fate(p, cause, older, originals))
	}
	return res, nil
}

// fate decides what becomes of one aborted proposal storage does not hold.
func (s *Sequencer) fate(p *Proposal, cause error, older []CommittedOp, originals map[string]CommittedOp) Outcome {
	if !LostRace(cause) {
		return Outcome{Aborted: p, Err: wrap(CodeUnavailable, cause, "storage is unavailable; the operation was not committed")}
	}
	if orig, ok := originals[p.OpID]; ok && p.OpID != "" {
		return Outcome{Aborted: p, Original: &orig}
	}
	d, err := s.Propose(p.sub, older)
	var need *NeedHistory
	if errors.As(err, &need) {
		// older reaches back to every aborted base, so this is a bug; still,
		// the operation was not committed.
		err = wrap(CodeUnavailable, err, "the operation was not committed; try again")
	}
	if err != nil {
		return Outcome{Aborted: p, Err: err}
	}
	if d.Proposal != nil {
		d.Proposal.CreatedAt = p.CreatedAt
		d.Proposal.received = p.received
	}
	return Outcome{Aborted: p, Decision: &d}
}

// LostRace reports whether a commit failed because storage holds something
// the proposals did not know of: another writer's revisions, or an
// operation with one of their ids. Nothing was written; the proposals are
// proposed again once the sequencer has what storage holds.
func LostRace(err error) bool {
	return errors.Is(err, ErrRevisionTaken) || errors.Is(err, ErrOpIDTaken)
}

// RebaseFrom is the oldest revision the aborted proposals' operations are
// based on now: after a lost race, the history from there is what Resolve
// needs as older.
func RebaseFrom(aborted []*Proposal, head int) int {
	from := head
	for _, p := range aborted {
		base, _, _ := p.sub.current()
		from = min(from, base)
	}
	return from
}

func sameSubmission(a, b CommittedOp) bool {
	return a.ClientID == b.ClientID && a.OpID == b.OpID && a.Digest == b.Digest && a.BaseRevision == b.BaseRevision
}
