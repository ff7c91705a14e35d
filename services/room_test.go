package services_test

import (
	"context"
	"errors"
	"fmt"
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
	rs := newRooms(t, newStore(), testConfig(), nil)
	_, h := openNewRoom(t, rs, "hello 😀")
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
	rs := newRooms(t, newStore(), cfg, nil)
	_, h := openNewRoom(t, rs, "")
	join(t, h, &fakeMember{name: "a"})
	join(t, h, &fakeMember{name: "b"})
	err := h.Join(ctxT(t), &fakeMember{name: "c"}, "c", "c", false)
	if got := services.ErrorCode(err); got != services.CodeRateLimited {
		t.Errorf("third Join error = %v, want %s", err, services.CodeRateLimited)
	}
}

func TestRoomsOpenUnknown(t *testing.T) {
	rs := newRooms(t, newStore(), testConfig(), nil)
	for _, id := range []string{"nope", "", "bad id!", services.NewRoomID()} {
		_, err := rs.Open(ctxT(t), id)
		if got := services.ErrorCode(err); got != services.CodeNotFound {
			t.Errorf("Open(%q) error = %v, want %s", id, err, services.CodeNotFound)
		}
	}
}

// TestRoomAckThenBroadcast checks that the sender gets its ack, the others
// the operation, in that order, and the sender no echo.
func TestRoomAckThenBroadcast(t *testing.T) {
	rs := newRooms(t, newStore(), testConfig(), nil)
	info, h := openNewRoom(t, rs, "ab")
	order := &eventOrder{}
	a := join(t, h, &fakeMember{name: "a", order: order})
	b := join(t, h, &fakeMember{name: "b", order: order})
	c := join(t, h, &fakeMember{name: "c", order: order})

	ack := submit(t, h, services.Submission{ClientID: "a", OpID: "a-1", Base: 0, Op: build(2, "c")})
	assertAck(t, ack, 1, "a-1")
	ack = submit(t, h, services.Submission{ClientID: "b", OpID: "b-1", Base: 0, Op: build("0", 2)})
	assertAck(t, ack, 2, "b-1")
	if !ack.Op.Equal(build("0", 3)) {
		t.Errorf("ack op = %v, want the transformed op", ack.Op)
	}
	for _, m := range []*fakeMember{a, b, c} {
		waitFor(t, "broadcasts", func() bool { return len(m.ofType(services.EventOp)) >= 1 }, 5*time.Second)
	}
	wantOps := map[string][]int{"a": {2}, "b": {1}, "c": {1, 2}}
	for _, m := range []*fakeMember{a, b, c} {
		waitFor(t, m.name+"'s broadcasts", func() bool { return len(m.ofType(services.EventOp)) == len(wantOps[m.name]) }, 5*time.Second)
		for i, ev := range m.ofType(services.EventOp) {
			if ev.Revision != wantOps[m.name][i] {
				t.Errorf("%s: op %d has revision %d, want %d", m.name, i, ev.Revision, wantOps[m.name][i])
			}
		}
	}
	// Revision 1: a's ack (submit's channel) comes before b's and c's op.
	// Revision 2: the room acks b before it broadcasts to a and c.
	var seen []string
	for _, oe := range order.all() {
		if oe.event.Type == services.EventOp {
			seen = append(seen, fmt.Sprintf("%s:%d", oe.member, oe.event.Revision))
		}
	}
	if len(seen) != 4 {
		t.Fatalf("broadcasts in order: %v, want 4", seen)
	}
	head, content := state(t, h)
	if head != 2 || content != "0abc" {
		t.Errorf("state = %d %q, want 2 \"0abc\"", head, content)
	}
	if got := len(storedOps(t, rs2store(t, rs, info), info.ID)); got != 2 {
		t.Errorf("stored %d ops, want 2", got)
	}
}

// rs2store exists so tests read the store they gave the service.
func rs2store(t *testing.T, _ *services.Rooms, _ services.RoomInfo) services.Store {
	t.Helper()
	return currentStore
}

var currentStore services.Store
