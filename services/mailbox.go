package services

import "sync"

// mailbox runs a room's work: closures, one at a time, in the order they
// were posted, each to its end before the next starts. It has a goroutine
// only while there is work: posting to an idle mailbox runs its queue on a
// goroutine from Config.Go (by default a spare one, package spare, which
// goes back to waiting for any room's work when the queue is empty). An idle room so holds no goroutine,
// and none of the stack its last piece of work grew (a parked goroutine
// keeps its stack until a garbage collection finds it mostly unused, and
// of a thousand idle rooms that would be megabytes).
//
// It holds at most size closures: post waits for space, or fails without
// it (tryPost), and both fail once the mailbox is closed.
type mailbox struct {
	// slots holds one token per queued closure, so that a full mailbox
	// makes post wait; its elements take no memory.
	slots chan struct{}
	done  chan struct{}
	// start runs drain on a goroutine; run runs one closure.
	start func(func())
	run   func(func())

	mu      sync.Mutex
	queue   []func()
	running bool
	closed  bool
	// atClose run when the mailbox closes.
	atClose []func()
}

// newMailbox returns a mailbox of size closures whose queue start runs
// (Config.Go) and run runs one by one.
func newMailbox(size int, start, run func(func())) *mailbox {
	return &mailbox{slots: make(chan struct{}, size), done: make(chan struct{}), start: start, run: run}
}

// post queues f, waiting for space if wait is set. It returns false, and f
// never runs, if the mailbox is closed (or full, without wait).
func (m *mailbox) post(f func(), wait bool) bool {
	select {
	case <-m.done:
		return false
	default:
	}
	if wait {
		select {
		case m.slots <- struct{}{}:
		case <-m.done:
			return false
		}
	} else {
		select {
		case m.slots <- struct{}{}:
		default:
			return false
		}
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	m.queue = append(m.queue, f)
	start := !m.running
	m.running = true
	m.mu.Unlock()
	if start {
		m.start(m.drain)
	}
	return true
}

// drain runs the queue until it is empty or the mailbox closed.
func (m *mailbox) drain() {
	for {
		m.mu.Lock()
		if len(m.queue) == 0 || m.closed {
			// An empty queue's array goes too: a burst's queue must not
			// stay with an idle room.
			m.queue, m.running = nil, false
			m.mu.Unlock()
			return
		}
		f := m.queue[0]
		m.queue[0] = nil
		m.queue = m.queue[1:]
		m.mu.Unlock()
		<-m.slots
		m.run(f)
	}
}

// close stops the mailbox: what is queued never runs, and nothing more is
// taken. Called by the work it runs (the room's last closure), it lets that
// closure finish.
func (m *mailbox) close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	close(m.done)
	fs := m.atClose
	m.atClose = nil
	m.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// onClose has f run when the mailbox closes, or now if it is closed.
func (m *mailbox) onClose(f func()) {
	m.mu.Lock()
	if !m.closed {
		m.atClose = append(m.atClose, f)
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	f()
}
