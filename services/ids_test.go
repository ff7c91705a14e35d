package services_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// smallWindow is a configuration whose sequencer forgets operations (and
// their ids) after 10 revisions.
func smallWindow() services.Config { return windowConfig(10) }

// typeAlong commits n one-character inserts at the end of the document.
func typeAlong(t *testing.T, h *services.Handle, client string, n int) {
	t.Helper()
	for range n {
		rev, content := state(t, h)
		id := fmt.Sprintf("%s-%d", client, rev)
		assertAck(t, submit(t, h, services.Submission{ClientID: client, OpID: id, Base: rev, Op: insertAt(len(content), len(content), ".")}), rev+1, id)
	}
}

// An id names one operation at any age: long after it left the window, a
// resubmission gets its original ack, and a reuse of the id for another
// operation is refused, whether that reuse is based before the window or in
// it (then only the store knows the id).
func TestOpIDExactlyOnceAfterWindow(t *testing.T) {
	store := newStore()
	info, h := newRoom(t, store, smallWindow(), "ab")
	join(t, h, &fakeMember{name: "victim"})
	victim := services.Submission{ClientID: "victim", OpID: "v-1", Base: 0, Op: insertAt(2, 0, "x")}
	assertAck(t, submit(t, h, victim), 1, "v-1")
	typeAlong(t, h, "typist", 30)

	head, content := state(t, h)
	inWindow := services.Submission{ClientID: "thief", OpID: "v-1", Base: head, Op: insertAt(len(content), 0, "!")}
	assertError(t, submit(t, h, inWindow), services.CodeConflict, "v-1")
	beforeWindow := services.Submission{ClientID: "thief", OpID: "v-1", Base: 5, Op: insertAt(8, 0, "!")}
	assertError(t, submit(t, h, beforeWindow), services.CodeConflict, "v-1")

	ev := submit(t, h, victim)
	assertAck(t, ev, 1, "v-1")
	if got := ev.Op.String(); got != victim.Op.String() {
		t.Errorf("ack op = %s, want the original %s", got, victim.Op)
	}
	if rev, _ := state(t, h); rev != head {
		t.Errorf("head = %d after the refused reuses and the resubmission, want %d", rev, head)
	}
	assertStored(t, h, store, info.ID, head, content)
}

// A room loaded afresh knows only the ids of its window; the store knows
// the rest.
func TestOpIDExactlyOnceAfterReload(t *testing.T) {
	store := newStore()
	cfg := smallWindow()
	first := newRooms(t, store, cfg, nil)
	info, h := openNewRoom(t, first, "ab")
	victim := services.Submission{ClientID: "victim", OpID: "v-1", Base: 0, Op: insertAt(2, 0, "x")}
	assertAck(t, submit(t, h, victim), 1, "v-1")
	typeAlong(t, h, "typist", 20)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first.Close(ctx)

	h2 := openRoom(t, newRooms(t, store, cfg, nil), info.ID)
	assertAck(t, submit(t, h2, victim), 1, "v-1")
	head, content := state(t, h2)
	assertError(t, submit(t, h2, services.Submission{ClientID: "thief", OpID: "v-1", Base: head, Op: insertAt(len(content), 0, "!")}), services.CodeConflict, "v-1")
}

// On another instance, which may not have applied the original yet (its
// fan-out messages are lost), a reuse is refused and a resubmission gets
// the original ack; that instance's members still see every revision it
// applies in order.
func TestOpIDExactlyOnceAcrossInstances(t *testing.T) {
	store := newStore()
	info, ha, hb := openOnDeafPair(t, store, smallWindow(), "ab")
	watcher := join(t, hb, &fakeMember{name: "watcher"})
	victim := services.Submission{ClientID: "victim", OpID: "v-1", Base: 0, Op: insertAt(2, 0, "x")}
	assertAck(t, submit(t, ha, victim), 1, "v-1")
	typeAlong(t, ha, "typist", 20)

	rev, content := state(t, hb)
	assertError(t, submit(t, hb, services.Submission{ClientID: "thief", OpID: "v-1", Base: rev, Op: insertAt(len(content), 0, "!")}), services.CodeConflict, "v-1")
	assertAck(t, submit(t, hb, victim), 1, "v-1")
	rev, _ = state(t, hb) // on b's goroutine: after every broadcast so far
	ops := watcher.ofType(services.EventOp)
	for i, ev := range ops {
		if ev.Revision != i+1 {
			t.Fatalf("b's watcher got revision %d as op %d", ev.Revision, i+1)
		}
	}
	if rev != len(ops) {
		t.Errorf("b is at revision %d, its watcher saw %d", rev, len(ops))
	}
	if got := storedOps(t, store, info.ID); len(got) != 21 {
		t.Errorf("store holds %d revisions, want 21", len(got))
	}
}

// pagingStore records the history reads a room makes.
type pagingStore struct {
	*memory.Store
	mu            sync.Mutex
	reads, inside int
	maxLimit      int
	maxInside     int
}

func (s *pagingStore) Ops(ctx context.Context, roomID services.RoomID, from, limit int) ([]services.CommittedOp, error) {
	s.mu.Lock()
	s.reads++
	s.inside++
	s.maxLimit = max(s.maxLimit, limit)
	s.maxInside = max(s.maxInside, s.inside)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inside--
		s.mu.Unlock()
	}()
	time.Sleep(time.Millisecond) // let concurrent readers overlap
	return s.Store.Ops(ctx, roomID, from, limit)
}

func (s *pagingStore) stats() (maxLimit, maxInside int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxLimit, s.maxInside
}

