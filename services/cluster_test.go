package services_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// TestClusterOwnerSequencesOneRoom is TestInstancesRaceForOneRoom with a
// cluster: each instance forwards its clients' submissions to the room's
// owner over messages that are dropped, doubled and delayed, and the owner
// changes while they type (its lease expires at random, as if it had
// died; the new owner may commit while the old one still believes it owns
// the room, and the store's compare-and-set fences the old one). The same
// checks hold: every client sees each revision once, in order, every
// acknowledged operation is stored exactly once at the revision it was
// acknowledged with, and every document is the store's.
//
// Each run prints its seed; CLUSTER_SEED=n reruns one seed.
func TestClusterOwnerSequencesOneRoom(t *testing.T) {
	runSeedBatch(t, "CLUSTER_SEED", 40, 10, func(t *testing.T, seed int64) tally { return runInstancesOn(t, seed, true) },
		"revisions", "expired leases", "forwards and answers", "dropped cluster messages", "doubled cluster messages")
}

// clusterPair is two instances on one store, fan-out and cluster hub.
func clusterPair(t *testing.T, term time.Duration) (a, b *services.Rooms, hub *memory.ClusterHub, ca, cb *memory.Cluster) {
	t.Helper()
	store := newStore()
	fan := memory.NewFanOutHub(memory.FanOutOptions{})
	hub = memory.NewClusterHub(term, memory.FanOutOptions{})
	cfg := testConfig()
	cfg.ForwardTimeout = 20 * time.Millisecond
	ca, cb = hub.Endpoint(), hub.Endpoint()
	a = newRooms(t, store, cfg, nil).WithFanOut(fan.Endpoint())
	b = newRooms(t, store, cfg, nil).WithFanOut(fan.Endpoint())
	if err := a.WithCluster(ca); err != nil {
		t.Fatal(err)
	}
	if err := b.WithCluster(cb); err != nil {
		t.Fatal(err)
	}
	return a, b, hub, ca, cb
}

// The instance that takes a room's first submission owns it; the other
// forwards to it (the ack comes back in order, the owner's members get the
// operation). Once nobody is left on the owner and its lease lapses, the
// next forward moves the room to the instance its clients are on.
func TestClusterOwnershipMovesToTheClients(t *testing.T) {
	a, b, hub, ca, cb := clusterPair(t, 100*time.Millisecond)
	info, ha := openNewRoom(t, a, "ab")
	hb := openRoom(t, b, info.ID)
	alice := join(t, ha, &fakeMember{name: "alice"})
	join(t, hb, &fakeMember{name: "bob"})

	assertAck(t, submit(t, ha, services.Submission{ClientID: "alice", OpID: "a1", Base: 0, Op: insertAt(2, 0, "x")}), 1, "a1")
	if got := hub.Owner(info.ID); got != ca.Self() {
		t.Fatalf("owner after a's first submission = %q, want a (%q)", got, ca.Self())
	}
	assertAck(t, submit(t, hb, services.Submission{ClientID: "bob", OpID: "b1", Base: 1, Op: insertAt(3, 3, "y")}), 2, "b1")
	waitFor(t, "alice gets bob's operation", func() bool { return len(alice.ofType(services.EventOp)) == 1 }, 2*time.Second)
	if got := hub.Owner(info.ID); got != ca.Self() {
		t.Fatalf("owner after b forwarded = %q, want a", got)
	}

	ha.Leave("alice")
	time.Sleep(150 * time.Millisecond) // the unrenewed lease lapses
	assertAck(t, submit(t, hb, services.Submission{ClientID: "bob", OpID: "b2", Base: 2, Op: insertAt(4, 0, "z")}), 3, "b2")
	if got := hub.Owner(info.ID); got != cb.Self() {
		t.Errorf("owner once nobody was left on a = %q, want b (%q)", got, cb.Self())
	}
	if rev, content := state(t, ha); rev != 3 || content != "zxaby" {
		waitFor(t, "a catches up", func() bool { rev, content = state(t, ha); return rev == 3 && content == "zxaby" }, 2*time.Second)
	}
}

