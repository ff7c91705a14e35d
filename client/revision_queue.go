package client

// revisionQueue hands server events to the sync core in revision order,
// each once, whatever the source: broadcasts and acks on the socket, and
// the operations fetched over REST after a reconnect, which overlap. It is
// the Go twin of the web app's RevisionQueue (client/web/src/ot/revision-queue.ts).
//
// Each event names the revision it created. The queue drops an event whose
// revision is already delivered, keeps the first copy of a revision it holds
// (unless told to replace it: an ack outranks a fetched copy of the same
// operation), holds events that arrive past a gap, and releases the next
// revision one at a time, so that the caller can stop at the first event it
// cannot apply.
//
// Invariant the sync core keeps: delivered equals the revision of its
// ot.Client (see syncCore). A revisionQueue is not safe for concurrent use.
type revisionQueue[E any] struct {
	delivered int // the last revision released
	held      map[int]E
}

func newRevisionQueue[E any](delivered int) revisionQueue[E] {
	return revisionQueue[E]{delivered: delivered, held: map[int]E{}}
}

// offer holds the event that created revision rev. It reports whether the
// event was kept: false when rev is already delivered, or already held and
// replace is false.
func (q *revisionQueue[E]) offer(rev int, e E, replace bool) bool {
	if rev <= q.delivered {
		return false
	}
	if _, ok := q.held[rev]; ok && !replace {
		return false
	}
	q.held[rev] = e
	return true
}

// next releases the event of revision delivered+1, if held, and counts it
// delivered.
func (q *revisionQueue[E]) next() (E, bool) {
	e, ok := q.held[q.delivered+1]
	if ok {
		delete(q.held, q.delivered+1)
		q.delivered++
	}
	return e, ok
}

// waiting is how many events are held. Once next has released all it can,
// any event still held lies past a gap.
func (q *revisionQueue[E]) waiting() int { return len(q.held) }

// highest is the highest revision seen: delivered or held.
func (q *revisionQueue[E]) highest() int {
	h := q.delivered
	for rev := range q.held {
		h = max(h, rev)
	}
	return h
}

// restart makes delivered the last revision released and drops every held
// event at or below it, and every other one keep rejects (keep nil keeps
// them all).
func (q *revisionQueue[E]) restart(delivered int, keep func(E) bool) {
	q.delivered = delivered
	for rev, e := range q.held {
		if rev <= delivered || (keep != nil && !keep(e)) {
			delete(q.held, rev)
		}
	}
}
