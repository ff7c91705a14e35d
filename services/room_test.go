package services_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

func TestRoomJoinInitAndPresence(t *testing.T) {
	_, h := newRoom(t, newStore(), testConfig(), "hello 😀")
	a := join(t, h, &fakeMember{name: "a"})
	b := join(t, h, &fakeMember{name: "b"})

	init := b.all()[0]
	if init.Type != services.EventInit || init.Revision != 0 || init.Content != "hello 😀" || init.Language != "go" || init.ClientID != "b" {
		t.Fatalf("init = %+v", init)
	}
	if len(init.Clients) != 1 || init.Clients[0].ClientID != "a" {
		t.Errorf("init clients = %+v, want a", init.Clients)
	}
	waitFor(t, "a to see b join", func() bool { return len(a.ofType(services.EventJoin)) == 1 }, 5*time.Second)
	if got := a.ofType(services.EventJoin)[0]; got.ClientID != "b" {
		t.Errorf("join event = %+v, want b", got)
	}

	sel := &ot.Selection{Ranges: []ot.Range{{Anchor: 1, Head: 3}}}
	h.SetSelection("a", sel)
	waitFor(t, "b to see a's selection", func() bool { return len(b.ofType(services.EventSelection)) == 1 }, 5*time.Second)
	if got := b.ofType(services.EventSelection)[0]; got.ClientID != "a" || selString(got.Selection) != selString(sel) {
		t.Errorf("selection event = %+v", got)
	}

	h.Leave("b")
	waitFor(t, "a to see b leave", func() bool { return len(a.ofType(services.EventLeave)) == 1 }, 5*time.Second)
	if n := len(b.ofType(services.EventSelection, services.EventJoin, services.EventLeave)); n != 1 {
		t.Errorf("b got %d presence events about itself or after leaving, want only a's selection", n)
	}
}

func TestRoomFull(t *testing.T) {
	cfg := testConfig()
	cfg.Room.MaxClients = 2
	_, h := newRoom(t, newStore(), cfg, "")
	join(t, h, &fakeMember{name: "a"})
	join(t, h, &fakeMember{name: "b"})
	err := h.Join(ctxT(t), &fakeMember{name: "c"}, "c", "c")
	if got := services.ErrorCode(err); got != services.CodeRateLimited {
		t.Errorf("third Join error = %v, want %s", err, services.CodeRateLimited)
	}
}

func TestRoomsOpenUnknown(t *testing.T) {
	rs := newRooms(t, newStore(), testConfig(), nil)
	for _, id := range []services.RoomID{services.RoomIDOf("nope"), {}, services.NewRoomID()} {
		_, err := rs.Open(ctxT(t), id)
		if got := services.ErrorCode(err); got != services.CodeNotFound {
			t.Errorf("Open(%q) error = %v, want %s", id.Reveal(), err, services.CodeNotFound)
		}
	}
}

// submitAs submits from member m with m.reply as the callback and waits
// for the answer among m's events.
func submitAs(t *testing.T, h *services.Handle, m *fakeMember, id string, base int, op ot.Operation) *services.Event {
	t.Helper()
	n := len(m.all())
	h.Submit(services.Submission{ClientID: m.name, OpID: id, Base: base, Op: op}, m.reply)
	var answer *services.Event
	waitFor(t, "the answer to "+id, func() bool {
		for _, ev := range m.since(n) {
			if (ev.Type == services.EventAck || ev.Type == services.EventError) && ev.OpID == id {
				answer = ev
				return true
			}
		}
		return false
	}, 5*time.Second)
	return answer
}

