package services_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// TestInstancesRaceForOneRoom runs two or three room services (instances)
// over one shared store, connected by an in-process fan-out that drops,
// doubles and delays messages, with ot.js clients (ot.Client) on every
// instance. In rounds, every client first edits at the same base revision,
// so the instances race to commit the same revisions (the losers resolve:
// load what the store holds, apply it, propose again); then they edit at
// random. At the end every client saw each revision once, in order, as an
// ack or an operation, every client's document is the store's content, and
// every acknowledged operation is in the store exactly once, at the revision
// it was acknowledged with.
//
// Each run prints its seed; MULTI_SEED=n reruns one seed.
func TestInstancesRaceForOneRoom(t *testing.T) {
	runSeedBatch(t, "MULTI_SEED", 60, 15, runInstances, "revisions", "lost races", "dropped messages", "doubled messages")
}

func runInstances(t *testing.T, seed int64) tally { return runInstancesOn(t, seed, false) }

// runInstancesOn is one run of instances racing for a room or, with a
// cluster, of instances forwarding to its owner, which moves between them
// (a lease expires, as if its owner had died) while they type.
func runInstancesOn(t *testing.T, seed int64, cluster bool) tally {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	store := newStore()
	hub := memory.NewFanOutHub(memory.FanOutOptions{
		Drop:      []float64{0, 0.2, 0.6}[rng.Intn(3)],
		Duplicate: 0.1,
		MaxDelay:  []time.Duration{0, time.Millisecond, 5 * time.Millisecond}[rng.Intn(3)],
		Seed:      uint64(seed),
	})
	cfg := testConfig()
	cfg.PollInterval = 5 * time.Millisecond
	cfg.Room.Sequencer.Window = []int{2, 1000}[rng.Intn(2)]
	cfg.Room.MaxBatch = []int{1, 500}[rng.Intn(2)]
	var cache services.HeadCache
	if rng.Intn(2) == 0 {
		cache = memory.NewCache(memory.CacheOptions{Window: 8}) // one "Redis" for all
	}
	n := 2 + rng.Intn(2)
	metrics := make([]*countingMetrics, n)
	rooms := make([]*services.Rooms, n)
	var owners *memory.ClusterHub
	if cluster {
		cfg.ForwardTimeout = 20 * time.Millisecond
		owners = memory.NewClusterHub(100*time.Millisecond, memory.FanOutOptions{
			Drop: []float64{0, 0.05, 0.2}[rng.Intn(3)], Duplicate: 0.1,
			MaxDelay: []time.Duration{0, time.Millisecond}[rng.Intn(2)], Seed: uint64(seed) + 1,
		})
	}
	for i := range rooms {
		metrics[i] = &countingMetrics{}
		rooms[i] = services.NewRooms(store, cache, cfg, multiLog(t, i), metrics[i]).WithFanOut(hub.Endpoint())
		if owners != nil {
			if err := rooms[i].WithCluster(owners.Endpoint()); err != nil {
				t.Fatalf("WithCluster: %v", err)
			}
		}
		rs := rooms[i]
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rs.Close(ctx)
		})
	}
	initial := randomText(rng, 5)
	info, err := rooms[0].Create(ctxT(t), services.RoomCreate{RoomPatch: services.RoomPatch{Name: new("race"), Language: new("go")}, Content: initial})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	var clients []*instanceClient
	ownerChanges := int64(0)
	for i := range rooms {
		h := openRoom(t, rooms[i], info.ID)
		for range 1 + rng.Intn(3) {
			clients = append(clients, joinInstance(t, h, fmt.Sprintf("i%d-c%d", i, len(clients)), i))
		}
	}
	w := &multiWorld{t: t, seed: seed, rng: rng, store: store, roomID: info.ID, initial: initial, clients: clients}

	for range 3 + rng.Intn(4) {
		w.quiesce()
		// Everyone edits at the same base: the instances race.
		for _, k := range rng.Perm(len(clients)) {
			w.edit(clients[k])
		}
		for range rng.Intn(40) {
			c := clients[rng.Intn(len(clients))]
			w.process(c)
			switch k := rng.Intn(20); {
			case k < 10:
				w.edit(c)
			case k < 14:
				time.Sleep(time.Duration(rng.Intn(300)) * time.Microsecond)
			case k == 14 && owners != nil:
				owners.Expire(info.ID)
				ownerChanges++
			}
		}
	}
	w.quiesce()
	w.check()

	hs := hub.Stats()
	st := tally{"revisions": int64(len(storedOps(t, store, info.ID))), "dropped messages": hs.Dropped, "doubled messages": hs.Duplicated}
	if owners != nil {
		cs := owners.Stats()
		st["expired leases"] = ownerChanges
		st["forwards and answers"] = cs.Sent
		st["dropped cluster messages"] = cs.Dropped
		st["doubled cluster messages"] = cs.Duplicated
	}
	for _, m := range metrics {
		st["lost races"] += m.commitFailed.Load()
	}
	for _, c := range clients {
		st["errors"] += int64(c.errors)
	}
	return st
}

// multiWorld is one run: the store, the room and the clients of every instance.
type multiWorld struct {
	t       *testing.T
	seed    int64
	rng     *rand.Rand
	store   *memory.Store
	roomID  services.RoomID
	initial string
	clients []*instanceClient
}

func (w *multiWorld) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("seed %d: "+format, append([]any{w.seed}, args...)...)
}

func (w *multiWorld) edit(c *instanceClient) {
	w.t.Helper()
	if err := c.c.applyClient(randomEdit(w.rng, c.c.doc)); err != nil {
		w.fatalf("%v", err)
	}
}

