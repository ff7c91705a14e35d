// Package spare runs short pieces of work on goroutines that are kept for
// the next piece instead of ending.
//
// A goroutine starts with a small stack and grows it by copying, twice or
// three times, before the work of acting on one WebSocket message or one
// room's burst is done (decoding JSON, proposing, encoding the answer): on
// a server doing a few hundred small operations a second, those copies
// were a tenth of its CPU. A spare goroutine has grown its stack already.
// Go takes back what an idle goroutine's stack does not use at a garbage
// collection, so a spare one regrows it at most once per collection, not
// once per piece of work.
//
// At most MaxIdle goroutines wait for work; one that finishes while that
// many wait ends, so the memory held is bounded whatever the peak was.
package spare

import "sync"

// MaxIdle is how many goroutines wait for work at most. Each holds the
// stack its work grew (8–16 KiB for tandem's work) until a collection
// shrinks it.
const MaxIdle = 64

var (
	mu sync.Mutex
	// waiting holds the inbox of each goroutine that waits, the last to
	// finish last: it has the stack that was in use most recently.
	waiting []chan func()
)

// Go runs f on a waiting goroutine, or on a new one when none waits. Like
// the go statement it does not wait for f, and a panic in f ends the
// program.
func Go(f func()) {
	mu.Lock()
	if n := len(waiting); n > 0 {
		in := waiting[n-1]
		waiting[n-1] = nil
		waiting = waiting[:n-1]
		mu.Unlock()
		in <- f // its room of one is free: it never waits
		return
	}
	mu.Unlock()
	go loop(f, make(chan func(), 1))
}

// loop runs f, then the work handed to it through in while it waits.
func loop(f func(), in chan func()) {
	for {
		f()
		f = nil // what f holds must not stay with a waiting goroutine
		mu.Lock()
		if len(waiting) >= MaxIdle {
			mu.Unlock()
			return
		}
		waiting = append(waiting, in)
		mu.Unlock()
		f = <-in
	}
}

// Idle reports how many goroutines wait for work.
func Idle() int {
	mu.Lock()
	defer mu.Unlock()
	return len(waiting)
}
