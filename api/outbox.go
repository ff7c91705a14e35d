package api

import "sync"

// outbox is a connection's queue of encoded messages and what else its
// writer owes the peer (a ping, the close frame). It holds no memory while
// empty and grows only while messages wait, and it decides when a writer
// goroutine runs: push, pingDue and closing report true when the caller must
// start one, and the writer stops when step finds nothing to do. Both
// decisions are taken under the same lock, so there is never more than one
// writer and never a message left without one.
//
// It is safe for concurrent use; push never blocks on the peer.
type outbox struct {
	mu    sync.Mutex
	msgs  [][]byte // msgs[head:] wait, oldest first
	head  int
	bytes int // bytes in msgs[head:]
	// writing: a writer goroutine runs (or, once the connection is done,
	// none may start again).
	writing bool
	ping    bool // a ping is due
	closing bool // the close frame is due, after what is queued
}

// push queues b unless the outbox holds maxMsgs messages, or b would take it
// past maxBytes (0: no bound); the bytes bound admits one message however
// big (an init carries the whole document), so that a connection can always
// catch up. A push after closing is dropped and reports ok.
func (q *outbox) push(b []byte, maxMsgs, maxBytes int) (ok, startWriter bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return true, false
	}
	n := len(q.msgs) - q.head
	if n >= maxMsgs || (n > 0 && maxBytes > 0 && q.bytes+len(b) > maxBytes) {
		return false, false
	}
	if q.head > 0 && len(q.msgs) == cap(q.msgs) {
		// Reuse the space the writer freed at the front before growing.
		copy(q.msgs, q.msgs[q.head:])
		clear(q.msgs[n:])
		q.msgs, q.head = q.msgs[:n], 0
	}
	q.msgs = append(q.msgs, b)
	q.bytes += len(b)
	return true, q.wake()
}

// pop takes the oldest message; the writer calls it.
func (q *outbox) pop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.msgs) {
		return nil, false
	}
	b := q.msgs[q.head]
	q.msgs[q.head] = nil
	q.head++
	q.bytes -= len(b)
	if q.head == len(q.msgs) {
		// Drained: let go of the queue a burst made long.
		q.msgs, q.head = q.msgs[:0], 0
		if cap(q.msgs) > keptQueue {
			q.msgs = nil
		}
	}
	return b, true
}

// keptQueue is the longest queue an outbox keeps once drained.
const keptQueue = 16

// pingDue asks the writer for a ping; it is dropped once closing.
func (q *outbox) pingDue() (startWriter bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return false
	}
	q.ping = true
	return q.wake()
}

// close asks the writer to send what is queued, then the close frame; it
// reports false to every caller after the first.
func (q *outbox) close() (first, startWriter bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return false, false
	}
	q.closing = true
	return true, q.wake()
}

// wake marks a writer running and reports whether one must be started.
func (q *outbox) wake() bool {
	if q.writing {
		return false
	}
	q.writing = true
	return true
}

// writerStep is what the writer does once it found no message to pop.
type writerStep int

const (
	stepMessages writerStep = iota // messages came meanwhile: pop again
	stepPing
	stepClose // write the close frame; no writer starts after this one
	stepStop  // nothing to do: the writer exits
)

// step says what the writer does next when pop found nothing.
func (q *outbox) step() writerStep {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.head < len(q.msgs):
		return stepMessages
	case q.closing:
		return stepClose
	case q.ping:
		q.ping = false
		return stepPing
	default:
		q.writing = false
		return stepStop
	}
}

// discard drops what is queued (the socket is gone).
func (q *outbox) discard() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs, q.head, q.bytes = nil, 0, 0
}

// len is the number of queued messages.
func (q *outbox) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs) - q.head
}