func (w *multiWorld) process(c *instanceClient) {
	w.t.Helper()
	if err := c.process(); err != nil {
		w.fatalf("%v", err)
	}
}

// quiesce waits until every client is synchronized at the store's head.
func (w *multiWorld) quiesce() {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := w.store.Room(context.Background(), w.roomID)
		if err != nil {
			w.fatalf("store.Room: %v", err)
		}
		quiet := true
		for _, c := range w.clients {
			w.process(c)
			quiet = quiet && c.c.sync.State() == ot.Synchronized && c.c.sync.Revision == info.Revision
		}
		if quiet {
			return
		}
		if time.Now().After(deadline) {
			var states []string
			for _, c := range w.clients {
				states = append(states, fmt.Sprintf("%s %v at %d", c.c.name, c.c.sync.State(), c.c.sync.Revision))
			}
			w.fatalf("no quiescence at store head %d within 5s: %s", info.Revision, strings.Join(states, ", "))
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// check compares every client with the store.
func (w *multiWorld) check() {
	w.t.Helper()
	ops := storedOps(w.t, w.store, w.roomID)
	doc := w.initial
	byID := map[string][]int{}
	for _, op := range ops {
		var err error
		if doc, err = op.Op.Apply(doc); err != nil {
			w.fatalf("stored revision %d does not apply: %v", op.Revision, err)
		}
		byID[op.OpID] = append(byID[op.OpID], op.Revision)
	}
	acks := 0
	for _, c := range w.clients {
		name := c.c.name
		if c.c.doc != doc {
			w.fatalf("%s (instance %d) has %q, store has %q", name, c.instance, c.c.doc, doc)
		}
		if got, want := c.received, len(ops)-c.joinedAt; got != want {
			w.fatalf("%s saw %d revisions after joining at %d, want %d", name, got, c.joinedAt, want)
		}
		for _, id := range c.c.sent {
			revs := c.c.acked[id]
			switch {
			case len(revs) == 0:
				w.fatalf("%s: %s never acknowledged", name, id)
			case len(revs) > 1:
				w.fatalf("%s: %s acknowledged as revisions %v, want one", name, id, revs)
			case len(byID[id]) != 1:
				w.fatalf("%s: %s stored at revisions %v, want exactly one", name, id, byID[id])
			case byID[id][0] != revs[0]:
				w.fatalf("%s: %s acknowledged as revision %d, stored as %d", name, id, revs[0], byID[id][0])
			case ops[revs[0]-1].ClientID != name:
				w.fatalf("%s: revision %d is %s's", name, revs[0], ops[revs[0]-1].ClientID)
			}
			acks++
		}
	}
	if acks != len(ops) {
		w.fatalf("%d acknowledgements for %d stored revisions", acks, len(ops))
	}
}

// instanceClient is a roomClient connected to one instance: its fake member
// receives the room's events and the answers to its submissions, in the
// order the room produced them.
type instanceClient struct {
	*roomClient
	instance int
	joinedAt int
	received int // revisions received (acks and operations)
	errors   int
}

func joinInstance(t *testing.T, h *services.Handle, name string, instance int) *instanceClient {
	t.Helper()
	rc := joinClient(t, h, name)
	return &instanceClient{roomClient: rc, instance: instance, joinedAt: rc.c.sync.Revision}
}

// process handles the events received since the last call. Each ack or
// operation must carry the next revision: no gap, no repeat, no reorder.
func (c *instanceClient) process() error {
	evs := c.m.since(c.seen)
	c.seen += len(evs)
	for _, ev := range evs {
		switch ev.Type {
		case services.EventAck, services.EventOp:
			c.received++
		case services.EventError:
			// Retryable errors are answered by sending the operation again,
			// verbatim, as the Go client does; any other is a failure.
			if ev.Code != services.CodeUnavailable {
				return fmt.Errorf("%s: error %s (%s) for %q awaiting %q", c.c.name, ev.Code, ev.Message, ev.OpID, c.c.last.ID)
			}
			c.errors++
		}
		if err := c.c.handle(ev); err != nil {
			return fmt.Errorf("instance %d: %w", c.instance, err)
		}
	}
	return nil
}

// multiLog is instance i's log: discarded, or the test's log with MULTI_LOG=1.
func multiLog(t *testing.T, i int) *slog.Logger {
	if os.Getenv("MULTI_LOG") == "" {
		return discardLog
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})).With("instance", i)
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// A client whose instance went away reconnects to another instance that
// has not yet heard of the newest revisions (their fan-out message is lost
// or late, and the next poll is far off), and resends its outstanding
// operation, based on a revision it saw acknowledged. The new instance
// must catch up from the store and take it, not refuse it as a revision
// from the future (the Go client gives up on such an operation).
func TestSubmissionAheadOfLaggingInstance(t *testing.T) {
	_, ha, hb := openOnDeafPair(t, newStore(), testConfig(), "ab")
	join(t, hb, &fakeMember{name: "watcher"})

	join(t, ha, &fakeMember{name: "mover"})
	assertAck(t, submit(t, ha, services.Submission{ClientID: "mover", OpID: "m1", Base: 0, Op: insertAt(2, 0, "x")}), 1, "m1")

	// The mover reconnects to b; b's head is still 0.
	join(t, hb, &fakeMember{name: "mover2"})
	ev := submit(t, hb, services.Submission{ClientID: "mover2", OpID: "m2", Base: 1, Op: insertAt(3, 3, "y")})
	assertAck(t, ev, 2, "m2")
	if rev, content := state(t, hb); rev != 2 || content != "xaby" {
		t.Errorf("b's head = %d %q, want 2 %q", rev, content, "xaby")
	}
}
