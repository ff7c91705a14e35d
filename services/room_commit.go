package services

import (
	"context"
	"errors"
	"time"
)

// phase is where a room is in its commit protocol. Pending proposals in
// phaseIdle start a group commit; while one is in flight (phaseCommitting)
// new proposals wait for the next; after a failed commit (phaseResolving)
// the room reads storage to learn what it holds, and submissions wait for
// that (queued), since an answer before it would be a guess.
type phase int

const (
	phaseIdle phase = iota
	phaseCommitting
	phaseResolving
)

// settled reports whether nothing of the commit protocol is under way: no
// commit in flight or being resolved, and nothing pending.
func (r *Room) settled() bool {
	return r.phase == phaseIdle && r.seq.PendingCount() == 0
}

// Submit sequences an operation; reply receives, on the room's goroutine,
// exactly one ack or error event (it must not block). The ack of a new
// operation is sent only after it is durable; an error means it was not
// committed.
func (r *Room) Submit(sub Submission, reply func(Result)) {
	at := r.deps.clock.Now()
	if !r.do(func() { r.submit(sub, reply, at) }) {
		reply(refusal(Errorf(CodeUnavailable, "room is closed"), sub.OpID))
	}
}

func (r *Room) reject(err error, opID string, reply func(Result)) {
	r.deps.metrics.Rejected(ErrorCode(err))
	reply(refusal(err, opID))
}

func (r *Room) submit(sub Submission, reply func(Result), at time.Time) {
	switch {
	case sub.forwarded != nil && sub.forwarded.answered:
		return // forwarded from here, and its commit's publication answered it
	case r.closing:
		r.reject(Errorf(CodeUnavailable, "room is closing"), sub.OpID, reply)
		return
	case r.phase == phaseResolving && (len(r.queued) >= maxQueued || r.surelyNew(sub)):
		r.reject(wrap(CodeUnavailable, r.resolveCause, "storage is unavailable; try again"), sub.OpID, reply)
		return
	case r.phase == phaseResolving:
		// This may be a resubmission of an operation that turns out to be
		// committed, so it waits rather than being refused.
		r.queued = append(r.queued, queuedSubmission{sub: sub, reply: reply, at: at})
		return
	}
	if r.deps.cluster != nil {
		r.workedAt.Store(at.UnixNano())
		if !r.owns() {
			r.route(queuedSubmission{sub: sub, reply: reply, at: at})
			return
		}
	}
	if r.deps.fanout != nil && sub.Base > r.seq.Head() {
		r.park(queuedSubmission{sub: sub, reply: reply, at: at}, sub.Base)
		return
	}
	d, err := r.seq.Propose(sub, nil)
	var need *NeedHistory
	if errors.As(err, &need) {
		r.rebase(queuedSubmission{sub: sub, reply: reply, at: at}, need)
		return
	}
	if err != nil {
		r.reject(err, sub.OpID, reply)
		return
	}
	if d.Proposal != nil {
		d.Proposal.CreatedAt = r.deps.clock.Now()
		d.Proposal.received = at
		r.deps.metrics.Transformed(d.Proposal.Depth)
	}
	if dup := d.Duplicate; dup != nil && !dup.Pending {
		// A resubmission of a pending proposal is not recorded: its line
		// would come before its original's.
		r.recordOne(RecordedSubmission{ClientID: sub.ClientID, OpID: sub.OpID, Base: sub.Base, Op: sub.Op, Received: at, Revision: dup.Revision, Resubmitted: true})
	}
	r.follow(d, []waiter{queuedSubmission{sub: sub, reply: reply, at: at}.waiter()})
	r.maybeCommit()
}

// follow makes waiters wait for what a decision says: a new or pending
// proposal's commit, or, for a committed duplicate, an ack now.
func (r *Room) follow(d Decision, ws []waiter) {
	switch dup := d.Duplicate; {
	case dup == nil:
		r.waiters[d.Proposal.Revision] = append(r.waiters[d.Proposal.Revision], ws...)
	case dup.Pending:
		r.waiters[dup.Revision] = append(r.waiters[dup.Revision], ws...)
	default:
		for _, w := range ws {
			w.reply(Result{OpID: w.opID, Revision: dup.Revision, Op: dup.Op, Hash: r.seq.HashAt(dup.Revision)})
		}
	}
}

// surelyNew reports, while a failed commit is resolved, whether sub is
// certainly not committed, so that refusing it is the truth: no other
// instance writes the room, and sub is based in the window (which holds
// every revision after its base) with an id that neither the window nor the
// commit in doubt has. Anything else waits for the resolution.
func (r *Room) surelyNew(sub Submission) bool {
	if r.deps.fanout != nil || sub.Base < r.seq.WindowStart() {
		return false
	}
	return sub.OpID == "" || (!r.seq.Knows(sub.OpID) && !r.inDoubt[sub.OpID])
}

