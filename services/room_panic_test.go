package services_test

import (
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// panickingMember panics when it is handed an operation: a stand-in for a
// bug on the room's goroutine.
type panickingMember struct{ fakeMember }

func (m *panickingMember) Deliver(e *services.Event) bool {
	if e.Type == services.EventOp {
		panic("bug in a member")
	}
	return m.fakeMember.Deliver(e)
}

// A panic on a room's goroutine closes that room instead of the process; the
// next Open loads the room afresh, with everything that was committed.
func TestRoomSurvivesAPanicByReloading(t *testing.T) {
	store := memory.NewStore()
	rs := newRooms(t, store, testConfig(), nil)
	info, h := openNewRoom(t, rs, "abc")
	bad := &panickingMember{fakeMember{name: "bad"}}
	if err := h.Join(ctxT(t), bad, "bad", "bad"); err != nil {
		t.Fatal(err)
	}
	var op ot.Operation
	op.Retain(3).Insert("!")
	assertAck(t, submit(t, h, services.Submission{ClientID: "writer", OpID: "w-1", Op: op}), 1, "w-1")

	waitFor(t, "the broken room to be replaced", func() bool {
		h2, err := rs.Open(ctxT(t), info.ID)
		if err != nil {
			return false
		}
		defer h2.Release()
		return h2.Room != h.Room
	}, 5*time.Second)
	h2 := openRoom(t, rs, info.ID)
	if rev, content := state(t, h2); rev != 1 || content != "abc!" {
		t.Fatalf("reloaded room at revision %d with %q, want 1 and %q", rev, content, "abc!")
	}
	var next ot.Operation
	next.Insert(">").Retain(4)
	assertAck(t, submit(t, h2, services.Submission{ClientID: "writer", Base: 1, OpID: "w-2", Op: next}), 2, "w-2")
}