// Submissions based far back read their history a page at a time, a few at
// once, and are answered (never internal) even while the room moves on.
func TestOldBaseReadsHistoryInPages(t *testing.T) {
	store := &pagingStore{Store: newStore()}
	_, h := newRoom(t, store, smallWindow(), "ab")
	typeAlong(t, h, "typist", 300)
	var answers []chan *services.Event
	for i := range 10 {
		answers = append(answers, submitAsync(h, services.Submission{ClientID: "old", OpID: fmt.Sprintf("old-%d", i), Base: 0, Op: insertAt(2, 1, "y")}))
	}
	typeAlong(t, h, "typist2", 20)
	for i, ch := range answers {
		select {
		case ev := <-ch:
			if ev.Type != services.EventAck {
				t.Errorf("old-%d: %s %s (%s), want an ack", i, ev.Type, ev.Code, ev.Message)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("old-%d: no answer", i)
		}
	}
	if rev, content := state(t, h); rev != 330 || strings.Count(content, "y") != 10 {
		t.Errorf("head %d with %d y, want 330 with 10", rev, strings.Count(content, "y"))
	}
	maxLimit, maxInside := store.stats()
	if maxLimit > 64 {
		t.Errorf("a history read asked for %d operations, want at most a page of 64", maxLimit)
	}
	if maxInside > 4 {
		t.Errorf("%d history reads ran at once, want at most 4", maxInside)
	}
}

// A base further behind the head than the horizon is refused as out of
// range, unless its id shows it committed: then it gets its ack.
func TestOldBaseBeyondHorizon(t *testing.T) {
	cfg := smallWindow()
	cfg.Room.RebaseHorizon = 50
	_, h := newRoom(t, newStore(), cfg, "ab")
	old := services.Submission{ClientID: "old", OpID: "old-1", Base: 0, Op: insertAt(2, 0, "x")}
	assertAck(t, submit(t, h, old), 1, "old-1")
	typeAlong(t, h, "typist", 100)
	assertAck(t, submit(t, h, old), 1, "old-1")
	assertError(t, submit(t, h, services.Submission{ClientID: "old", OpID: "old-2", Base: 1, Op: insertAt(3, 0, "y")}), services.CodeRevisionOutOfRange, "old-2")
	assertError(t, submit(t, h, services.Submission{ClientID: "old", Base: 1, Op: insertAt(3, 0, "y")}), services.CodeRevisionOutOfRange, "")
	// Within the horizon, before the window: taken.
	assertAck(t, submit(t, h, services.Submission{ClientID: "old", OpID: "old-3", Base: 60, Op: insertAt(62, 0, "z")}), 102, "old-3")
}

// inDoubtStore commits a batch but reports failure (the connection broke
// after COMMIT), then stays unreachable until released.
type inDoubtStore struct {
	*memory.Store
	once    sync.Once
	tripped chan struct{}
}

func (s *inDoubtStore) AppendOps(ctx context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	if err := s.Store.AppendOps(ctx, roomID, ops); err != nil {
		return err
	}
	var lost bool
	s.once.Do(func() {
		lost = true
		s.Store.Fail(errors.New("connection reset"))
		close(s.tripped)
	})
	if lost {
		return errors.New("commit: connection reset")
	}
	return nil
}

// While a commit's outcome is unknown, a resubmission of that operation is
// not refused (refusing says "not committed"): it waits, and gets the ack
// once storage answers.
func TestInDoubtResubmissionWaits(t *testing.T) {
	store := &inDoubtStore{Store: newStore(), tripped: make(chan struct{})}
	info, h := newRoom(t, store, testConfig(), "ab")
	sub := services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: insertAt(2, 0, "x")}
	first := submitAsync(h, sub)
	<-store.tripped
	again := submitAsync(h, services.Submission{ClientID: "a2", OpID: "a-1", Base: 0, Op: insertAt(2, 0, "x")})
	select {
	case ev := <-again:
		t.Fatalf("resubmission answered %s %s during the outage, want it to wait", ev.Type, ev.Code)
	case ev := <-first:
		t.Fatalf("first answered %s %s during the outage, want it to wait", ev.Type, ev.Code)
	case <-time.After(200 * time.Millisecond):
	}
	store.Store.Fail(nil)
	for name, ch := range map[string]chan *services.Event{"first": first, "resubmission": again} {
		select {
		case ev := <-ch:
			assertAck(t, ev, 1, "a-1")
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no answer after the outage", name)
		}
	}
	assertStored(t, h, store, info.ID, 1, "xab")
}

// An instance far behind (its fan-out lost) catches up a page at a time
// before taking a submission based on the newest revision.
func TestLaggingInstanceCatchesUpInPages(t *testing.T) {
	store := &pagingStore{Store: newStore()}
	_, ha, hb := openOnDeafPair(t, store, smallWindow(), "ab")
	watcher := join(t, hb, &fakeMember{name: "watcher"})
	typeAlong(t, ha, "typist", 200)
	rev, content := state(t, ha)
	assertAck(t, submit(t, hb, services.Submission{ClientID: "mover", OpID: "m", Base: rev, Op: insertAt(len(content), 0, "!")}), rev+1, "m")
	// The broadcast follows the ack.
	waitFor(t, "b's watcher to get every op", func() bool { return len(watcher.ofType(services.EventOp)) == rev+1 }, 5*time.Second)
	if maxLimit, _ := store.stats(); maxLimit > 64 {
		t.Errorf("a catch-up read asked for %d operations, want at most 64", maxLimit)
	}
}
