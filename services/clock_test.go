package services_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// fakeClock is a services.Clock that moves only when a test says so.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	armed  chan struct{} // receives when a timer is set
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), armed: make(chan struct{}, 64)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), ch})
	select {
	case c.armed <- struct{}{}:
	default:
	}
	return ch
}

// advance moves the clock by d and fires the timers that are due.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
		} else {
			t.ch <- c.now
		}
	}
	c.timers = kept
}

// A failed commit's resolution retries on the room's clock: with storage
// back, nothing happens until the clock reaches the backoff, then the
// operation is answered.
func TestResolutionRetriesOnTheClock(t *testing.T) {
	clock := newFakeClock()
	cfg := testConfig()
	cfg.Clock = clock
	cfg.IdleTimeout = time.Hour
	store := newStore()
	rs := newRooms(t, store, cfg, nil)
	_, h := openNewRoom(t, rs, "ab")
	store.Fail(errors.New("down"))
	answer := submitAsync(h, services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: insertAt(2, 0, "x")})
	// The commit fails, the first read of the resolution fails, and the
	// room waits on the clock.
	for armed := false; !armed; {
		select {
		case <-clock.armed:
			clock.mu.Lock()
			armed = len(clock.timers) >= 2 // the janitor's and the backoff's
			clock.mu.Unlock()
		case <-time.After(5 * time.Second):
			t.Fatal("the resolution never waited on the clock")
		}
	}
	store.Fail(nil)
	select {
	case ev := <-answer:
		t.Fatalf("answered %s %s before the clock moved", ev.Type, ev.Code)
	default:
	}
	clock.advance(50 * time.Millisecond)
	select {
	case ev := <-answer:
		assertError(t, ev, services.CodeUnavailable, "a-1")
	case <-time.After(5 * time.Second):
		t.Fatal("no answer after the backoff")
	}
}
