package services

import "sync"

// gatherer is the loop behind the service's writers (committer,
// cacheWriter): rooms add work from any goroutine, and its own goroutine
// hands everything gathered to round while the previous round is done with,
// so that the work of many rooms goes in one transaction or one pipeline.
// round returns what it left for the next round.
type gatherer[T any] struct {
	mu    sync.Mutex
	queue []T
	round func(queued []T) (left []T)
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

func newGatherer[T any](round func([]T) []T) *gatherer[T] {
	g := &gatherer[T]{round: round, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go g.run()
	return g
}

// add queues v for the next round.
func (g *gatherer[T]) add(v T) {
	g.mu.Lock()
	g.queue = append(g.queue, v)
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
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
		for g.flush() {
		}
	}
}

// flush runs one round on what is queued and reports whether there was any.
func (g *gatherer[T]) flush() bool {
	g.mu.Lock()
	queued := g.queue
	g.queue = nil
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
