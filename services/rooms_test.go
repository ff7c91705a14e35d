package services_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// TestRoomOldBaseBeyondWindow checks that an operation based on a revision
// older than the in-memory window is transformed with history read from the
// store, and that the clients converge.
func TestRoomOldBaseBeyondWindow(t *testing.T) {
	store := newStore()
	info, h := newRoom(t, store, windowConfig(2), "ab")
	stale := joinClient(t, h, "stale")
	b := joinClient(t, h, "b")
	// stale edits at revision 0, but its uplink and downlink stall while
	// b makes 6 edits: the window of 2 no longer reaches back to its base.
	stale.holding = true
	if err := stale.c.applyClient(build(1, "S", 1)); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if err := b.c.applyClient(insertAt(len16(b.c.doc), 0, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		converge(t, h, b)
	}
	stale.flush()
	converge(t, h, stale, b)
	ev := stale.m.ofType(services.EventAck)[0]
	head, content := state(t, h)
	if ev.Revision != 7 || head != 7 || content != "543210aSb" {
		t.Errorf("ack %d, state %d %q, want 7, 7 \"543210aSb\"", ev.Revision, head, content)
	}
	if n := len(storedOps(t, store, info.ID)); n != head {
		t.Errorf("stored %d, head %d", n, head)
	}
}

// TestRoomsIdleUnload checks that a released room with no members unloads
// after the idle timeout and loads again with the same content and revision.
func TestRoomsIdleUnload(t *testing.T) {
	cfg := testConfig()
	cfg.IdleTimeout = 30 * time.Millisecond
	cfg.Room.SnapshotEvery = 2
	rs := newRooms(t, newStore(), cfg, nil)
	info, err := rs.Create(ctxT(t), services.RoomCreate{RoomPatch: services.RoomPatch{Name: new("idle"), Language: new("go")}, Content: "x😀"})
	if err != nil {
		t.Fatal(err)
	}
	h := openRoom(t, rs, info.ID)
	m := join(t, h, &fakeMember{name: "a"})
	for i := range 3 {
		assertAck(t, submit(t, h, services.Submission{ClientID: "a", OpID: fmt.Sprint(i), Base: i, Op: insertAt(3+i, 3+i, "y")}), i+1, fmt.Sprint(i))
	}
	wantHead, wantContent := state(t, h)
	time.Sleep(3 * cfg.IdleTimeout)
	if rs.Loaded() != 1 {
		t.Fatalf("Loaded = %d while a member is in, want 1", rs.Loaded())
	}
	h.Leave("a")
	time.Sleep(3 * cfg.IdleTimeout)
	if rs.Loaded() != 1 {
		t.Fatalf("Loaded = %d while a handle is held, want 1", rs.Loaded())
	}
	h.Release()
	waitFor(t, "the room to unload", func() bool { return rs.Loaded() == 0 }, 5*time.Second)
	if m.kickReason() != nil {
		t.Errorf("the member that left was kicked: %v", m.kickReason())
	}

	for _, id := range []services.RoomID{info.ID, info.ReadOnlyID} {
		h2 := openRoom(t, rs, id)
		if head, content := state(t, h2); head != wantHead || content != wantContent {
			t.Errorf("reloaded via %s: %d %q, want %d %q", id, head, content, wantHead, wantContent)
		}
		if h2.ReadOnly != (id == info.ReadOnlyID) {
			t.Errorf("ReadOnly = %v for %s", h2.ReadOnly, id)
		}
		ack := submit(t, h2, services.Submission{ClientID: "b", OpID: "b-" + id.Reveal()[:4], Base: wantHead, Op: insertAt(len16(wantContent), 0, "z")})
		if h2.ReadOnly {
			// The handle itself refuses a change through a read-only link.
			assertError(t, ack, services.CodeForbidden, "b-"+id.Reveal()[:4])
			if _, err := h2.Update(ctxT(t), "b", services.RoomPatch{Language: &info.Language}); services.ErrorCode(err) != services.CodeForbidden {
				t.Errorf("Update through a read-only handle: %v, want forbidden", err)
			}
		} else {
			assertAck(t, ack, wantHead+1, "b-"+id.Reveal()[:4])
		}
		wantHead, wantContent = state(t, h2)
		h2.Release()
		waitFor(t, "the room to unload", func() bool { return rs.Loaded() == 0 }, 5*time.Second)
	}
}

func len16(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// TestRoomsCloseFinishesCommits checks that Close waits for a commit in
// flight (its sender gets the ack), kicks members, and refuses new work.
func TestRoomsCloseFinishesCommits(t *testing.T) {
	store := &gatedStore{Store: newStore(), entered: make(chan struct{}, 10), release: make(chan struct{})}
	rs := newRooms(t, store, testConfig(), nil)
	info, h := openNewRoom(t, rs, "")
	m := join(t, h, &fakeMember{name: "a"})
	other := join(t, h, &fakeMember{name: "b"})
	answer := submitAsync(h, services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: build("x")})
	<-store.entered

	closed := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rs.Close(ctx)
		close(closed)
	}()
	waitFor(t, "Open to be refused", func() bool {
		_, err := rs.Open(ctxT(t), info.ID)
		return services.ErrorCode(err) == services.CodeUnavailable
	}, 5*time.Second)
	// Stop marks the room closing before it waits: soon submissions are
	// refused. One that arrived before may be pending behind the commit.
	var early []chan *services.Event
	waitFor(t, "submissions to be refused", func() bool {
		ch := submitAsync(h, services.Submission{ClientID: "b", OpID: fmt.Sprint("b-", len(early)), Base: 0, Op: build("y")})
		select {
		case ev := <-ch:
			return ev.Type == services.EventError && ev.Code == services.CodeUnavailable
		case <-time.After(20 * time.Millisecond):
			early = append(early, ch)
			return false
		}
	}, 5*time.Second)
	select {
	case <-closed:
		t.Fatal("Close returned before the commit in flight finished")
	default:
	}
	close(store.release)
	select {
	case ev := <-answer:
		assertAck(t, ev, 1, "a-1")
	case <-time.After(5 * time.Second):
		t.Fatal("the commit in flight was never acked")
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	for _, mm := range []*fakeMember{m, other} {
		if r := mm.kickReason(); r == nil || r.Code != services.CodeUnavailable {
			t.Errorf("%s kick = %v, want %s", mm.name, r, services.CodeUnavailable)
		}
	}
	acked := 1
	for _, ch := range early {
		select {
		case ev := <-ch:
			if ev.Type == services.EventAck {
				acked++
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a submission made before closing was never answered")
		}
	}
	if n := len(storedOps(t, store, info.ID)); n != acked {
		t.Errorf("stored %d ops, acked %d", n, acked)
	}
	if _, err := rs.Open(ctxT(t), info.ID); services.ErrorCode(err) != services.CodeUnavailable {
		t.Errorf("Open after Close = %v, want unavailable", err)
	}
	if n := len(other.ofType(services.EventOp)); n < 1 {
		t.Errorf("b got %d ops, want a's", n)
	}
}

// TestTimesReadTheSameFromMemoryAndStore: a room's times as Create returns
// them, and an operation's as the window serves it, equal what the store
// returns after a reload, at the microsecond and in UTC.
func TestTimesReadTheSameFromMemoryAndStore(t *testing.T) {
	store := newStore()
	info, h := newRoom(t, store, testConfig(), "ab")
	stored, err := store.Room(ctxT(t), info.ID)
	if err != nil {
		t.Fatalf("store.Room: %v", err)
	}
	if info.CreatedAt != stored.CreatedAt || info.UpdatedAt != stored.UpdatedAt || info.CreatedAt.Nanosecond()%1000 != 0 {
		t.Errorf("Create gave times %v, %v; the store has %v, %v (want equal, microseconds, UTC)", info.CreatedAt, info.UpdatedAt, stored.CreatedAt, stored.UpdatedAt)
	}
	assertAck(t, submit(t, h, services.Submission{ClientID: "a", OpID: "t1", Base: 0, Op: insertAt(2, 0, "x")}), 1, "t1")
	window, err := h.Ops(ctxT(t), 0, 10)
	if err != nil || len(window) != 1 {
		t.Fatalf("Ops = %d ops, %v; want 1", len(window), err)
	}
	fromStore := storedOps(t, store, info.ID)
	if got, want := window[0].CreatedAt, fromStore[0].CreatedAt; !got.Equal(want) || got.Nanosecond()%1000 != 0 {
		t.Errorf("the window's CreatedAt is %v, the store's %v; want equal, at the microsecond", got, want)
	}
}

// A member who joins through the read-only link is announced as one.
func TestJoinThroughReadOnlyLinkIsAnnounced(t *testing.T) {
	rs := newRooms(t, newStore(), testConfig(), nil)
	info, h := openNewRoom(t, rs, "")
	editor := join(t, h, &fakeMember{name: "editor"})
	join(t, openRoom(t, rs, info.ReadOnlyID), &fakeMember{name: "viewer"})
	join(t, h, &fakeMember{name: "other"})
	joins := editor.ofType(services.EventJoin)
	if len(joins) != 2 || !joins[0].ReadOnly || joins[1].ReadOnly {
		t.Fatalf("joins seen: %+v, want viewer read-only, other not", joins)
	}
}
