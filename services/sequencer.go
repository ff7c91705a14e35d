package services

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// Submission is an operation as a client sent it.
type Submission struct {
	ClientID  string
	OpID      string
	Base      int
	Op        ot.Operation
	Selection *ot.Selection
	// Restore, when set, makes the submission a restore of that revision
	// (POST /api/rooms/{id}/restore): Op turns the document at Base into
	// the content at *Restore. Its id then names the restore whatever base
	// it was computed at, so a resubmission, computed afresh at a later
	// head, is still recognised (Digest, sameAs).
	Restore *int
	// rebased, when set, is the operation transformed against the history
	// from Base up to a later revision (Rebase). Base and Op stay as sent:
	// they identify the submission.
	rebased *rebased
	// via is set when another instance forwarded the submission here.
	via *inbound
	// forwarded is set once this instance forwarded it to the room's owner.
	forwarded *forwardedSubmission
}

type rebased struct {
	base int
	op   ot.Operation
	sel  *ot.Selection
}

// current returns the revision the submission's operation applies to now,
// with that operation and selection.
func (s Submission) current() (int, ot.Operation, *ot.Selection) {
	if s.rebased != nil {
		return s.rebased.base, s.rebased.op, s.rebased.sel
	}
	return s.Base, s.Op, s.Selection
}

// Rebase transforms the submission against ops, the committed operations
// that follow the revision it applies to now, contiguous. The result
// proposes like the original but needs no history before the last of ops:
// an owner rebases a submission based far back page by page, holding one
// page of history at a time.
//
// Errors: *Error with CodeInvalidOp when the operation does not fit; a plain
// error when ops do not continue from the submission's revision.
func (s Submission) Rebase(ops []CommittedOp) (Submission, error) {
	base, op, sel := s.current()
	sel = copySelection(sel)
	// As in Propose: a selection that does not fit is dropped.
	if sel != nil && sel.Validate(op.TargetLen()) != nil {
		sel = nil
	}
	for _, c := range ops {
		if c.Revision != base+1 {
			return s, fmt.Errorf("rebase: revision %d does not follow %d", c.Revision, base)
		}
		var err error
		if op, _, err = ot.Transform(op, c.Op); err != nil {
			return s, wrap(CodeInvalidOp, err, "operation does not fit revision %d: %v", s.Base, err)
		}
		if sel != nil {
			*sel = sel.Transform(c.Op)
		}
		base = c.Revision
	}
	s.rebased = &rebased{base: base, op: op, sel: sel}
	return s, nil
}

