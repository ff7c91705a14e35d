package services

import (
	"context"
	"time"
)

// receiveRemote takes operations another instance committed (from the
// fan-out; any goroutine) to the room's goroutine. It never waits: a fan-out
// may deliver every room's messages from one goroutine, and one busy room
// must not hold up the others. When the inbox is full the message is
// dropped (fan-out is at most once anyway) and one repair waits for room in
// the inbox, then has catchUp load from the store what was missed.
func (r *Room) receiveRemote(ops []CommittedOp) {
	if r.tryDo(func() {
		for _, op := range ops {
			if op.Revision > r.seq.Head() {
				r.remote[op.Revision] = op
			}
		}
		r.catchUp()
	}) {
		return
	}
	if m, ok := r.deps.metrics.(FanOutMetrics); ok {
		m.FanOutDropped()
	}
	if r.dropped.CompareAndSwap(false, true) {
		go r.do(func() {
			r.dropped.Store(false)
			r.deps.log.Warn("fan-out messages dropped: the room's inbox was full; loading them from the store", "room", r.id)
			r.missed = true
			r.catchUp()
		})
	}
}

// catchUp applies the remote operations that continue the head, and fills a
// gap from the store. It waits while a local commit or its resolution is
// under way: that one's outcome decides what the head is. Then it hands the
// parked submissions the head has reached back to submit.
func (r *Room) catchUp() {
	defer r.releaseAhead()
	if !r.settled() || r.fetching || (len(r.remote) == 0 && !r.missed) {
		return
	}
	head := r.seq.Head()
	for rev := range r.remote {
		if rev <= head {
			delete(r.remote, rev)
		}
	}
	var next []CommittedOp
	for op, ok := r.remote[head+1]; ok; op, ok = r.remote[head+1+len(next)] {
		next = append(next, op)
	}
	if len(next) > 0 {
		r.applyRemote(next)
	}
	switch {
	case r.missed:
		r.fillGap()
	case len(r.remote) == 0:
		r.gapSince = time.Time{}
	case r.gapSettled():
		r.fillGap()
	}
}

// gapGrace is how long a room in a cluster waits for the fan-out to fill a
// gap before it reads the store: an owner's answer to a forward comes on
// another channel than the room's operations, so it often arrives just
// before the operations it follows.
const gapGrace = 20 * time.Millisecond

// gapSettled reports whether the gap before the remote operations held is
// worth a store read now, and if not, has catchUp look again once it is.
func (r *Room) gapSettled() bool {
	if r.deps.cluster == nil {
		return true
	}
	now := r.deps.clock.Now()
	if r.gapSince.IsZero() {
		r.gapSince = now
		go func() {
			select {
			case <-r.deps.clock.After(gapGrace):
				r.do(r.catchUp)
			case <-r.done:
			}
		}()
		return false
	}
	if now.Sub(r.gapSince) < gapGrace {
		return false
	}
	r.gapSince = time.Time{}
	return true
}

// applyRemote advances the sequencer by operations committed elsewhere and
// broadcasts them to this instance's members.
func (r *Room) applyRemote(ops []CommittedOp) {
	if err := r.seq.Advance(ops); err != nil {
		r.deps.log.Error("remote operations do not apply", "room", r.id, "err", err)
		r.remote = map[int]CommittedOp{}
		return
	}
	done := make([]*Proposal, len(ops))
	for i, op := range ops {
		delete(r.remote, op.Revision)
		done[i] = &Proposal{CommittedOp: op}
	}
	r.publish(done, false)
}

