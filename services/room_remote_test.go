package services_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// stuckMember blocks the room's goroutine in Deliver on operations until
// release is closed; stuck is closed once it blocks.
type stuckMember struct {
	fakeMember
	release, stuck chan struct{}
	once           sync.Once
}

func (m *stuckMember) Deliver(e *services.Event) bool {
	if e.Type == services.EventOp {
		m.once.Do(func() { close(m.stuck) })
		<-m.release
	}
	return m.fakeMember.Deliver(e)
}

// dropMetrics counts fan-out messages dropped by full rooms.
type dropMetrics struct {
	services.NopMetrics
	dropped atomic.Int64
}

func (m *dropMetrics) FanOutDropped() { m.dropped.Add(1) }

// TestFullRoomDoesNotHoldUpFanOut: room x's goroutine is stuck on its first
// operation while another instance commits 299 more, one fan-out message each,
// and then one to room y. The fan-out, which delivers from one goroutine (as
// Redis pub/sub does; here the publisher's), gets through all of them at once
// and y's member sees its operation while x is still stuck; x's messages beyond its inbox are dropped and, once x
// moves again, its member still gets all 300 operations in order, the
// dropped ones loaded from the store (polling is off).
func TestFullRoomDoesNotHoldUpFanOut(t *testing.T) {
	const n = 300
	store := newStore()
	hub := memory.NewFanOutHub(memory.FanOutOptions{})
	elsewhere := hub.Endpoint() // the other instance's
	metrics := &dropMetrics{}
	cfg := testConfig()
	cfg.PollInterval = time.Hour
	rs := newRooms(t, store, cfg, metrics).WithFanOut(hub.Endpoint())
	x, hx := openNewRoom(t, rs, "")
	y, hy := openNewRoom(t, rs, "")
	stuck := &stuckMember{fakeMember: fakeMember{name: "stuck"}, release: make(chan struct{}), stuck: make(chan struct{})}
	var once sync.Once
	free := func() { once.Do(func() { close(stuck.release) }) }
	t.Cleanup(free)
	if err := hx.Join(ctxT(t), stuck, "stuck", "stuck"); err != nil {
		t.Fatalf("Join: %v", err)
	}
	watcher := join(t, hy, &fakeMember{name: "watcher"})

	commit := func(room services.RoomID, rev int) services.CommittedOp {
		op := services.CommittedOp{Revision: rev, Op: insertAt(rev-1, rev-1, "x"), ClientID: "elsewhere", OpID: fmt.Sprint("e", rev), BaseRevision: rev - 1}
		if err := store.AppendOps(ctxT(t), room, []services.CommittedOp{op}); err != nil {
			t.Fatalf("AppendOps(%d): %v", rev, err)
		}
		return op
	}
	publish := func(room services.RoomID, op services.CommittedOp) {
		_ = elsewhere.Publish(context.Background(), room, []services.CommittedOp{op}) // never fails
	}
	publish(x.ID, commit(x.ID, 1))
	select {
	case <-stuck.stuck:
	case <-time.After(5 * time.Second):
		t.Fatal("x's goroutine did not get stuck on its first operation within 5s")
	}
	var rest []services.CommittedOp
	for rev := 2; rev <= n; rev++ {
		rest = append(rest, commit(x.ID, rev))
	}
	last := commit(y.ID, 1)
	// From a goroutine of its own, so that a room holding up the fan-out
	// fails the wait below instead of hanging the test.
	go func() {
		for _, op := range rest {
			publish(x.ID, op)
		}
		publish(y.ID, last)
	}()

	waitFor(t, "the fan-out to deliver every message while x is stuck", func() bool { return hub.Stats().Delivered == n+1 }, 5*time.Second)
	waitFor(t, "y's member to get its operation while x is stuck", func() bool { return len(watcher.ofType(services.EventOp)) == 1 }, 5*time.Second)
	if metrics.dropped.Load() == 0 {
		t.Fatal("no message was dropped: x's inbox never filled, the test proves nothing")
	}
	t.Logf("%d of %d messages to x dropped", metrics.dropped.Load(), n)

	free()
	waitFor(t, "x's member to get every operation", func() bool { return len(stuck.ofType(services.EventOp)) >= n }, 5*time.Second)
	for i, ev := range stuck.ofType(services.EventOp) {
		if ev.Revision != i+1 {
			t.Fatalf("x's member got revision %d as its operation %d: a gap or a repeat", ev.Revision, i+1)
		}
	}
	if rev, content := state(t, hx); rev != n || content != strings.Repeat("x", n) {
		t.Errorf("x's head = %d (%d units), want %d", rev, len(content), n)
	}
}
