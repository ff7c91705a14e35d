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
			r.deps.log.Warn("fan-out messages dropped: the room's inbox was full; loading them from the store", "room", LogID(r.info.ID))
			r.missed = true
			r.catchUp()
		})
	}
}

// catchUp applies the remote operations that continue the head, and fills a
// gap from the store. It waits while a local commit or its resolution is
// under way: that one's outcome decides what the head is.
func (r *Room) catchUp() {
	if r.committing || r.resolving || r.fetching || r.seq.PendingCount() > 0 || (len(r.remote) == 0 && !r.missed) {
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
	if len(r.remote) > 0 || r.missed {
		r.fillGap()
	}
}

// applyRemote advances the sequencer by operations committed elsewhere and
// broadcasts them to this instance's members.
func (r *Room) applyRemote(ops []CommittedOp) {
	if err := r.seq.Advance(ops); err != nil {
		r.deps.log.Error("remote operations do not apply", "room", LogID(r.info.ID), "err", err)
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

// fillGap loads from the store what the fan-out did not deliver.
func (r *Room) fillGap() {
	r.fetching, r.missed = true, false
	head := r.seq.Head()
	go func() {
		ops, err := r.loadAfter(head)
		r.do(func() {
			r.fetching = false
			if err != nil {
				r.deps.log.Warn("fill remote gap", "room", LogID(r.info.ID), "err", err)
				return
			}
			for _, op := range ops {
				if op.Revision > r.seq.Head() {
					r.remote[op.Revision] = op
				}
			}
			r.catchUp()
		})
	}()
}

// fetchAhead loads from the store what was committed after head, for a
// submission based on a revision this instance has not applied yet: its
// client saw that revision on another instance, whose fan-out message has
// not arrived. Then it proposes the submission again.
func (r *Room) fetchAhead(head int, sub Submission, reply func(*Event), at time.Time, attempt int) {
	ops, err := r.loadAfter(head)
	if !r.do(func() {
		if err != nil {
			r.deps.log.Warn("catch up for a submission", "room", LogID(r.info.ID), "base", sub.Base, "err", err)
			r.reject(wrap(CodeUnavailable, err, "storage is unavailable"), sub.OpID, reply)
			return
		}
		for _, op := range ops {
			if op.Revision > r.seq.Head() {
				r.remote[op.Revision] = op
			}
		}
		r.catchUp()
		r.submit(sub, nil, reply, at, attempt+1)
	}) {
		reply(ErrorEvent(Errorf(CodeUnavailable, "room is closed"), sub.OpID))
	}
}

// pollHead checks the store's head every interval while the room runs, so
// that operations whose fan-out message was lost still arrive.
func (r *Room) pollHead(interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-tick.C:
		}
		var head int
		var watched bool
		if r.call(context.Background(), func() { head, watched = r.seq.Head(), len(r.members) > 0 }) != nil {
			return
		}
		if !watched {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		info, err := r.deps.store.Room(ctx, r.info.ID)
		cancel()
		if err == nil && info.Revision > head {
			r.do(func() {
				if !r.fetching && !r.committing && !r.resolving && r.seq.PendingCount() == 0 && info.Revision > r.seq.Head() {
					r.fillGap()
				}
			})
		}
	}
}