// TestRoomAckThenBroadcast checks that the sender gets its ack before the
// others get the operation, that the sender gets no echo, and that every
// member sees each revision once.
func TestRoomAckThenBroadcast(t *testing.T) {
	store := newStore()
	info, h := newRoom(t, store, testConfig(), "ab")
	order := &eventOrder{}
	a := join(t, h, &fakeMember{name: "a", order: order})
	b := join(t, h, &fakeMember{name: "b", order: order})
	c := join(t, h, &fakeMember{name: "c", order: order})

	assertAck(t, submitAs(t, h, a, "a-1", 0, build(2, "c")), 1, "a-1")
	ack := submitAs(t, h, b, "b-1", 0, build("0", 2))
	assertAck(t, ack, 2, "b-1")
	if !ack.Op.Equal(build("0", 3)) {
		t.Errorf("ack op = %v, want the transformed op", ack.Op)
	}
	want := map[string][]string{"a": {"ack:1", "op:2"}, "b": {"op:1", "ack:2"}, "c": {"op:1", "op:2"}}
	for _, m := range []*fakeMember{a, b, c} {
		var got []string
		waitFor(t, m.name+"'s events", func() bool {
			got = nil
			for _, ev := range m.ofType(services.EventAck, services.EventOp) {
				got = append(got, fmt.Sprintf("%s:%d", ev.Type, ev.Revision))
			}
			return len(got) >= 2
		}, 5*time.Second)
		if fmt.Sprint(got) != fmt.Sprint(want[m.name]) {
			t.Errorf("%s got %v, want %v", m.name, got, want[m.name])
		}
	}
	// Across members: each revision's ack comes before its broadcasts.
	ackAt := map[int]int{}
	for i, oe := range order.all() {
		switch oe.event.Type {
		case services.EventAck:
			ackAt[oe.event.Revision] = i
		case services.EventOp:
			if at, ok := ackAt[oe.event.Revision]; !ok || at > i {
				t.Errorf("%s got op %d before its ack", oe.member, oe.event.Revision)
			}
			if oe.event.ClientID == oe.member {
				t.Errorf("%s got its own op %d echoed", oe.member, oe.event.Revision)
			}
		}
	}
	assertStored(t, h, store, info.ID, 2, "0abc")
}

