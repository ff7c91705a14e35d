package services_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, what string, cond func() bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// fakeMember records the events a room sends it. Deliver fails once limit
// events are queued (0: no limit). Replies to its submissions go to the same
// list, as the API layer queues acks on the connection. Safe for concurrent use.
type fakeMember struct {
	name   string
	limit  int
	mu     sync.Mutex
	events []*services.Event
	kicked *services.Error
	// order, when set, records every event with a global sequence.
	order *eventOrder
}

func (m *fakeMember) Deliver(e *services.Event) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.limit > 0 && len(m.events) >= m.limit {
		return false
	}
	m.record(e)
	return true
}

func (m *fakeMember) record(e *services.Event) {
	m.events = append(m.events, e)
	if m.order != nil {
		m.order.add(m.name, e)
	}
}

func (m *fakeMember) Kick(reason *services.Error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kicked = reason
}

// reply is a Submit callback: it records the answer, as the event the API
// layer would send, whatever the limit.
func (m *fakeMember) reply(res services.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.record(eventOf(res))
}

// eventOf is the ack or error event that answers a submission.
func eventOf(res services.Result) *services.Event { return res.Event() }

// since returns the events after the first n.
func (m *fakeMember) since(n int) []*services.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*services.Event(nil), m.events[n:]...)
}

func (m *fakeMember) all() []*services.Event { return m.since(0) }

func (m *fakeMember) kickReason() *services.Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kicked
}

// ofType returns the recorded events of the given types.
func (m *fakeMember) ofType(types ...services.EventType) []*services.Event {
	var out []*services.Event
	for _, e := range m.all() {
		for _, ty := range types {
			if e.Type == ty {
				out = append(out, e)
			}
		}
	}
	return out
}

type orderedEvent struct {
	member string
	event  *services.Event
}

// eventOrder is the order in which events reached all members.
type eventOrder struct {
	mu     sync.Mutex
	events []orderedEvent
}

func (o *eventOrder) add(member string, e *services.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, orderedEvent{member, e})
}

func (o *eventOrder) all() []orderedEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]orderedEvent(nil), o.events...)
}

// countingMetrics counts failed commits and rejections.
type countingMetrics struct {
	services.NopMetrics
	commitFailed atomic.Int64
	committed    atomic.Int64
}

func (m *countingMetrics) CommitFailed()                    { m.commitFailed.Add(1) }
func (m *countingMetrics) Committed(n int, _ time.Duration) { m.committed.Add(int64(n)) }

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func testConfig() services.Config {
	cfg := services.DefaultConfig()
	cfg.Room.CommitTimeout = 2 * time.Second
	return cfg
}

// windowConfig is testConfig with a sequencer that keeps the newest window
// operations in memory.
func windowConfig(window int) services.Config {
	cfg := testConfig()
	cfg.Room.Sequencer.Window = window
	return cfg
}

// newRooms starts a room service on store and closes it when the test ends.
func newRooms(t *testing.T, store services.Store, cfg services.Config, metrics services.Metrics) *services.Rooms {
	t.Helper()
	rs := services.NewRooms(store, nil, cfg, discardLog, metrics)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rs.Close(ctx)
	})
	return rs
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openNewRoom creates a room with content and opens it; the handle is
// released when the test ends.
func openNewRoom(t *testing.T, rs *services.Rooms, content string) (services.RoomInfo, *services.Handle) {
	t.Helper()
	info, err := rs.Create(ctxT(t), services.RoomCreate{RoomPatch: services.RoomPatch{Name: new("test"), Language: new("go")}, Content: content})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return info, openRoom(t, rs, info.ID)
}

// newRoom starts a room service on store with cfg, closed when the test
// ends, and opens a new room with content on it.
func newRoom(t *testing.T, store services.Store, cfg services.Config, content string) (services.RoomInfo, *services.Handle) {
	t.Helper()
	return openNewRoom(t, newRooms(t, store, cfg, nil), content)
}

