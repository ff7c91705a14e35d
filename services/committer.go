package services

import (
	"context"
	"sync"
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
	mu      sync.Mutex
	queue   []commitRequest
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// commitRequest is one room's batch; done receives the outcome on the
// committer's goroutine (it must not block).
type commitRequest struct {
	batch Batch
	done  func(took time.Duration, err error)
}

func newCommitter(store Store, timeout time.Duration, clock Clock, maxOps int) *committer {
	c := &committer{
		store: store, timeout: timeout, clock: clock, maxOps: max(maxOps, 1),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	go c.run()
	return c
}

// commit queues a room's batch for the next transaction.
func (c *committer) commit(b Batch, done func(took time.Duration, err error)) {
	c.mu.Lock()
	c.queue = append(c.queue, commitRequest{b, done})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close stops the writer once the batches queued so far are committed.
func (c *committer) close() {
	close(c.stop)
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.wake:
		case <-c.stop:
			for c.flush() {
			}
			return
		}
		for c.flush() {
		}
	}
}

// flush commits what is queued (up to maxOps operations) in one go, and
// reports whether it found anything.
func (c *committer) flush() bool {
	c.mu.Lock()
	n, ops := 0, 0
	for n < len(c.queue) && (n == 0 || ops+len(c.queue[n].batch.Ops) <= c.maxOps) {
		ops += len(c.queue[n].batch.Ops)
		n++
	}
	reqs := c.queue[:n:n]
	c.queue = append([]commitRequest(nil), c.queue[n:]...)
	c.mu.Unlock()
	if n == 0 {
		return false
	}
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
	return true
}