// maybeCommit hands the pending proposals to the service's writer as one
// batch unless one is under way: what arrives meanwhile waits for the next.
// The writer commits the batches of many rooms in one transaction.
func (r *Room) maybeCommit() {
	if r.phase != phaseIdle || r.seq.PendingCount() == 0 {
		return
	}
	ops := r.seq.Batch(r.deps.cfg.MaxBatch)
	n := len(ops)
	r.phase = phaseCommitting
	r.deps.commits.commit(Batch{RoomID: r.id, Ops: ops}, func(took time.Duration, err error) {
		// The writer serves every room: it never waits for this one.
		f := func() { r.committed(n, took, err) }
		if !r.tryDo(f) {
			go r.do(f)
		}
	})
}

// committed handles the outcome of a group commit of n proposals.
func (r *Room) committed(n int, took time.Duration, err error) {
	r.phase = phaseIdle
	if err == nil {
		r.deps.metrics.Committed(n, took)
		r.publish(r.seq.Commit(n), true)
		r.maybeCommit()
		r.catchUp()
		return
	}
	r.deps.metrics.CommitFailed()
	if m, ok := r.deps.metrics.(ClusterMetrics); ok && LostRace(err) {
		m.LostRace()
	}
	r.deps.log.Warn("group commit failed", "room", r.id, "ops", n, "head", r.seq.Head(), "err", err)
	aborted := r.seq.Abort()
	waiting := make(map[*Proposal][]waiter, len(aborted))
	r.inDoubt = map[string]bool{}
	for _, p := range aborted {
		waiting[p] = r.waiters[p.Revision]
		delete(r.waiters, p.Revision)
		for _, w := range waiting[p] {
			r.inDoubt[w.opID] = true
		}
	}
	r.phase = phaseResolving
	r.resolveCause = err
	go r.resolve(r.seq.Head(), aborted, waiting, err)
}

