package services

import (
	"context"
	"slices"
	"time"
)

// ownership is a room's place in a cluster (with a Cluster only): who owns
// it as far as this instance knows, until when this instance's own lease is
// proved, the submissions waiting for a claim's answer, and those forwarded
// to the owner and not answered yet.
type ownership struct {
	owner    string
	until    time.Time
	claiming bool
	waiting  []queuedSubmission
	forwards map[uint64]*queuedSubmission
	// sent holds the submissions forwarded from here and not answered yet,
	// wherever they are now.
	sent []*forwardedSubmission
}

// forwardedSubmission is a submission this instance forwarded to the
// room's owner. Its commit may reach this instance as the owner's operation
// before the owner's answer does, on whatever path the submission is by
// then: awaiting the answer, behind a claim, queued behind a commit's
// resolution, rebased over history, parked. Its client must get that
// revision as its ack, in order, and nothing else for it: so the
// publication of its operation answers it (claimForwarded), and the answer
// its path comes to later is dropped.
type forwardedSubmission struct {
	queuedSubmission // with the reply that answers it once
	client           func(Result)
	answered         bool
}

// markForwarded registers q as forwarded from here, once, and gives it the
// reply that answers it only if nothing did before.
func (r *Room) markForwarded(q *queuedSubmission) {
	if q.sub.forwarded != nil {
		return
	}
	f := &forwardedSubmission{client: q.reply}
	q.sub.forwarded = f
	q.reply = func(res Result) {
		if !f.answered {
			r.dropForwarded(f)
			f.client(res)
		}
	}
	f.queuedSubmission = *q
	r.own.sent = append(r.own.sent, f)
}

// dropForwarded marks f answered: nothing answers it any more.
func (r *Room) dropForwarded(f *forwardedSubmission) {
	f.answered = true
	r.own.sent = slices.DeleteFunc(r.own.sent, func(g *forwardedSubmission) bool { return g == f })
}

// owns reports whether this instance may sequence the room now: there is
// no cluster, no other instance listens to the room (its fan-out channel is
// solo: nobody else can be forwarding or committing, and one that comes
// announces itself first), or this instance's lease on the room is proved
// until later. So a room whose clients are all on one instance costs no
// lease.
func (r *Room) owns() bool {
	l := r.deps.cluster
	return l == nil || r.unheard() || (r.own.owner == l.c.Self() && r.deps.clock.Now().Before(r.own.until))
}

// unheard reports whether no other instance listens to the room.
func (r *Room) unheard() bool {
	q, ok := r.deps.fanout.(QuietFanOut)
	return ok && q.Unheard(r.id)
}

// leaseWanted reports whether the room's lease is worth renewing: this
// instance owns it, it has members here, another instance listens to it,
// and it worked within the term.
// Any other lease lapses; the next submission claims it again, wherever it
// arrives first.
func (r *Room) leaseWanted(now time.Time) bool {
	return r.ownedFlag.Load() && r.watched.Load() && !r.unheard() &&
		now.Sub(time.Unix(0, r.workedAt.Load())) < r.deps.cluster.c.LeaseTerm()
}

// route sends a submission this instance may not sequence where it can be:
// to the owner, or, when none is known (or this instance's lease is no
// longer proved), behind a claim. A forwarded submission is never forwarded
// on: its sender hears who owns the room. A room this instance owns only by
// a lapsed lease and that has no members here gives the room up to the
// instance that forwarded, so ownership moves to where the clients are.
func (r *Room) route(q queuedSubmission) {
	self := r.deps.cluster.c.Self()
	owner := r.own.owner
	if in := q.sub.via; in != nil {
		switch {
		case owner == self && !r.watched.Load():
			r.setOwner("")
			in.moved("")
			return
		case owner != "" && owner != self:
			in.moved(owner)
			return
		}
	}
	if owner != "" && owner != self {
		r.forward(q, owner)
		return
	}
	if len(r.own.waiting) >= maxQueued {
		r.reject(Errorf(CodeUnavailable, "too many submissions are waiting for the room's owner to be known"), q.sub.OpID, q.reply)
		return
	}
	r.own.waiting = append(r.own.waiting, q)
	r.claim(0)
}

