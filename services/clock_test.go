package services_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/memory"
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

// pending is how many timers wait.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
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
	_, h := newRoom(t, store, cfg, "ab")
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

// headsStore counts the store reads of the head watcher.
type headsStore struct {
	*memory.Store
	mu                  sync.Mutex
	heads, rooms, reads int
	roomsPerQuery       []int
}

// Ops counts the reads it has done (not begun).
func (s *headsStore) Ops(ctx context.Context, id services.RoomID, after, limit int) ([]services.CommittedOp, error) {
	ops, err := s.Store.Ops(ctx, id, after, limit)
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	return ops, err
}

func (s *headsStore) historyReads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func (s *headsStore) Heads(ctx context.Context, ids []services.RoomID) (map[services.RoomID]int, error) {
	s.mu.Lock()
	s.heads++
	s.roomsPerQuery = append(s.roomsPerQuery, len(ids))
	s.mu.Unlock()
	return s.Store.Heads(ctx, ids)
}

func (s *headsStore) Room(ctx context.Context, id services.RoomID) (services.RoomInfo, error) {
	s.mu.Lock()
	s.rooms++
	s.mu.Unlock()
	return s.Store.Room(ctx, id)
}

func (s *headsStore) counts() (heads, rooms int, per []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heads, s.rooms, append([]int(nil), s.roomsPerQuery...)
}

// announcing records what its fan-out announces.
type announcing struct {
	services.FanOut
	mu    sync.Mutex
	rooms []services.RoomID
}

func (a *announcing) Announce(id services.RoomID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rooms = append(a.rooms, id)
}

// Unheard: every room may have listeners elsewhere.
func (a *announcing) Unheard(services.RoomID) bool { return false }

func (a *announcing) announced() []services.RoomID {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]services.RoomID(nil), a.rooms...)
}

// Idle rooms with members cost one head query per interval for the whole
// instance, not one per room; and a room whose last fan-out message was
// lost catches up through it, announcing itself on the fan-out (whose
// other instances may have stopped publishing it).
func TestHeadWatchOneQueryPerInterval(t *testing.T) {
	clock := newFakeClock()
	store := &headsStore{Store: newStore()}
	cfg := testConfig()
	cfg.Clock = clock
	cfg.IdleTimeout = time.Hour
	hub := memory.NewFanOutHub(memory.FanOutOptions{Drop: 1})
	a := newRooms(t, store, cfg, nil).WithFanOut(hub.Endpoint())
	ann := &announcing{FanOut: hub.Endpoint()}
	b := newRooms(t, store, cfg, nil).WithFanOut(ann)
	var watchers []*fakeMember
	var ha *services.Handle
	for i := range 50 {
		info, h := openNewRoom(t, a, "ab")
		if i == 0 {
			ha = h
		}
		watchers = append(watchers, join(t, openRoom(t, b, info.ID), &fakeMember{name: "w"}))
	}
	// Every room, on both instances, reads what was committed before it
	// subscribed; only after those reads is the op lost to b for good.
	waitFor(t, "the rooms' first reads", func() bool { return store.historyReads() >= 100 }, 5*time.Second)
	assertAck(t, submit(t, ha, services.Submission{ClientID: "x", OpID: "x1", Base: 0, Op: insertAt(2, 0, "x")}), 1, "x1")
	_, roomsBefore, _ := store.counts()
	for i := range 3 {
		// Two janitors and two head watchers wait on the clock.
		waitFor(t, "the watchers to wait", func() bool { return clock.pending() >= 4 }, 5*time.Second)
		clock.advance(cfg.PollInterval)
		// b's rooms have members; a's have none, so a asks nothing.
		waitFor(t, "b to check its heads", func() bool {
			heads, _, _ := store.counts()
			return heads >= i+1
		}, 5*time.Second)
	}
	heads, rooms, per := store.counts()
	if heads != 3 || rooms != roomsBefore {
		t.Errorf("3 intervals, 50 watched rooms: %d head queries and %d room reads, want 3 and none", heads, rooms-roomsBefore)
	}
	for _, n := range per {
		if n > 50 {
			t.Errorf("a head query asked for %d rooms, want at most 50", n)
		}
	}
	waitFor(t, "b's member of the first room to get the lost op", func() bool {
		return len(watchers[0].ofType(services.EventOp)) == 1
	}, 5*time.Second)
	if got := ann.announced(); len(got) == 0 || got[0] != ha.ID() {
		t.Errorf("announced %v, want the room that was behind, %v", got, ha.ID())
	}
	for _, id := range ann.announced() {
		if id != ha.ID() {
			t.Errorf("announced %v, which was not behind", id)
		}
	}
}
