package services

import (
	"sync"
	"time"
)

// gatherer is the loop behind the service's writers (committer,
// cacheWriter): rooms add work from any goroutine, and its own goroutine
// hands everything gathered to round while the previous round is done with,
// so that the work of many rooms goes in one transaction or one pipeline.
// round returns what it left for the next round.
//
// With a linger, a round of work none of which is urgent waits up to the
// linger for more (or for urgent work) before it starts: work that nobody
// waits for (cache writes) then shares a round trip with other rooms' even
// at light load.
type gatherer[T any] struct {
	mu     sync.Mutex
	queue  []T
	urgent bool // something queued must not wait
	round  func(queued []T) (left []T)
	linger time.Duration
	wake   chan struct{}
	hurry  chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

func newGatherer[T any](round func([]T) []T, linger time.Duration) *gatherer[T] {
	g := &gatherer[T]{
		round: round, linger: linger,
		wake: make(chan struct{}, 1), hurry: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	go g.run()
	return g
}

// add queues v for the next round; urgent v cuts a linger short.
func (g *gatherer[T]) add(v T, urgent bool) {
	g.mu.Lock()
	g.queue = append(g.queue, v)
	g.urgent = g.urgent || urgent
	g.mu.Unlock()
	signal(g.wake)
	if urgent {
		signal(g.hurry)
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// close stops the loop once what is queued so far is done.
func (g *gatherer[T]) close() {
	close(g.stop)
	<-g.done
}

func (g *gatherer[T]) run() {
	defer close(g.done)
	for {
		select {
		case <-g.wake:
		case <-g.stop:
			for g.flush() {
			}
			return
		}
		g.wait()
		for g.flush() {
		}
	}
}

// wait lingers, unless what is queued is urgent.
func (g *gatherer[T]) wait() {
	g.mu.Lock()
	urgent := g.urgent
	g.mu.Unlock()
	if urgent || g.linger <= 0 {
		return
	}
	t := time.NewTimer(g.linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-g.hurry:
	case <-g.stop:
	}
}

// flush runs one round on what is queued and reports whether there was any.
func (g *gatherer[T]) flush() bool {
	g.mu.Lock()
	queued := g.queue
	g.queue, g.urgent = nil, false
	select {
	case <-g.hurry: // this round takes what hurried
	default:
	}
	g.mu.Unlock()
	if len(queued) == 0 {
		return false
	}
	if left := g.round(queued); len(left) > 0 {
		g.mu.Lock()
		g.queue = append(left, g.queue...)
		g.mu.Unlock()
	}
	return true
}