// claim asks the cluster who owns the room, taking it when nobody does,
// after a pause of wait. One claim runs at a time; submissions that arrive
// meanwhile wait for it.
func (r *Room) claim(wait time.Duration) {
	if r.own.claiming {
		return
	}
	r.own.claiming = true
	l := r.deps.cluster
	takeover := r.own.owner != "" && r.own.owner != l.c.Self()
	go func() {
		if wait > 0 {
			select {
			case <-r.deps.clock.After(wait):
			case <-r.done:
				return
			}
		}
		start := r.deps.clock.Now()
		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		defer cancel()
		owners, err := l.c.Claim(ctx, []RoomID{r.id})
		owner, stored := "", -1
		if err == nil {
			owner = owners[0]
		}
		// A room taken over may be behind the store: what the old owner
		// committed last may not have reached this instance yet.
		if err == nil && owner == l.c.Self() && takeover {
			if heads, herr := r.deps.store.Heads(ctx, []RoomID{r.id}); herr == nil {
				stored = heads[r.id]
			}
		}
		r.do(func() {
			r.own.claiming = false
			r.claimed(owner, start, stored, err)
		})
	}()
}

// claimed takes a claim's answer (a claim's or the link's renewal): owner
// holds the room since start. The submissions that waited go on: sequenced
// here (after the head reaches stored, the store's head, when that is
// known), forwarded, or, when the cluster did not answer, refused, since
// nothing of theirs was sent.
func (r *Room) claimed(owner string, start time.Time, stored int, err error) {
	waiting := r.own.waiting
	r.own.waiting = nil
	if err != nil {
		r.deps.log.Warn("claim room", "room", r.id, "err", err)
		// The room cannot be edited through this instance: its clients
		// are dropped, to reconnect (through the load balancer) elsewhere.
		for _, q := range waiting {
			r.cannotRoute(q, nil)
		}
		return
	}
	l := r.deps.cluster
	was := r.own.owner
	r.setOwner(owner)
	if owner == l.c.Self() {
		r.own.until = start.Add(l.c.LeaseTerm())
		if m, ok := r.deps.metrics.(ClusterMetrics); ok && was != "" && was != owner {
			m.TakenOver()
		}
	}
	for _, q := range waiting {
		switch {
		case owner != l.c.Self():
			r.route(q)
		case stored > r.seq.Head() && q.sub.forwarded != nil && len(r.ahead) >= maxParked:
			r.giveUp(q) // a refusal could be wrong: the old owner may have committed it
		case stored > r.seq.Head():
			r.park(q, stored)
		default:
			r.submit(q.sub, q.reply, q.at)
		}
	}
}

// setOwner records who owns the room, and whether it is this instance.
func (r *Room) setOwner(owner string) {
	l := r.deps.cluster
	r.own.owner = owner
	mine := owner == l.c.Self()
	if r.ownedFlag.Swap(mine) == mine {
		return
	}
	if !mine {
		r.own.until = time.Time{}
	}
	if m, ok := r.deps.metrics.(ClusterMetrics); ok {
		m.Owned(map[bool]int{true: 1, false: -1}[mine])
	}
}

// forward sends q to the room's owner and keeps it until the answer.
func (r *Room) forward(q queuedSubmission, owner string) {
	l := r.deps.cluster
	if len(r.own.forwards) >= maxQueued {
		r.cannotRoute(q, Errorf(CodeUnavailable, "too many submissions are being forwarded; try again"))
		return
	}
	req := l.await(r, r.deps.clock.Now())
	sub := Submission{ClientID: q.sub.ClientID, OpID: q.sub.OpID, Base: q.sub.Base, Op: q.sub.Op, Selection: q.sub.Selection, Restore: q.sub.Restore}
	if !l.post(ClusterMessage{To: owner, Request: req, RoomID: r.id, Sub: &sub}) {
		l.forget(req)
		r.cannotRoute(q, Errorf(CodeUnavailable, "too many submissions are being forwarded; try again"))
		return
	}
	r.markForwarded(&q)
	if r.own.forwards == nil {
		r.own.forwards = map[uint64]*queuedSubmission{}
	}
	r.own.forwards[req] = &q
	if m, ok := r.deps.metrics.(ClusterMetrics); ok {
		m.Forwarded()
	}
}

// answered takes the owner's answer to a forward.
func (r *Room) answered(m ClusterMessage) {
	q := r.own.forwards[m.Request]
	if q == nil {
		return // answered already: a doubled message
	}
	delete(r.own.forwards, m.Request)
	r.deps.cluster.forget(m.Request)
	switch {
	case m.Moved:
		// Ask the cluster again, after a pause when the sender named
		// nobody else (it may be handing the room over).
		r.setOwner("")
		r.own.waiting = append(r.own.waiting, *q)
		if m.Owner == "" {
			r.claim(20 * time.Millisecond)
		} else {
			r.claim(0)
		}
	case m.Code != "":
		r.reject(&Error{Code: m.Code, Message: m.Message}, q.sub.OpID, q.reply)
	default:
		r.acked(*q, m.Revision, CommittedOp{Op: m.Op, ClientID: q.sub.ClientID, OpID: q.sub.OpID, BaseRevision: q.sub.Base, Digest: q.sub.Digest()})
	}
}