func openRoom(t *testing.T, rs *services.Rooms, id services.RoomID) *services.Handle {
	t.Helper()
	h, err := rs.Open(ctxT(t), id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	t.Cleanup(h.Release)
	return h
}

// join adds a fake member with that client id.
func join(t *testing.T, h *services.Handle, m *fakeMember) *fakeMember {
	t.Helper()
	if err := h.Join(ctxT(t), m, m.name, m.name); err != nil {
		t.Fatalf("Join(%s): %v", m.name, err)
	}
	return m
}

// submit sends sub and waits for its one answer.
func submit(t *testing.T, h *services.Handle, sub services.Submission) *services.Event {
	t.Helper()
	ch := submitAsync(h, sub)
	select {
	case ev := <-ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no answer to %s within 5s", sub.OpID)
		return nil
	}
}

// submitAsync sends sub; the channel receives its answers.
func submitAsync(h *services.Handle, sub services.Submission) chan *services.Event {
	ch := make(chan *services.Event, 4)
	h.Submit(sub, func(res services.Result) { ch <- eventOf(res) })
	return ch
}

// state returns the room's head revision and content.
func state(t *testing.T, h *services.Handle) (int, string) {
	t.Helper()
	info, content, err := h.State(ctxT(t))
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	return info.Revision, content
}

func assertAck(t *testing.T, ev *services.Event, rev int, opID string) {
	t.Helper()
	if ev.Type != services.EventAck || ev.Revision != rev || ev.OpID != opID {
		t.Fatalf("answer = %s rev %d id %q (%s %s), want ack rev %d id %q", ev.Type, ev.Revision, ev.OpID, ev.Code, ev.Message, rev, opID)
	}
}

func assertError(t *testing.T, ev *services.Event, code services.Code, opID string) {
	t.Helper()
	if ev.Type != services.EventError || ev.Code != code || ev.OpID != opID {
		t.Fatalf("answer = %s rev %d id %q (%s %s), want error %s for %q", ev.Type, ev.Revision, ev.OpID, ev.Code, ev.Message, code, opID)
	}
}

// storedOps returns the whole history of a room in the store.
func storedOps(t *testing.T, store services.Store, roomID services.RoomID) []services.CommittedOp {
	t.Helper()
	ops, err := store.Ops(ctxT(t), roomID, 0, 1<<20)
	if err != nil {
		t.Fatalf("store.Ops: %v", err)
	}
	for i, op := range ops {
		if op.Revision != i+1 {
			t.Fatalf("stored op %d has revision %d: history not contiguous", i, op.Revision)
		}
	}
	return ops
}

// assertStored checks the room's head revision and content, and that the
// store holds as many operations as the head says.
func assertStored(t *testing.T, h *services.Handle, store services.Store, roomID services.RoomID, head int, content string) {
	t.Helper()
	if gotHead, gotContent := state(t, h); gotHead != head || gotContent != content {
		t.Errorf("state = %d %q, want %d %q", gotHead, gotContent, head, content)
	}
	if n := len(storedOps(t, store, roomID)); n != head {
		t.Errorf("stored %d ops, want %d", n, head)
	}
}

// roomClient runs an otClient on a fake member's events.
type roomClient struct {
	h    *services.Handle
	m    *fakeMember
	c    *otClient
	seen int
	// holding keeps sent operations in held instead of submitting them:
	// a slow uplink. flush submits them.
	holding bool
	held    []sentOp
}

func (rc *roomClient) submit(s sentOp) {
	if rc.holding {
		rc.held = append(rc.held, s)
		return
	}
	rc.h.Submit(services.Submission{ClientID: rc.m.name, OpID: s.ID, Base: s.Base, Op: s.Op}, rc.m.reply)
}

// flush stops holding and submits the held operations.
func (rc *roomClient) flush() {
	rc.holding = false
	held := rc.held
	rc.held = nil
	for _, s := range held {
		rc.submit(s)
	}
}

// joinClient joins a member and starts an ot.js client from its init event.
func joinClient(t *testing.T, h *services.Handle, name string) *roomClient {
	t.Helper()
	m := join(t, h, &fakeMember{name: name})
	init := m.all()[0]
	if init.Type != services.EventInit {
		t.Fatalf("%s: first event %s, want init", name, init.Type)
	}
	rc := &roomClient{h: h, m: m, seen: 1}
	rc.c = newOTClient(name, init.Revision, init.Content, rc.submit)
	return rc
}

// sync applies the events received since the last sync.
func (rc *roomClient) sync() error {
	evs := rc.m.since(rc.seen)
	rc.seen += len(evs)
	for _, ev := range evs {
		if err := rc.c.handle(ev); err != nil {
			return err
		}
	}
	return nil
}

// converge waits until every client is synchronized at the room's head with
// its content, and checks that each operation was acked once.
func converge(t *testing.T, h *services.Handle, clients ...*roomClient) {
	t.Helper()
	waitFor(t, "clients to converge", func() bool {
		head, content := state(t, h)
		ok := true
		for _, rc := range clients {
			if err := rc.sync(); err != nil {
				t.Fatal(err)
			}
			ok = ok && rc.c.sync.State() == ot.Synchronized && rc.c.sync.Revision == head && rc.c.doc == content
		}
		return ok
	}, 5*time.Second)
	for _, rc := range clients {
		rc.c.checkAckedOnce(t)
	}
}

// newStore returns an empty in-memory store.
func newStore() *memory.Store { return memory.NewStore() }

// runSeeds calls run once per seed: a batch of runs seeds (shortRuns with
// -short) from the clock, printed first; or, when the environment variable
// env holds a seed, only that one. It returns the number of seeds in the
// batch, 0 for a rerun of one seed; a failed seed stops the batch.
func runSeeds(t *testing.T, env string, runs, shortRuns int, run func(t *testing.T, seed int64)) int {
	t.Helper()
	if s := os.Getenv(env); s != "" {
		seed, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", env, s, err)
		}
		t.Logf("seed %d", seed)
		run(t, seed)
		return 0
	}
	if testing.Short() {
		runs = shortRuns
	}
	base := time.Now().UnixNano()
	t.Logf("seeds %d..%d (rerun one with %s=n)", base, base+int64(runs)-1, env)
	for i := range runs {
		seed := base + int64(i)
		if !t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { run(t, seed) }) {
			t.Fatalf("seed %d failed: rerun with %s=%d go test -run %s ./services/", seed, env, seed, t.Name())
		}
	}
	return runs
}