// fillGap loads from the store what the fan-out did not deliver, a page at
// a time. Reads are
// numbered (fills) so that a parked submission knows whether a read started
// after it arrived.
func (r *Room) fillGap() {
	r.fetching, r.missed = true, false
	r.fills++
	fill, head := r.fills, r.seq.Head()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
		ops, err := r.history(ctx, head, -1).next(historyPage)
		cancel()
		r.do(func() {
			r.fetching = false
			if err != nil {
				r.deps.log.Warn("fill remote gap", "room", r.id, "err", err)
				r.refuseAhead(fill, -1, wrap(CodeUnavailable, err, "storage is unavailable"))
				return
			}
			stored := head
			for _, op := range ops {
				if op.Revision > r.seq.Head() {
					r.remote[op.Revision] = op
				}
				stored = max(stored, op.Revision)
			}
			// A full page may have more behind it: parked submissions wait
			// for the next read, which starts once this page is applied.
			more := len(ops) == historyPage
			if more {
				r.deferAhead(fill)
			} else {
				r.refuseAhead(fill, stored, nil)
			}
			r.catchUp()
			if more && !r.fetching && r.seq.Head() > head {
				r.fillGap()
			}
		})
	}()
}

// maxParked bounds the submissions a room holds while it catches up.
const maxParked = 256

// park holds a submission until the head reaches revision until, which
// this instance has not applied yet: the client saw that revision on
// another instance, whose fan-out message has not arrived. A store read that
// starts after now tells whether the revision exists; the submission is
// submitted again once the head reaches it.
func (r *Room) park(q queuedSubmission, until int) {
	if len(r.ahead) >= maxParked {
		r.reject(Errorf(CodeUnavailable, "too many submissions are waiting for this instance to catch up"), q.sub.OpID, q.reply)
		return
	}
	r.ahead = append(r.ahead, parkedSubmission{queuedSubmission: q, until: until, fill: r.fills + 1})
	if !r.fetching {
		r.fillGap()
	}
}

// refuseAhead answers the parked submissions that read number fill was
// started for: with err if the read failed, or as out of range if their base
// is beyond stored, the store's head then.
func (r *Room) refuseAhead(fill, stored int, err error) {
	kept := r.ahead[:0]
	for _, p := range r.ahead {
		switch {
		case p.fill > fill:
			kept = append(kept, p)
		case err != nil:
			r.reject(err, p.sub.OpID, p.reply)
		case p.until > stored:
			r.reject(Errorf(CodeRevisionOutOfRange, "revision %d is outside 0..%d", p.until, stored), p.sub.OpID, p.reply)
		default:
			kept = append(kept, p)
		}
	}
	clear(r.ahead[len(kept):])
	r.ahead = kept
}

// claimParked makes the parked resubmissions of op (same id, base and
// operation) wait for its publication: they are acked in revision order,
// and op is not broadcast to them. A client that reconnects to an instance
// behind the one that committed its operation would otherwise get that
// operation as someone else's before the ack of its resubmission.
func (r *Room) claimParked(op CommittedOp) {
	if op.OpID == "" || len(r.ahead) == 0 {
		return
	}
	kept := r.ahead[:0]
	for _, p := range r.ahead {
		if p.sub.repeats(op) {
			r.waiters[op.Revision] = append(r.waiters[op.Revision], p.waiter())
			continue
		}
		kept = append(kept, p)
	}
	clear(r.ahead[len(kept):])
	r.ahead = kept
}

// deferAhead makes the parked submissions that read number fill was for
// wait for a later read.
func (r *Room) deferAhead(fill int) {
	for i := range r.ahead {
		if r.ahead[i].fill <= fill {
			r.ahead[i].fill = r.fills + 1
		}
	}
}

// releaseAhead submits the parked submissions the head has caught up with,
// and starts the read that the others still wait for.
func (r *Room) releaseAhead() {
	if len(r.ahead) == 0 {
		return
	}
	head := r.seq.Head()
	var ready []parkedSubmission
	kept := r.ahead[:0]
	for _, p := range r.ahead {
		if p.until <= head {
			ready = append(ready, p)
		} else {
			kept = append(kept, p)
		}
	}
	clear(r.ahead[len(kept):])
	r.ahead = kept
	for _, p := range ready {
		r.submit(p.sub, p.reply, p.at)
	}
	if len(r.ahead) > 0 && !r.fetching {
		for _, p := range r.ahead {
			if p.fill > r.fills {
				r.fillGap()
				break
			}
		}
	}
}