// Digest identifies the submitted operation for id-reuse checks; a
// restore's names the revision it restores.
func (s Submission) Digest() string {
	if s.Restore != nil {
		return restoreDigest(*s.Restore)
	}
	b, err := s.Op.MarshalJSON()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// repeats reports whether op is this submission committed: the same id,
// base revision and operation (the client may differ: a reconnected one).
func (s Submission) repeats(op CommittedOp) bool {
	return s.OpID != "" && op.OpID == s.OpID && s.sameAs(op.BaseRevision, op.Digest)
}

// sameAs reports whether a committed operation of that base and digest is
// this submission's: a restore is known by the revision it restores alone.
func (s Submission) sameAs(base int, digest string) bool {
	return digest == s.Digest() && (s.Restore != nil || base == s.Base)
}

// restoreDigest is the digest of a restore of revision rev (never a hex
// digest of an operation).
func restoreDigest(rev int) string { return RestoreDigestPrefix + strconv.Itoa(rev) }

// RestoreDigestPrefix begins the digest of every restore's operation, and
// no other digest: stores keep the rows of restores when they compact.
const RestoreDigestPrefix = "restore@"

// made reports whether op is the commit of s: the same id, base and
// operation (a client that reconnected resubmits under another client id),
// or, without an id, the same client, base and operation.
func (s Submission) made(op CommittedOp) bool {
	if s.OpID != "" {
		return s.repeats(op)
	}
	return op.OpID == "" && op.ClientID == s.ClientID && s.sameAs(op.BaseRevision, op.Digest)
}

// Proposal is a transformed operation the sequencer has placed at the next
// revision. It is tentative until Commit; Abort withdraws it.
type Proposal struct {
	CommittedOp
	// Selection is the sender's selection transformed like the operation.
	Selection *ot.Selection
	// content is the document after the operation. It shares with the
	// head's document every chunk the pending operations leave alone, so a
	// pending proposal costs about what its operation edits.
	content ot.Document
	// Depth is how many operations it was transformed against.
	Depth int
	// sub is the submission as received, kept to propose it again if
	// another writer takes its revision, and for recordings; received is
	// when it arrived. Both are unset for operations committed elsewhere.
	sub      Submission
	received time.Time
}

// Decision is the sequencer's answer to a submission: either a new Proposal
// or, for a resubmitted id, the revision the original created.
type Decision struct {
	Proposal *Proposal
	// Duplicate is set when the submission repeats an earlier one; Revision
	// is the revision it created, Pending whether that is still tentative.
	Duplicate *Duplicate
}

// Duplicate describes a resubmission of an operation already sequenced.
type Duplicate struct {
	Revision int
	Pending  bool
	// Op is the operation as committed (transformed).
	Op ot.Operation
}

// NeedHistory is returned by Propose when the submission's base revision is
// older than the sequencer's window: the caller fetches the operations with
// revisions in (From, To] from storage and proposes again with them.
type NeedHistory struct {
	From, To int
}

func (e *NeedHistory) Error() string {
	return fmt.Sprintf("history (%d, %d] is not in memory", e.From, e.To)
}

// Sequencer is one room's authoritative order of operations. It is pure: no
// I/O, no clock, no goroutines; its owner (one goroutine) drives it:
//
//  1. Propose a submission; a Proposal gets the next revision.
//  2. Persist proposals (several at once: group commit).
//  3. Commit(n) after the first n pending proposals are durable, then ack
//     and broadcast them; or Abort() when persisting failed.
//
// Memory is bounded: it keeps the committed content, the newest window of
// committed operations (with their ids, for resubmission checks) and the
// pending proposals. The content is an ot.Document, so an operation costs
// what it edits, not a copy of the document, and the documents after the
// pending proposals share its chunks; Content builds the text as a string
// when a caller needs one.
type Sequencer struct {
	head    int
	content ot.Document
	// text is content as a string once Content has built it (hasText),
	// until the head moves.
	text      string
	hasText   bool
	window    []CommittedOp
	maxWindow int
	// windowBytes is the footprint of the window's operations; maxBytes
	// bounds it (0: no bound).
	windowBytes, maxBytes int
	pending               []*Proposal
	ids                   map[string]int
	maxDocSize            int
	// hashEvery and hashes: the content hash after each revision that is a
	// multiple of hashEvery, for the newest maxHashes of them.
	hashEvery int
	hashes    []revisionHash
}

type revisionHash struct {
	revision int
	hash     string
}

// maxHashes is how many content hashes a sequencer keeps.
const maxHashes = 16

// SequencerConfig bounds a sequencer's memory and its document.
type SequencerConfig struct {
	// Window is how many committed operations stay in memory (at least 1).
	Window int
	// WindowBytes bounds the window's operations in bytes (ot's Footprint;
	// 0: no bound). The window may then hold fewer than Window operations,
	// down to none.
	WindowBytes int
	// MaxDocumentSize is the largest document in UTF-16 units (0: no limit).
	MaxDocumentSize int
	// HashEvery: the content after every revision that is a multiple of it
	// is hashed (ContentHash), for clients to check theirs (0: never).
	HashEvery int
}

// NewSequencer starts a sequencer at revision head with that content and the
// newest committed operations recent (contiguous, ending at head; may be empty).
func NewSequencer(head int, content string, recent []CommittedOp, cfg SequencerConfig) (*Sequencer, error) {
	if cfg.Window < 1 {
		cfg.Window = 1
	}
	s := &Sequencer{
		head: head, content: ot.NewDocument(content), text: content, hasText: true,
		maxWindow: cfg.Window, maxBytes: cfg.WindowBytes,
		ids: map[string]int{}, maxDocSize: cfg.MaxDocumentSize, hashEvery: cfg.HashEvery,
	}
	for i, op := range recent {
		if op.Revision != head-len(recent)+i+1 {
			return nil, fmt.Errorf("recent operations are not contiguous up to revision %d", head)
		}
	}
	s.remember(recent)
	return s, nil
}

// Head is the committed head revision.
func (s *Sequencer) Head() int { return s.head }

// Content is the document at the committed head revision. It is built in
// time linear in its length the first time it is asked for after the head
// moved, then kept until the head moves again; the committed document is
// then compacted into it, so an idle room holds its text once.
func (s *Sequencer) Content() string {
	if !s.hasText {
		s.text, s.content = s.content.Compact()
		s.hasText = true
	}
	return s.text
}

// Document is the document at the committed head revision (immutable).
func (s *Sequencer) Document() ot.Document { return s.content }

// ContentSHA256 is the SHA-256 (hex) of Content's UTF-8 text, computed in
// time linear in its length without building it.
func (s *Sequencer) ContentSHA256() string { return s.content.SHA256() }

// Len is the length of Content in UTF-16 units.
func (s *Sequencer) Len() int { return s.content.Len() }

// PendingCount is the number of proposals not yet committed or aborted.
func (s *Sequencer) PendingCount() int { return len(s.pending) }

// Pending returns the proposals not yet committed, oldest first.
func (s *Sequencer) Pending() []*Proposal { return s.pending }

// WindowStart is the newest revision not in the window: operations with
// revisions after it are in memory.
func (s *Sequencer) WindowStart() int { return s.head - len(s.window) }

// Recent returns the committed operations with revisions after from that are
// in memory, or false if from is older than the window.
func (s *Sequencer) Recent(from int) ([]CommittedOp, bool) {
	if from < s.WindowStart() || from > s.head {
		return nil, false
	}
	return s.window[from-s.WindowStart():], true
}

// Knows reports whether an operation with that id is in the window or
// pending.
func (s *Sequencer) Knows(opID string) bool {
	_, ok := s.ids[opID]
	return ok
}

// Propose sequences a submission after everything committed or pending.
// older holds committed operations fetched from storage when a previous call
// returned *NeedHistory; it may be nil otherwise.
//
// Errors: *Error with CodeRevisionOutOfRange, CodeInvalidOp, CodeTooLarge or
// CodeConflict (an id reused for a different operation), or *NeedHistory.
// On error nothing changes. A selection that does not fit the document
// after the operation is dropped (the operation is still sequenced).
func (s *Sequencer) Propose(sub Submission, older []CommittedOp) (Decision, error) {
	if sub.Base < 0 || sub.Base > s.head {
		return Decision{}, Errorf(CodeRevisionOutOfRange, "revision %d is outside 0..%d", sub.Base, s.head)
	}
	base, op, sel := sub.current()
	concurrent, err := s.since(base, older)
	if err != nil {
		return Decision{}, err
	}
	digest := sub.Digest()
	if sub.OpID != "" {
		if d, err := s.duplicate(sub, digest, concurrent); d != nil || err != nil {
			return Decision{Duplicate: d}, err
		}
	}
	sel = copySelection(sel)
	// A selection is presence, not content: one that does not fit the
	// document after the operation is dropped rather than costing the edit.
	if sel != nil && sel.Validate(op.TargetLen()) != nil {
		sel = nil
	}
	for _, c := range concurrent {
		if op, _, err = ot.Transform(op, c.Op); err != nil {
			return Decision{}, wrap(CodeInvalidOp, err, "operation does not fit revision %d: %v", sub.Base, err)
		}
		if sel != nil {
			*sel = sel.Transform(c.Op)
		}
	}
	if sel != nil {
		// ot.js maps a selection through the concurrent operations as they
		// were, not as transformed past this one, which can leave it beyond
		// the document: a cursor at the end of "c" after deleting "ab" from
		// "abc", against a concurrent delete of "c", lands at 1 in "".
		*sel = sel.Clamp(op.TargetLen())
	}
	next, err := s.tip().Apply(op)
	if err != nil {
		return Decision{}, wrap(CodeInvalidOp, err, "operation does not fit revision %d: %v", sub.Base, err)
	}
	// The committed operation is encoded for the store, the fan-out, the
	// cache and the frames: once.
	op.CacheEncoding()
	if s.maxDocSize > 0 && op.TargetLen() > s.maxDocSize {
		return Decision{}, Errorf(CodeTooLarge, "document would be %d units long; the limit is %d", op.TargetLen(), s.maxDocSize)
	}
	p := &Proposal{
		CommittedOp: CommittedOp{
			Revision: s.head + len(s.pending) + 1, Op: op, ClientID: sub.ClientID,
			OpID: sub.OpID, BaseRevision: sub.Base, Digest: digest,
		},
		Selection: sel,
		content:   next,
		Depth:     len(concurrent),
		sub:       sub,
	}
	s.pending = append(s.pending, p)
	if sub.OpID != "" {
		s.ids[sub.OpID] = p.Revision
	}
	return Decision{Proposal: p}, nil
}

// duplicate reports whether sub repeats an operation sequenced before (in
// memory, or after its base in older). A reused id with a different base or
// operation is a CodeConflict error. Ids older than the window are checked
// only for submissions based before the window: an id is the client's
// unguessable name for one operation, so an old id comes back only with its
// old base.
func (s *Sequencer) duplicate(sub Submission, digest string, concurrent []CommittedOp) (*Duplicate, error) {
	var orig *CommittedOp
	if rev, ok := s.ids[sub.OpID]; ok {
		orig = s.at(rev)
	} else {
		for i := range concurrent {
			if concurrent[i].OpID == sub.OpID {
				orig = &concurrent[i]
				break
			}
		}
	}
	if orig == nil {
		return nil, nil
	}
	if !sub.sameAs(orig.BaseRevision, orig.Digest) {
		return nil, Errorf(CodeConflict, "operation id %q was already used for a different operation", sub.OpID)
	}
	return &Duplicate{Revision: orig.Revision, Pending: orig.Revision > s.head, Op: orig.Op}, nil
}

// since returns every operation after revision base, committed and pending,
// taking what the window lacks from older.
func (s *Sequencer) since(base int, older []CommittedOp) ([]CommittedOp, error) {
	var out []CommittedOp
	start := s.WindowStart()
	if base < start {
		need := start - base
		first := -1
		for i, op := range older {
			if op.Revision == base+1 {
				first = i
				break
			}
		}
		if first < 0 || len(older)-first < need {
			return nil, &NeedHistory{From: base, To: start}
		}
		out = make([]CommittedOp, 0, need+len(s.window)+len(s.pending))
		for i, op := range older[first : first+need] {
			if op.Revision != base+1+i {
				return nil, &NeedHistory{From: base, To: start}
			}
			out = append(out, op)
		}
		base = start
	}
	w := s.window[base-start:]
	if len(s.pending) == 0 && out == nil {
		return w, nil
	}
	out = append(out, w...)
	for _, p := range s.pending {
		out = append(out, p.CommittedOp)
	}
	return out, nil
}

// at returns the committed or pending operation at revision rev, which must
// be in the window or pending.
func (s *Sequencer) at(rev int) *CommittedOp {
	if rev > s.head {
		return &s.pending[rev-s.head-1].CommittedOp
	}
	return &s.window[rev-s.WindowStart()-1]
}

// tip is the document after every pending proposal.
func (s *Sequencer) tip() ot.Document {
	if n := len(s.pending); n > 0 {
		return s.pending[n-1].content
	}
	return s.content
}

// Batch returns the operations of the first pending proposals, at most max
// (0: all), for the owner to persist as one group commit.
func (s *Sequencer) Batch(max int) []CommittedOp {
	n := len(s.pending)
	if max > 0 && n > max {
		n = max
	}
	if n == 0 {
		return nil
	}
	ops := make([]CommittedOp, n)
	for i, p := range s.pending[:n] {
		ops[i] = p.CommittedOp
	}
	return ops
}

// Commit makes the first n pending proposals committed: they are durable.
// It returns them, oldest first.
func (s *Sequencer) Commit(n int) []*Proposal {
	if n > len(s.pending) {
		n = len(s.pending)
	}
	if n <= 0 {
		return nil
	}
	done := s.pending[:n:n]
	s.pending = append([]*Proposal(nil), s.pending[n:]...)
	ops := make([]CommittedOp, n)
	for i, p := range done {
		ops[i] = p.CommittedOp
	}
	s.head += n
	s.setContent(done[n-1].content)
	for _, p := range done {
		s.hashAfter(p.Revision, p.content)
		p.content = ot.Document{} // the committed content holds it now
	}
	s.remember(ops)
	return done
}

// Abort withdraws every pending proposal: persisting failed, or its outcome
// is unknown. It returns them, oldest first.
func (s *Sequencer) Abort() []*Proposal {
	aborted := s.pending
	for _, p := range aborted {
		if p.OpID != "" && s.ids[p.OpID] == p.Revision {
			delete(s.ids, p.OpID)
		}
		p.content = ot.Document{}
	}
	s.pending = nil
	return aborted
}

// Advance applies operations that another writer committed (found in
// storage after a lost race or an unknown commit outcome). It requires no
// pending proposals and ops continuing the history from the head.
//
// Errors: a plain error when the preconditions do not hold or an operation
// does not apply (the stored history is corrupt).
func (s *Sequencer) Advance(ops []CommittedOp) error {
	if len(s.pending) > 0 {
		return fmt.Errorf("advance with %d pending proposals", len(s.pending))
	}
	content := s.content
	for i, op := range ops {
		if op.Revision != s.head+i+1 {
			return fmt.Errorf("advance: revision %d does not follow %d", op.Revision, s.head+i)
		}
		next, err := content.Apply(op.Op)
		if err != nil {
			return fmt.Errorf("advance: revision %d: %w", op.Revision, err)
		}
		content = next
		s.hashAfter(op.Revision, content)
	}
	s.head += len(ops)
	if len(ops) > 0 {
		s.setContent(content)
	}
	s.remember(ops)
	return nil
}

// hashAfter keeps the hash of d, the content after revision rev, if rev
// is one that is hashed. Advance may hash a revision that then fails to
// apply further on; a hash is only ever read for a revision the head
// reached.
func (s *Sequencer) hashAfter(rev int, d ot.Document) {
	if s.hashEvery <= 0 || rev%s.hashEvery != 0 {
		return
	}
	if len(s.hashes) == maxHashes {
		s.hashes = append(s.hashes[:0], s.hashes[1:]...)
	}
	s.hashes = append(s.hashes, revisionHash{rev, d.Hash()})
}

// HashAt returns the content hash after revision rev, when rev is a hashed
// revision among the newest the sequencer keeps and the head has reached
// it ("" otherwise).
func (s *Sequencer) HashAt(rev int) string {
	if rev > s.head {
		return ""
	}
	for i := len(s.hashes) - 1; i >= 0; i-- {
		if s.hashes[i].revision == rev {
			return s.hashes[i].hash
		}
	}
	return ""
}

// setContent makes d the committed content, dropping the text built from
// the previous one.
func (s *Sequencer) setContent(d ot.Document) {
	s.content = d
	s.text, s.hasText = "", false
}

// remember appends committed ops to the window and trims it to its size in
// operations and in bytes.
func (s *Sequencer) remember(ops []CommittedOp) {
	s.window = append(s.window, ops...)
	for _, op := range ops {
		if op.OpID != "" {
			s.ids[op.OpID] = op.Revision
		}
		s.windowBytes += op.Op.Footprint()
	}
	extra := max(0, len(s.window)-s.maxWindow)
	for bytes := s.windowBytes; s.maxBytes > 0 && extra < len(s.window) && bytes > s.maxBytes; extra++ {
		bytes -= s.window[extra].Op.Footprint()
	}
	if extra == 0 {
		return
	}
	for i, op := range s.window[:extra] {
		if op.OpID != "" && s.ids[op.OpID] == op.Revision {
			delete(s.ids, op.OpID)
		}
		s.windowBytes -= op.Op.Footprint()
		// Zeroed, the evicted operations can be collected before append
		// next moves the window to a new array.
		s.window[i] = CommittedOp{}
	}
	s.window = s.window[extra:]
}

func copySelection(sel *ot.Selection) *ot.Selection {
	if sel == nil {
		return nil
	}
	c := ot.Selection{Ranges: append([]ot.Range(nil), sel.Ranges...)}
	return &c
}
