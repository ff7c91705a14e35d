package services

import (
	"context"
	"time"
)

// committer is the one writer of a room service: it gathers the batches of
// every room that has one while the previous transaction runs, and commits
// them together (Store.AppendBatches), so that one fsync covers many rooms
// and a thousand rooms with one operation each cost one commit, not a
// thousand. A room has at most one batch in flight, so the queue holds at
// most one entry per loaded room; a transaction takes at most maxOps
// operations, the rest wait for the next.
//
// Each room's batch is checked by its own head compare-and-set, so a room
// that lost its race fails alone; every room learns its own outcome and
// resolves it as before (ack after durable, in-doubt resolution).
type committer struct {
	store   Store
	timeout time.Duration
	clock   Clock
	maxOps  int
	loop    *gatherer[commitRequest]
}

// commitRequest is one room's batch; done receives the outcome on the
// committer's goroutine (it must not block).
type commitRequest struct {
	batch Batch
	done  func(took time.Duration, err error)
}

func newCommitter(store Store, timeout time.Duration, clock Clock, maxOps int) *committer {
	c := &committer{store: store, timeout: timeout, clock: clock, maxOps: max(maxOps, 1)}
	c.loop = newGatherer(c.round, 0)
	return c
}

// commit queues a room's batch for the next transaction.
func (c *committer) commit(b Batch, done func(took time.Duration, err error)) {
	c.loop.add(commitRequest{b, done}, true)
}

// close stops the writer once the batches queued so far are committed.
func (c *committer) close() { c.loop.close() }

// round commits the first of the queued batches, up to maxOps operations,
// in one transaction, and leaves the rest for the next round.
func (c *committer) round(queue []commitRequest) []commitRequest {
	n, ops := 0, 0
	for n < len(queue) && (n == 0 || ops+len(queue[n].batch.Ops) <= c.maxOps) {
		ops += len(queue[n].batch.Ops)
		n++
	}
	reqs := queue[:n:n]
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	start := c.clock.Now()
	var errs []error
	if n == 1 {
		errs = []error{c.store.AppendOps(ctx, reqs[0].batch.RoomID, reqs[0].batch.Ops)}
	} else {
		batches := make([]Batch, n)
		for i, r := range reqs {
			batches[i] = r.batch
		}
		errs = c.store.AppendBatches(ctx, batches)
	}
	cancel()
	took := c.clock.Now().Sub(start)
	for i, r := range reqs {
		r.done(took, errs[i])
	}
	return queue[n:]
}