// tally counts what a seeded run did, by name.
type tally map[string]int64

// runSeedBatch calls run once per seed, as runSeeds does, and logs the sum
// of the runs' tallies. After a batch it fails the test for each name in
// exercised that the runs never counted: they must exercise what they
// claim to.
func runSeedBatch(t *testing.T, env string, runs, shortRuns int, run func(t *testing.T, seed int64) tally, exercised ...string) {
	t.Helper()
	total := tally{}
	n := runSeeds(t, env, runs, shortRuns, func(t *testing.T, seed int64) {
		for name, c := range run(t, seed) {
			total[name] += c
		}
	})
	if n == 0 {
		t.Logf("%v", total)
		return
	}
	t.Logf("%d runs: %v", n, total)
	for _, name := range exercised {
		if total[name] == 0 {
			t.Errorf("no %s in %d runs", name, n)
		}
	}
}

// deafInstances starts two room services on one store whose fan-out loses
// every message, so that b learns of a's commits only from the store.
func deafInstances(t *testing.T, store services.Store, cfg services.Config) (a, b *services.Rooms) {
	t.Helper()
	hub := memory.NewFanOutHub(memory.FanOutOptions{Drop: 1})
	a = newRooms(t, store, cfg, nil).WithFanOut(hub.Endpoint())
	b = newRooms(t, store, cfg, nil).WithFanOut(hub.Endpoint())
	return a, b
}

// openOnDeafPair starts two deaf instances (deafInstances) with cfg, which
// poll the store only once an hour, creates a room with content on the
// first and opens it on the second too: the second learns of the first's
// commits only when something makes it read the store. It returns the
// room and the two handles.
func openOnDeafPair(t *testing.T, store services.Store, cfg services.Config, content string) (services.RoomInfo, *services.Handle, *services.Handle) {
	t.Helper()
	cfg.PollInterval = time.Hour
	a, b := deafInstances(t, store, cfg)
	info, ha := openNewRoom(t, a, content)
	return info, ha, openRoom(t, b, info.ID)
}