// An instance cut off from the cluster cannot prove it owns a room or
// reach the owner: it drops the clients of the submissions it cannot
// route, so that they reconnect elsewhere, and commits nothing.
func TestClusterCutOffInstanceDropsItsClients(t *testing.T) {
	a, b, hub, ca, cb := clusterPair(t, 100*time.Millisecond)
	info, ha := openNewRoom(t, a, "ab")
	hb := openRoom(t, b, info.ID)
	join(t, ha, &fakeMember{name: "alice"})
	bob := join(t, hb, &fakeMember{name: "bob"})
	assertAck(t, submit(t, ha, services.Submission{ClientID: "alice", OpID: "a1", Base: 0, Op: insertAt(2, 0, "x")}), 1, "a1")

	hub.Cut(cb.Self(), true)
	hb.Submit(services.Submission{ClientID: "bob", OpID: "b1", Base: 1, Op: insertAt(3, 3, "y")}, bob.reply)
	waitFor(t, "bob is dropped", func() bool { return bob.kickReason() != nil }, 2*time.Second)
	if got := bob.kickReason().Code; got != services.CodeUnavailable {
		t.Errorf("bob dropped with %s, want unavailable", got)
	}
	if rev, _ := state(t, ha); rev != 1 {
		t.Errorf("head = %d after the cut-off instance's submission, want 1", rev)
	}
	if got := hub.Owner(info.ID); got != ca.Self() {
		t.Errorf("owner = %q, want a", got)
	}
}

// Acks and ops of every revision that is a multiple of HashEvery carry the
// document's hash after it, on the instance that committed it and on one
// that applied it from the fan-out.
func TestHashEveryRevision(t *testing.T) {
	cfg := testConfig()
	cfg.Room.Sequencer.HashEvery = 2
	store := newStore()
	fan := memory.NewFanOutHub(memory.FanOutOptions{})
	a := newRooms(t, store, cfg, nil).WithFanOut(fan.Endpoint())
	b := newRooms(t, store, cfg, nil).WithFanOut(fan.Endpoint())
	info, ha := openNewRoom(t, a, "ab")
	hb := openRoom(t, b, info.ID)
	alice := join(t, ha, &fakeMember{name: "alice"})
	watcher := join(t, ha, &fakeMember{name: "watcher"})
	remote := join(t, hb, &fakeMember{name: "remote"})

	want := func(text string) string {
		sum := sha256.Sum256([]byte(text))
		return hex.EncodeToString(sum[:])[:16]
	}
	ev := submitAs(t, ha, alice, "a1", 0, insertAt(2, 0, "é"))
	if ev.Hash != "" {
		t.Errorf("ack of revision 1 has hash %q, want none", ev.Hash)
	}
	ev = submitAs(t, ha, alice, "a2", 1, insertAt(3, 3, "😀"))
	if got, w := ev.Hash, want("éab😀"); got != w {
		t.Errorf("ack of revision 2: hash %q, want %q", got, w)
	}
	for _, m := range []*fakeMember{watcher, remote} {
		waitFor(t, m.name+" gets both operations", func() bool { return len(m.ofType(services.EventOp)) == 2 }, 2*time.Second)
		ops := m.ofType(services.EventOp)
		if ops[0].Hash != "" || ops[1].Hash != want("éab😀") {
			t.Errorf("%s: op hashes %q, %q; want none, %q", m.name, ops[0].Hash, ops[1].Hash, want("éab😀"))
		}
	}
}