// acked answers a forwarded submission the owner committed at revision rev,
// once this instance's head reaches it, in order with what came before.
func (r *Room) acked(q queuedSubmission, rev int, op CommittedOp) {
	w := q.waiter()
	if rev <= r.seq.Head() {
		// Committed and applied here long ago: a resubmission.
		w.reply(Result{OpID: w.opID, Revision: rev, Op: op.Op, Hash: r.seq.HashAt(rev)})
		return
	}
	r.waiters[rev] = append(r.waiters[rev], w)
	if _, ok := r.remote[rev]; !ok {
		op.Revision = rev
		r.remote[rev] = op
	}
	r.catchUp()
}

// forwardUnanswered handles a forward the owner has not answered for
// Config.ForwardTimeout: the owner may have died or the message been lost. One
// with an operation id is sent again to whoever owns the room now (the id
// makes that safe); one without is given up after a few timeouts, since
// sending it again could commit it twice.
func (r *Room) forwardUnanswered(req uint64) {
	q := r.own.forwards[req]
	if q == nil {
		return
	}
	timeout := r.deps.cluster.timeout
	waited := r.deps.clock.Now().Sub(q.at)
	if q.sub.OpID == "" && waited < 5*timeout {
		return // the link's sweep asks again later
	}
	delete(r.own.forwards, req)
	r.deps.cluster.forget(req)
	if q.sub.OpID == "" || waited >= maxForwardWaits*timeout {
		r.giveUp(*q)
		return
	}
	r.setOwner("")
	r.own.waiting = append(r.own.waiting, *q)
	r.claim(0)
}

// cannotRoute answers a submission that could not reach an owner: refused
// with err when nothing of it was ever sent, its client dropped otherwise
// (its outcome is not known) or when err is nil. A forwarded one tells its
// sender to ask the cluster itself.
func (r *Room) cannotRoute(q queuedSubmission, err *Error) {
	switch {
	case q.sub.via != nil:
		q.sub.via.moved("")
	case q.sub.forwarded != nil || err == nil:
		r.giveUp(q)
	default:
		r.reject(err, q.sub.OpID, q.reply)
	}
}

// giveUp drops the client of a submission this instance cannot route, or
// whose outcome it cannot learn (an answer would be a guess). The client
// reconnects, elsewhere if this instance is cut off, and resubmits it by
// id, which the owner answers exactly once.
func (r *Room) giveUp(q queuedSubmission) {
	r.deps.log.Warn("cannot route an operation to the room's owner; dropping its client", "room", r.id, "owner", r.own.owner)
	if q.sub.via != nil {
		return
	}
	if f := q.sub.forwarded; f != nil {
		r.dropForwarded(f) // its client resubmits after reconnecting
	}
	if p, ok := r.members[q.sub.ClientID]; ok {
		p.member.Kick(Errorf(CodeUnavailable, "the room's owner did not answer; reconnect and resubmit"))
		r.removeMember(q.sub.ClientID)
	}
}

// claimForwarded makes the submissions forwarded from here that op is
// the commit of wait for its publication: they are acked in revision order,
// and op is not broadcast to their senders. Those still awaiting the
// owner's answer or a claim are taken off those paths.
func (r *Room) claimForwarded(op CommittedOp) {
	if len(r.own.sent) == 0 {
		return
	}
	claimed := false
	for _, f := range r.own.sent {
		if !f.sub.made(op) {
			continue
		}
		claimed = true
		if !slices.ContainsFunc(r.waiters[op.Revision], func(w waiter) bool { return w.forwarded == f }) {
			r.waiters[op.Revision] = append(r.waiters[op.Revision], f.waiter())
		}
	}
	if !claimed {
		return
	}
	made := func(q *queuedSubmission) bool { return q.sub.forwarded != nil && q.sub.made(op) }
	for req, q := range r.own.forwards {
		if made(q) {
			delete(r.own.forwards, req)
			r.deps.cluster.forget(req)
		}
	}
	r.own.waiting = slices.DeleteFunc(r.own.waiting, func(q queuedSubmission) bool { return made(&q) })
}

// routing reports whether submissions wait for a claim or an owner.
func (r *Room) routing() bool { return len(r.own.forwards) > 0 || len(r.own.waiting) > 0 }