// TestRoomClientsConverge runs ot.js clients concurrently against a room:
// every member sees every revision once, in order, and all converge.
func TestRoomClientsConverge(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	store := newStore()
	cfg := windowConfig(8)
	cfg.Room.MaxBatch = 3
	info, h := newRoom(t, store, cfg, "start 😀")
	var clients []*roomClient
	for i := range 5 {
		clients = append(clients, joinClient(t, h, fmt.Sprintf("c%d", i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for i, rc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed + int64(i)))
			for range 40 {
				if err := rc.sync(); err != nil {
					errs <- err
					return
				}
				if err := rc.c.applyClient(randomEdit(rng, rc.c.doc)); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Duration(rng.Intn(300)) * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("seed %d: %v", seed, err)
	}
	converge(t, h, clients...)
	head, content := state(t, h)
	ops := storedOps(t, store, info.ID)
	doc := "start 😀"
	for _, op := range ops {
		var err error
		if doc, err = op.Op.Apply(doc); err != nil {
			t.Fatalf("replaying revision %d: %v", op.Revision, err)
		}
	}
	if len(ops) != head || doc != content {
		t.Errorf("store replays to %d %q, room has %d %q", len(ops), doc, head, content)
	}
}

// TestRoomSlowMemberIsKicked checks that a member whose queue is full is
// dropped and the room goes on.
func TestRoomSlowMemberIsKicked(t *testing.T) {
	_, h := newRoom(t, newStore(), testConfig(), "")
	a := joinClient(t, h, "a")
	slow := join(t, h, &fakeMember{name: "slow", limit: 2}) // init and one op
	b := joinClient(t, h, "b")

	for i := range 4 {
		if err := a.c.applyClient(insertAt(len(a.c.doc), len(a.c.doc), fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		converge(t, h, a, b)
	}
	waitFor(t, "the slow member to be kicked", func() bool { return slow.kickReason() != nil }, 5*time.Second)
	if got := slow.kickReason().Code; got != services.CodeRateLimited {
		t.Errorf("kick code = %s, want %s", got, services.CodeRateLimited)
	}
	waitFor(t, "b to see slow leave", func() bool {
		for _, ev := range b.m.ofType(services.EventLeave) {
			if ev.ClientID == "slow" {
				return true
			}
		}
		return false
	}, 5*time.Second)
	if err := b.c.applyClient(insertAt(4, 0, "b")); err != nil {
		t.Fatal(err)
	}
	converge(t, h, a, b)
	if head, content := state(t, h); head != 5 || content != "b0123" {
		t.Errorf("state = %d %q, want 5 \"b0123\"", head, content)
	}
	if n := len(slow.all()); n != 2 {
		t.Errorf("slow member got %d events, want 2 (its limit)", n)
	}
}

// TestRoomResubmission checks that an id submitted again is answered with
// the original ack and not applied twice: from the same client, from a new
// connection, and after the operation left the window.
func TestRoomResubmission(t *testing.T) {
	store := newStore()
	info, h := newRoom(t, store, windowConfig(2), "ab")
	other := join(t, h, &fakeMember{name: "other"})
	sub := services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: build(2, "!")}

	assertAck(t, submit(t, h, sub), 1, "a-1")
	assertAck(t, submit(t, h, sub), 1, "a-1")
	reconnected := sub
	reconnected.ClientID = "a2"
	assertAck(t, submit(t, h, reconnected), 1, "a-1")

	changed := sub
	changed.Op = build(2, "?")
	assertError(t, submit(t, h, changed), services.CodeConflict, "a-1")

	// Push a-1 out of the window: the room finds it in the store.
	for i := range 4 {
		head, _ := state(t, h)
		assertAck(t, submit(t, h, services.Submission{ClientID: "b", OpID: fmt.Sprintf("b-%d", i), Base: head, Op: insertAt(head+2, 0, "x")}), head+1, fmt.Sprintf("b-%d", i))
	}
	ack := submit(t, h, reconnected)
	assertAck(t, ack, 1, "a-1")
	if !ack.Op.Equal(build(2, "!")) {
		t.Errorf("ack op = %v, want the original", ack.Op)
	}
	assertStored(t, h, store, info.ID, 5, "xxxxab!")
	if n := len(other.ofType(services.EventOp)); n != 5 {
		t.Errorf("other member got %d ops, want 5", n)
	}
}

// TestRoomResubmissionWhilePending checks that a resubmission from a new
// connection while the original's commit is in flight gets the same ack, and
// neither connection gets the operation as a broadcast.
func TestRoomResubmissionWhilePending(t *testing.T) {
	store := &gatedStore{Store: newStore(), entered: make(chan struct{}, 10), release: make(chan struct{})}
	_, h := newRoom(t, store, testConfig(), "")
	old := join(t, h, &fakeMember{name: "a"})
	fresh := join(t, h, &fakeMember{name: "a2"})
	sub := services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: build("x")}
	first := submitAsync(h, sub)
	<-store.entered
	sub.ClientID = "a2"
	second := submitAsync(h, sub)
	// State runs after the resubmission on the room goroutine (FIFO inbox):
	// it is a pending duplicate by then.
	if _, content := state(t, h); content != "" {
		t.Fatalf("content = %q before the commit", content)
	}
	close(store.release)
	for _, ch := range []chan *services.Event{first, second} {
		select {
		case ev := <-ch:
			assertAck(t, ev, 1, "a-1")
		case <-time.After(5 * time.Second):
			t.Fatal("no ack")
		}
	}
	for _, m := range []*fakeMember{old, fresh} {
		if n := len(m.ofType(services.EventOp)); n != 0 {
			t.Errorf("%s got %d op broadcasts, want 0", m.name, n)
		}
	}
	if head, content := state(t, h); head != 1 || content != "x" {
		t.Errorf("state = %d %q, want 1 \"x\"", head, content)
	}
}

// gatedStore blocks AppendOps until release is closed, announcing each call
// on entered.
type gatedStore struct {
	services.Store
	entered chan struct{}
	release chan struct{}
}

func (s *gatedStore) AppendOps(ctx context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.AppendOps(ctx, roomID, ops)
}

// TestRoomStoreOutage checks that while the store is down submissions are
// answered unavailable and nothing changes, and that the room resumes by
// itself when the store is back.
func TestRoomStoreOutage(t *testing.T) {
	store := newStore()
	metrics, info, h, a, b := typedRoom(t, store)

	store.Fail(errors.New("down"))
	// Its commit fails with an unknown outcome: it is answered once the room
	// can read the store again.
	first := submitAsync(h, services.Submission{ClientID: "a", OpID: "x-1", Base: 1, Op: build(3, "d")})
	waitFor(t, "the commit to fail", func() bool { return metrics.commitFailed.Load() > 0 }, 5*time.Second)
	// Meanwhile every submission is refused at once.
	for i := range 3 {
		id := fmt.Sprintf("x-%d", i+2)
		assertError(t, submit(t, h, services.Submission{ClientID: "b", OpID: id, Base: 1, Op: build("z", 3)}), services.CodeUnavailable, id)
	}
	if head, content := state(t, h); head != 1 || content != "abc" {
		t.Errorf("state during outage = %d %q, want 1 \"abc\"", head, content)
	}
	// Reads and presence still work.
	h.SetSelection("a", &ot.Selection{Ranges: []ot.Range{{Anchor: 1, Head: 1}}})
	waitFor(t, "b to get a's selection", func() bool { return len(b.m.ofType(services.EventSelection)) > 0 }, 5*time.Second)

	store.Fail(nil)
	select {
	case ev := <-first:
		assertError(t, ev, services.CodeUnavailable, "x-1")
	case <-time.After(5 * time.Second):
		t.Fatal("the submission made during the outage was never answered")
	}
	if head, _ := state(t, h); head != 1 {
		t.Errorf("head after outage = %d, want 1", head)
	}
	// The service resumes by itself: the clients' next operations commit.
	if err := b.c.applyClient(build(3, "!")); err != nil {
		t.Fatal(err)
	}
	converge(t, h, a, b)
	assertStored(t, h, store, info.ID, 2, "abc!")
}

// TestRoomStoreUnreachable checks that a commit that certainly failed (the
// store was not reached) is answered unavailable while the store is still
// down, and that a client resubmitting verbatim gets it committed once the
// store is back.
func TestRoomStoreUnreachable(t *testing.T) {
	store := newStore()
	_, h := newRoom(t, store, testConfig(), "ab")
	other := joinClient(t, h, "other")
	store.Fail(fmt.Errorf("%w: dial tcp: connection refused", services.ErrStoreUnreachable))
	sub := services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: build(2, "c")}
	start := time.Now()
	assertError(t, submit(t, h, sub), services.CodeUnavailable, "a-1")
	if took := time.Since(start); took > time.Second {
		t.Errorf("answered after %v, want promptly", took)
	}
	if head, content := state(t, h); head != 0 || content != "ab" {
		t.Errorf("state = %d %q, want 0 \"ab\"", head, content)
	}
	store.Fail(nil)
	var ev *services.Event
	waitFor(t, "the resubmission to be acked", func() bool {
		ev = submit(t, h, sub)
		return ev.Type == services.EventAck
	}, 5*time.Second)
	assertAck(t, ev, 1, "a-1")
	converge(t, h, other)
	if other.c.doc != "abc" {
		t.Errorf("other has %q, want \"abc\"", other.c.doc)
	}
}

// writeThenFailStore writes a batch and then reports an error, once: a
// commit whose outcome the room cannot know.
type writeThenFailStore struct {
	services.Store
	failed atomic.Bool
}

func (s *writeThenFailStore) AppendOps(ctx context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	if err := s.Store.AppendOps(ctx, roomID, ops); err != nil {
		return err
	}
	if s.failed.CompareAndSwap(false, true) {
		return errors.New("connection reset by peer after commit")
	}
	return nil
}

// TestRoomCommitOutcomeUnknown checks that ops written by a commit reported
// failed are found in the store, acked and broadcast, not refused.
func TestRoomCommitOutcomeUnknown(t *testing.T) {
	store := &writeThenFailStore{Store: newStore()}
	metrics, info, h, a, b := typedRoom(t, store)
	if metrics.commitFailed.Load() != 1 {
		t.Fatalf("%d failed commits, want 1", metrics.commitFailed.Load())
	}
	for _, ev := range a.m.ofType(services.EventError) {
		t.Errorf("a got error %s %s", ev.Code, ev.Message)
	}
	if err := b.c.applyClient(build("0", 3)); err != nil {
		t.Fatal(err)
	}
	converge(t, h, a, b)
	assertStored(t, h, store, info.ID, 2, "0abc")
}

// TestRoomCommitOutcomeUnknownBatch checks a failed group commit whose batch
// was written while more proposals were pending: every submission is
// answered once, acked ones are stored once, refused ones not at all.
func TestRoomCommitOutcomeUnknownBatch(t *testing.T) {
	inner := &gatedStore{Store: newStore(), entered: make(chan struct{}, 10), release: make(chan struct{})}
	store := &writeThenFailStore{Store: inner}
	info, h := newRoom(t, store, testConfig(), "")
	var answers []chan *services.Event
	answers = append(answers, submitAsync(h, services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: build("a")}))
	<-inner.entered
	for i := 2; i <= 4; i++ {
		answers = append(answers, submitAsync(h, services.Submission{ClientID: "a", OpID: fmt.Sprintf("a-%d", i), Base: 0, Op: build("b")}))
	}
	state(t, h) // the three are pending behind the commit
	close(inner.release)
	acked := map[string]int{}
	for _, ch := range answers {
		select {
		case ev := <-ch:
			if ev.Type == services.EventAck {
				acked[ev.OpID] = ev.Revision
			} else if ev.Code != services.CodeUnavailable {
				t.Errorf("answer %+v, want ack or unavailable", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a submission was never answered")
		}
	}
	if acked["a-1"] != 1 {
		t.Errorf("a-1 acked at %d, want 1", acked["a-1"])
	}
	ops := storedOps(t, store, info.ID)
	stored := map[string]int{}
	for _, op := range ops {
		stored[op.OpID] = op.Revision
	}
	if fmt.Sprint(stored) != fmt.Sprint(acked) {
		t.Errorf("stored %v, acked %v: want the same", stored, acked)
	}
	if head, _ := state(t, h); head != len(ops) {
		t.Errorf("head %d, stored %d", head, len(ops))
	}
}

// raceOnceStore appends an operation of another writer just before the
// room's first commit, which then fails with ErrRevisionTaken.
type raceOnceStore struct {
	*memory.Store
	raced atomic.Bool
}

func (s *raceOnceStore) AppendOps(ctx context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	if len(ops) > 0 && s.raced.CompareAndSwap(false, true) {
		op := build("F", ops[0].Op.BaseLen())
		foreign := services.CommittedOp{
			Revision: ops[0].Revision, Op: op, ClientID: "elsewhere", OpID: "foreign-1",
			BaseRevision: ops[0].Revision - 1, Digest: services.Submission{Op: op}.Digest(), CreatedAt: time.Now(),
		}
		if err := s.Store.AppendOps(ctx, roomID, []services.CommittedOp{foreign}); err != nil {
			return err
		}
	}
	return s.Store.AppendOps(ctx, roomID, ops)
}

// TestRoomLostRace checks that when another writer took the revision, the
// room broadcasts that writer's operation, sequences its own again, and
// acks it; everyone converges.
func TestRoomLostRace(t *testing.T) {
	store := &raceOnceStore{Store: newStore()}
	_, info, h, a, _ := typedRoom(t, store)
	var got []string
	for _, ev := range a.m.ofType(services.EventAck, services.EventOp, services.EventError) {
		got = append(got, fmt.Sprintf("%s:%d:%s", ev.Type, ev.Revision, ev.ClientID))
	}
	if want := "[op:1:elsewhere ack:2:]"; fmt.Sprint(got) != want {
		t.Errorf("a got %v, want %s", got, want)
	}
	assertStored(t, h, store, info.ID, 2, "Fabc")
}

// TestRoomLostRaceOldBase checks a lost race for an operation based on the
// oldest revision in the window: after the other writer's operation moves
// the window, it must still be sequenced (with history from the store).
func TestRoomLostRaceOldBase(t *testing.T) {
	mem := newStore()
	cfg := windowConfig(1)
	rs := newRooms(t, mem, cfg, nil)
	info, h := openNewRoom(t, rs, "")
	for i := range 2 {
		assertAck(t, submit(t, h, services.Submission{ClientID: "b", OpID: fmt.Sprint("b", i), Base: i, Op: insertAt(i, i, "b")}), i+1, fmt.Sprint("b", i))
	}
	// Load the room again behind a store where another writer takes the
	// next revision. Base 1 is the window's start: no history is needed to
	// propose, but after the other writer's op it is.
	store := &raceOnceStore{Store: mem}
	rs2 := newRooms(t, store, cfg, nil)
	h.Release()
	rs.Close(ctxT(t))
	h2 := openRoom(t, rs2, info.ID)
	ev := submit(t, h2, services.Submission{ClientID: "a", OpID: "a-1", Base: 1, Op: build("a", 1)})
	assertAck(t, ev, 4, "a-1")
	if head, content := state(t, h2); head != 4 || content != "aFbb" {
		t.Errorf("state = %d %q, want 4 \"aFbb\" (the incoming insert goes first)", head, content)
	}
}

// A selection is kept inside the document: a wild offset from one client
// never reaches the others, live or in a joiner's init.
func TestRoomSelectionClamped(t *testing.T) {
	_, h := newRoom(t, newStore(), testConfig(), "hello 😀") // 8 UTF-16 units
	join(t, h, &fakeMember{name: "a"})
	b := join(t, h, &fakeMember{name: "b"})
	h.SetSelection("a", &ot.Selection{Ranges: []ot.Range{{Anchor: math.MaxInt64, Head: -5}, {Anchor: 2, Head: 9}}})
	waitFor(t, "b to see a's selection", func() bool { return len(b.ofType(services.EventSelection)) == 1 }, 5*time.Second)
	want := &ot.Selection{Ranges: []ot.Range{{Anchor: 8, Head: 0}, {Anchor: 2, Head: 8}}}
	if got := b.ofType(services.EventSelection)[0].Selection; selString(got) != selString(want) {
		t.Errorf("b got selection %s, want %s", selString(got), selString(want))
	}
	c := join(t, h, &fakeMember{name: "c"})
	for _, p := range c.all()[0].Clients {
		if p.ClientID == "a" && selString(p.Selection) != selString(want) {
			t.Errorf("c's init has a's selection %s, want %s", selString(p.Selection), selString(want))
		}
	}
}

// typedRoom opens a room "ab" on store with clients a and b, after a has
// typed "c" at its end and both have converged on "abc".
func typedRoom(t *testing.T, store services.Store) (*countingMetrics, services.RoomInfo, *services.Handle, *roomClient, *roomClient) {
	t.Helper()
	metrics := &countingMetrics{}
	rs := newRooms(t, store, testConfig(), metrics)
	info, h := openNewRoom(t, rs, "ab")
	a := joinClient(t, h, "a")
	b := joinClient(t, h, "b")
	if err := a.c.applyClient(build(2, "c")); err != nil {
		t.Fatal(err)
	}
	converge(t, h, a, b)
	return metrics, info, h, a, b
}