// A submission forwarded from here whose commit reaches this instance while
// the submission is on another path than awaiting its answer: the owner's
// answer was lost, the lease moved here, and the submission, based before
// this instance's window, is being rebased over the store's history when
// the fan-out brings the owner's commit of it and a later operation. Its
// client must get the ack of its revision before the later operation, and
// that ack only once: the publication of its commit answers it.
func TestClusterForwardedCommitReachesARebasingSubmission(t *testing.T) {
	store := newStore()
	fan := memory.NewFanOutHub(memory.FanOutOptions{})
	hub := memory.NewClusterHub(100*time.Millisecond, memory.FanOutOptions{})
	cfgA := testConfig()
	cfgA.PollInterval = time.Hour // only the fan-out tells b what a committed
	cfgA.ForwardTimeout = 20 * time.Millisecond
	cfgB := cfgA
	cfgB.Room.Sequencer.Window = 1
	gated := &opByIDGate{Store: store, entered: make(chan struct{}, 1), release: make(chan struct{})}
	held := &heldFanOut{FanOut: fan.Endpoint()}
	deafB := &deafCluster{Cluster: hub.Endpoint()}
	a := newRooms(t, store, cfgA, nil).WithFanOut(fan.Endpoint())
	b := newRooms(t, gated, cfgB, nil).WithFanOut(held)
	if err := a.WithCluster(hub.Endpoint()); err != nil {
		t.Fatal(err)
	}
	if err := b.WithCluster(deafB); err != nil {
		t.Fatal(err)
	}
	info, ha := openNewRoom(t, a, "ab")
	hb := openRoom(t, b, info.ID)
	join(t, ha, &fakeMember{name: "alice"})
	xavier := join(t, hb, &fakeMember{name: "xavier"})
	wendy := join(t, hb, &fakeMember{name: "wendy"})
	assertAck(t, submit(t, ha, services.Submission{ClientID: "alice", OpID: "a1", Base: 0, Op: insertAt(2, 0, "1")}), 1, "a1")
	assertAck(t, submit(t, ha, services.Submission{ClientID: "alice", OpID: "a2", Base: 1, Op: insertAt(3, 0, "2")}), 2, "a2")
	waitFor(t, "b applies revision 2", func() bool { return len(wendy.ofType(services.EventOp)) == 2 }, 2*time.Second)

	// b hears neither the owner's answers nor its commits from now on.
	held.hold(true)
	deafB.deaf.Store(true)
	hb.Submit(services.Submission{ClientID: "xavier", OpID: "x1", Base: 0, Op: insertAt(2, 2, "x")}, xavier.reply)
	waitFor(t, "a commits xavier's operation", func() bool { rev, _ := state(t, ha); return rev == 3 }, 2*time.Second)
	assertAck(t, submit(t, ha, services.Submission{ClientID: "alice", OpID: "a3", Base: 3, Op: insertAt(5, 5, "3")}), 4, "a3")
	ha.Leave("alice") // a stops renewing its lease
	gated.arm.Store(true)
	hub.Expire(info.ID)
	select {
	case <-gated.entered: // b owns the room and rebases x1 from the store
	case <-time.After(5 * time.Second):
		t.Fatal("b never looked up x1 in the store")
	}
	if got := hub.Owner(info.ID); got != deafB.Self() {
		t.Fatalf("owner = %q, want b", got)
	}
	held.hold(false)
	waitFor(t, "b applies revisions 3 and 4", func() bool { return len(wendy.ofType(services.EventOp)) == 4 }, 2*time.Second)
	close(gated.release)

	waitFor(t, "xavier gets revision 4", func() bool { return len(xavier.ofType(services.EventAck, services.EventOp)) >= 4 }, 2*time.Second)
	time.Sleep(50 * time.Millisecond) // a second ack would come by now
	var got []string
	for _, ev := range xavier.ofType(services.EventAck, services.EventOp, services.EventError) {
		got = append(got, fmt.Sprintf("%s:%d", ev.Type, ev.Revision))
	}
	if want := "[op:1 op:2 ack:3 op:4]"; fmt.Sprint(got) != want {
		t.Errorf("xavier got %v, want %s", got, want)
	}
	assertStored(t, hb, store, info.ID, 4, "21abx3")
}

// opByIDGate blocks OpByID, once armed, until release is closed.
type opByIDGate struct {
	services.Store
	arm     atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *opByIDGate) OpByID(ctx context.Context, roomID services.RoomID, opID string) (services.CommittedOp, error) {
	if s.arm.Load() {
		select {
		case s.entered <- struct{}{}:
		default:
		}
		<-s.release
	}
	return s.Store.OpByID(ctx, roomID, opID)
}

// heldFanOut holds the operations it would deliver while held, and
// delivers them in order when let go.
type heldFanOut struct {
	*memory.FanOut
	mu    sync.Mutex
	held  bool
	queue []func()
}

func (f *heldFanOut) Subscribe(roomID services.RoomID, deliver func([]services.CommittedOp), changed func()) (func(), error) {
	return f.FanOut.Subscribe(roomID, func(ops []services.CommittedOp) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.held {
			ops = slices.Clone(ops)
			f.queue = append(f.queue, func() { deliver(ops) })
			return
		}
		deliver(ops)
	}, changed)
}

func (f *heldFanOut) hold(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held = on
	if !on {
		for _, d := range f.queue {
			d()
		}
		f.queue = nil
	}
}

// deafCluster drops the messages sent to it while deaf.
type deafCluster struct {
	*memory.Cluster
	deaf atomic.Bool
}

func (c *deafCluster) Listen(deliver func(services.ClusterMessage)) (func(), error) {
	return c.Cluster.Listen(func(m services.ClusterMessage) {
		if !c.deaf.Load() {
			deliver(m)
		}
	})
}