// resolve reads what storage holds after head: the failed commit may have
// been written after all (its outcome was unknown), or another writer may
// have taken the revisions. It retries until storage answers, then hands
// what it read to Sequencer.Resolve on the room's goroutine.
func (r *Room) resolve(head int, aborted []*Proposal, waiting map[*Proposal][]waiter, cause error) {
	// After a lost race the aborted proposals are proposed again; once the
	// other writer's operations move the window their bases may have left
	// it, so read the history back to the oldest base as well.
	from := head
	if LostRace(cause) {
		from = RebaseFrom(aborted, head)
	}
	backoff := 50 * time.Millisecond
	for {
		// The ids first, then the history: an original found is then at or
		// before the head the history reaches.
		originals, err := r.originals(aborted, cause)
		var ops []CommittedOp
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
			ops, err = r.history(ctx, from, -1).all()
			cancel()
		}
		if err == nil {
			stored := ops[min(head-from, len(ops)):]
			r.do(func() { r.resolved(aborted, waiting, cause, stored, ops, originals) })
			return
		}
		// Those who wait for a commit that certainly failed need not wait for
		// storage to come back: answer them now, once.
		if aborted != nil && !LostRace(cause) && definitelyNotCommitted(cause) {
			early := aborted
			aborted = nil
			r.do(func() {
				err := wrap(CodeUnavailable, cause, "storage is unavailable; the operation was not committed")
				for _, p := range early {
					r.refuseAll(waiting[p], err)
				}
			})
		}
		r.deps.log.Warn("storage unavailable; retrying", "room", r.id, "err", err, "in", backoff)
		select {
		case <-r.deps.clock.After(backoff):
		case <-r.done:
			return
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// originals finds in the store the operations that hold the ids of aborted
// proposals, after a commit refused for a taken id.
func (r *Room) originals(aborted []*Proposal, cause error) (map[string]CommittedOp, error) {
	if !errors.Is(cause, ErrOpIDTaken) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
	defer cancel()
	found := map[string]CommittedOp{}
	for _, p := range aborted {
		if p.OpID == "" {
			continue
		}
		op, err := r.deps.store.OpByID(ctx, r.id, p.OpID)
		switch {
		case err == nil:
			found[p.OpID] = op
		case !errors.Is(err, ErrOpNotFound):
			return nil, err
		}
	}
	return found, nil
}

// definitelyNotCommitted reports whether a commit error proves nothing was
// written: the transaction never reached the database.
func definitelyNotCommitted(err error) bool {
	return errors.Is(err, ErrStoreUnreachable)
}

// ErrStoreUnreachable marks an error where the store could not be reached
// at all, so nothing was written. Stores wrap connection errors with it.
var ErrStoreUnreachable = errors.New("store unreachable")

// resolved acts on the sequencer's Resolution: acks for the aborted
// proposals storage holds, the broadcast of everything it holds, and each
// other aborted proposal's waiters moved to its new proposal, answered
// from its original, or refused. Then the submissions that waited go on.
func (r *Room) resolved(aborted []*Proposal, waiting map[*Proposal][]waiter, cause error, stored, older []CommittedOp, originals map[string]CommittedOp) {
	r.phase = phaseIdle
	r.inDoubt = nil
	res, err := r.seq.Resolve(aborted, stored, cause, older, originals)
	if err != nil {
		r.deps.log.Error("stored history does not apply", "room", r.id, "err", err)
		refused := wrap(CodeUnavailable, err, "storage is unavailable; the operation was not committed")
		for _, p := range aborted {
			r.refuseAll(waiting[p], refused)
		}
		r.close(Errorf(CodeInternal, "room history is inconsistent"))
		return
	}
	for i, p := range res.Applied {
		if res.Ours[i] {
			r.waiters[p.Revision] = waiting[p]
		}
		r.publish([]*Proposal{p}, res.Ours[i])
	}
	for _, o := range res.Outcomes {
		ws := waiting[o.Aborted]
		switch {
		case o.Err != nil:
			r.refuseAll(ws, o.Err)
		case o.Original != nil:
			for _, w := range ws {
				r.answerOriginal(queuedSubmission{sub: o.Aborted.sub, reply: w.reply, at: w.received}, *o.Original)
			}
		default:
			r.follow(*o.Decision, ws)
		}
	}
	queued := r.queued
	r.queued = nil
	for _, q := range queued {
		r.submit(q.sub, q.reply, q.at)
	}
	r.maybeCommit()
	r.catchUp()
}

// refuseAll answers every waiter with err.
func (r *Room) refuseAll(ws []waiter, err error) {
	for _, w := range ws {
		r.reject(err, w.opID, w.reply)
	}
}

// publish acknowledges committed proposals to their waiters and broadcasts
// them to the other members, in revision order. local is false for
// operations another instance committed: that instance feeds the cache and
// the fan-out with them.
func (r *Room) publish(done []*Proposal, local bool) {
	if len(done) == 0 {
		return
	}
	now := r.deps.clock.Now()
	for _, p := range done {
		r.claimParked(p.CommittedOp)
		r.claimForwarded(p.CommittedOp)
		ws := r.waiters[p.Revision]
		delete(r.waiters, p.Revision)
		skip := make(map[string]bool, len(ws)+1)
		hash := r.seq.HashAt(p.Revision)
		for _, w := range ws {
			skip[w.clientID] = true
			w.reply(Result{OpID: w.opID, Revision: p.Revision, Op: p.Op, Hash: hash})
			r.deps.metrics.Acked(now.Sub(w.received))
		}
		for id, m := range r.members {
			switch {
			case id == p.ClientID && p.Selection != nil:
				m.selection = copySelection(p.Selection)
			case m.selection != nil:
				*m.selection = m.selection.Transform(p.Op)
			}
		}
		ev := &Event{Type: EventOp, Revision: p.Revision, Op: p.Op, ClientID: p.ClientID, Selection: p.Selection, Hash: hash}
		r.broadcastExcept(ev, skip, p.ClientID)
	}
	ops := make([]CommittedOp, len(done))
	for i, p := range done {
		ops[i] = p.CommittedOp
	}
	if local {
		r.record(done)
	}
	r.afterCommit(ops, local)
}

// record writes committed submissions to the room's recording, if any.
func (r *Room) record(done []*Proposal) {
	if r.recording == nil {
		return
	}
	for _, p := range done {
		if p.received.IsZero() {
			continue
		}
		s := RecordedSubmission{
			ClientID: p.sub.ClientID, OpID: p.sub.OpID, Base: p.sub.Base, Op: p.sub.Op, Received: p.received,
			Revision: p.Revision, Committed: p.Op,
		}
		if p.Revision == r.seq.Head() {
			doc := r.seq.Document()
			s.Content = &doc
		}
		r.recordOne(s)
	}
}

// recordOne writes one line to the room's recording, if any; a recording
// that fails stops.
func (r *Room) recordOne(s RecordedSubmission) {
	if r.recording == nil {
		return
	}
	if err := r.recording.Record(s); err != nil {
		r.deps.log.Warn("recording stopped", "room", r.id, "err", err)
		_ = r.recording.Close()
		r.recording = nil
	}
}
