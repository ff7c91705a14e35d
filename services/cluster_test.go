package services_test

import (
	"crypto/sha256"
	"encoding/hex"
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
