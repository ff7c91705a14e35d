package client

import (
	"errors"
	"fmt"
	"github.com/tandem-editor/tandem/api/protocol"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// insertOp inserts s at pos in a document of length n.
func insertOp(n, pos int, s string) ot.Operation {
	var op ot.Operation
	op.Retain(pos).Insert(s).Retain(n - pos)
	return op
}

func opMsg(t *testing.T, rev int, op ot.Operation, clientID string) *serverMessage {
	t.Helper()
	b, err := op.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return &serverMessage{Type: "op", Revision: rev, Op: b, ClientID: clientID}
}

// connectedCore returns a core holding content at rev, attached to a
// connection whose init says the same.
func connectedCore(t *testing.T, content string, rev int) *syncCore {
	t.Helper()
	c := newSyncCore(content, rev, "p", 1000)
	eff := c.attach(&serverMessage{Type: "init", ClientID: "me", Revision: rev, Content: content}, t0)
	if len(eff.send) != 0 || eff.resync != nil {
		t.Fatalf("attach of a fresh core: %+v", eff)
	}
	return c
}

// checkInvariants checks what must hold between any two steps.
func checkInvariants(t *testing.T, c *syncCore) {
	t.Helper()
	if c.queue.delivered != c.ot.Revision {
		t.Fatalf("queue delivered %d, ot revision %d", c.queue.delivered, c.ot.Revision)
	}
	if (c.sent == nil) != (c.ot.State() == ot.Synchronized) {
		t.Fatalf("sent %v in state %v", c.sent, c.ot.State())
	}
}

func kinds(evs []Event) []EventKind {
	out := make([]EventKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

func TestSyncCoreLocalEditIsSentAndAcked(t *testing.T) {
	c := connectedCore(t, "abc", 4)
	sel := &ot.Selection{Ranges: []ot.Range{{Anchor: 1, Head: 1}}}
	eff, err := c.edit(insertOp(3, 0, "x"), sel, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(eff.send) != 1 || eff.send[0].Revision != 4 || eff.send[0].ID != "p-1" || eff.send[0].Selection != sel {
		t.Fatalf("send = %+v", eff.send)
	}
	// A second edit waits for the ack, then goes as a new submission.
	if eff, _ = c.edit(insertOp(4, 4, "y"), nil, t0); len(eff.send) != 0 {
		t.Fatalf("buffered edit sent: %+v", eff.send)
	}
	at := t0.Add(time.Second)
	eff = c.receive(&serverMessage{Type: "ack", Revision: 5, ID: "p-1"}, at)
	checkInvariants(t, c)
	if got := kinds(eff.events); len(got) != 1 || got[0] != EventAck {
		t.Fatalf("events %v", got)
	}
	if ev := eff.events[0]; ev.Revision != 5 || ev.OpID != "p-1" || !ev.Sent.Equal(t0) || !ev.Time.Equal(at) {
		t.Errorf("ack event %+v", ev)
	}
	if len(eff.send) != 1 || eff.send[0].Revision != 5 || eff.send[0].ID != "p-2" {
		t.Fatalf("buffer send = %+v", eff.send)
	}
	if got := c.doc.String(); got != "xabcy" {
		t.Errorf("doc %q", got)
	}
}

func TestSyncCoreRemoteOps(t *testing.T) {
	tests := []struct {
		name    string
		revs    []int // revisions of the broadcasts, in arrival order
		wantRev int
		wantDoc string
		wantEvs int
	}{
		{"in order", []int{1, 2}, 2, "21abc", 2},
		{"duplicate ignored", []int{1, 1, 2}, 2, "21abc", 2},
		{"held past a gap", []int{2}, 0, "abc", 0},
		{"gap filled", []int{2, 1}, 2, "21abc", 2},
	}
	ops := map[int]ot.Operation{1: insertOp(3, 0, "1"), 2: insertOp(4, 0, "2")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connectedCore(t, "abc", 0)
			var evs []Event
			for _, rev := range tt.revs {
				eff := c.receive(opMsg(t, rev, ops[rev], "other"), t0)
				if eff.resync != nil {
					t.Fatal(eff.resync)
				}
				checkInvariants(t, c)
				evs = append(evs, eff.events...)
			}
			if c.ot.Revision != tt.wantRev || c.doc.String() != tt.wantDoc || len(evs) != tt.wantEvs {
				t.Errorf("revision %d, doc %q, %d events; want %d, %q, %d", c.ot.Revision, c.doc.String(), len(evs), tt.wantRev, tt.wantDoc, tt.wantEvs)
			}
		})
	}
}

func TestSyncCoreRemoteOpIsTransformedPastPending(t *testing.T) {
	c := connectedCore(t, "abc", 0)
	if _, err := c.edit(insertOp(3, 3, "L"), nil, t0); err != nil {
		t.Fatal(err)
	}
	eff := c.receive(opMsg(t, 1, insertOp(3, 3, "R"), "other"), t0)
	checkInvariants(t, c)
	// The pending local insert is a in transform(a, b): it goes first.
	if got := c.doc.String(); got != "abcLR" {
		t.Errorf("doc %q, want abcLR", got)
	}
	if got := eff.events[0].Op.String(); got != insertOp(4, 4, "R").String() {
		t.Errorf("applied %s", got)
	}
}

func TestSyncCoreProblemsAskForResync(t *testing.T) {
	tests := []struct {
		name string
		msg  func(t *testing.T) *serverMessage
	}{
		{"ack with nothing outstanding", func(*testing.T) *serverMessage { return &serverMessage{Type: "ack", Revision: 1} }},
		{"operation that does not fit", func(t *testing.T) *serverMessage { return opMsg(t, 1, insertOp(10, 0, "x"), "other") }},
		{"undecodable operation", func(*testing.T) *serverMessage {
			return &serverMessage{Type: "op", Revision: 1, Op: []byte(`"nope"`)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connectedCore(t, "abc", 0)
			eff := c.receive(tt.msg(t), t0)
			checkInvariants(t, c)
			if eff.resync == nil || eff.catchUp {
				t.Fatalf("effects %+v, want a resync only", eff)
			}
		})
	}
}

func TestSyncCoreErrorAnswers(t *testing.T) {
	tests := []struct {
		code       string
		id         string
		wantRetry  bool
		wantResync bool
		wantEvent  bool
	}{
		{"unavailable", "p-1", true, false, false},
		{"rate_limited", "p-1", true, false, false},
		{"internal", "p-1", true, false, false},
		{"invalid_op", "p-1", false, true, false},
		{"bad_message", "", false, false, true},
		{"invalid_op", "someone-else", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.id, func(t *testing.T) {
			c := connectedCore(t, "", 0)
			if _, err := c.edit(insertOp(0, 0, "x"), nil, t0); err != nil {
				t.Fatal(err)
			}
			eff := c.receive(&serverMessage{Type: "error", Code: protocol.Code(tt.code), ID: tt.id}, t0)
			if (eff.retry != nil) != tt.wantRetry || (eff.resync != nil) != tt.wantResync || (len(eff.events) == 1) != tt.wantEvent {
				t.Fatalf("effects %+v", eff)
			}
			if tt.wantEvent && !errors.As(eff.events[0].Err, new(*APIError)) {
				t.Errorf("event error %v", eff.events[0].Err)
			}
			if !tt.wantRetry {
				return
			}
			if eff.retry.attempt != 0 || eff.retry.id != "p-1" {
				t.Errorf("retry %+v", eff.retry)
			}
			if again := c.receive(&serverMessage{Type: "error", Code: protocol.Code(tt.code), ID: tt.id}, t0); again.retry.attempt != 1 {
				t.Errorf("second retry %+v", again.retry)
			}
			if got := c.resend("p-1", t0); len(got.send) != 1 || got.send[0].ID != "p-1" {
				t.Errorf("resend %+v", got.send)
			}
			if got := c.resend("p-0", t0); len(got.send) != 0 {
				t.Errorf("resend of a stale id %+v", got.send)
			}
		})
	}
}

// TestSyncCoreReconnectResubmitsVerbatimAndCatchesUp: the ack of p-1 is lost
// with the connection; another client commits meanwhile. The resubmission
// is acknowledged in the past, and the catch-up treats that revision as the
// ack.
func TestSyncCoreReconnectResubmitsVerbatimAndCatchesUp(t *testing.T) {
	c := connectedCore(t, "abc", 0)
	first, _ := c.edit(insertOp(3, 0, "A"), nil, t0)
	c.detach()
	if eff, _ := c.edit(insertOp(4, 4, "z"), nil, t0); len(eff.send) != 0 {
		t.Fatal("sent while detached")
	}
	// Server history: 1 = our A (ack lost), 2 = B by another client.
	eff := c.attach(&serverMessage{Type: "init", ClientID: "me2", Revision: 2, Content: "ABabc"}, t0)
	if len(eff.send) != 1 || fmt.Sprint(eff.send[0]) != fmt.Sprint(first.send[0]) {
		t.Fatalf("resubmission %+v, want %+v", eff.send, first.send)
	}
	if eff.catchUp {
		t.Fatal("catch-up before the resubmission's ack")
	}
	if c.synced() {
		t.Fatal("synced while the resubmission is unacknowledged")
	}
	eff = c.receive(&serverMessage{Type: "ack", Revision: 1, ID: "p-1"}, t0)
	if !eff.catchUp || eff.catchUpTo != 2 || len(eff.send) != 1 || eff.send[0].ID != "p-2" {
		t.Fatalf("after the ack: %+v", eff)
	}
	from, to, ok := c.catchUpRange(eff.catchUpTo)
	if !ok || from != 1 || to != 2 {
		t.Fatalf("range (%d, %d] %v", from, to, ok)
	}
	var b ot.Operation
	b.Retain(1).Insert("B").Retain(3)
	eff = c.caughtUp(from, to, []CommittedOp{{Revision: 2, Op: b, ClientID: "other"}}, t0)
	checkInvariants(t, c)
	if eff.resync != nil || c.doc.String() != "ABabcz" || c.ot.Revision != 2 {
		t.Fatalf("doc %q at %d, resync %v", c.doc.String(), c.ot.Revision, eff.resync)
	}
}

func TestSyncCoreShortHistoryAsksForResync(t *testing.T) {
	c := connectedCore(t, "", 0)
	eff := c.attach(&serverMessage{Type: "init", ClientID: "me2", Revision: 3}, t0)
	from, to, _ := c.catchUpRange(eff.catchUpTo)
	eff = c.caughtUp(from, to, []CommittedOp{{Revision: 1, Op: insertOp(0, 0, "x")}}, t0)
	if eff.resync == nil || !strings.Contains(eff.resync.Error(), "only 1") {
		t.Fatalf("resync %v", eff.resync)
	}
	if got := c.resyncRevision(); got != 3 {
		t.Fatalf("resync revision %d", got)
	}
	eff, err := c.resynced(3, "xyz", eff.resync, t0)
	checkInvariants(t, c)
	if err != nil || len(eff.events) != 1 || eff.events[0].Kind != EventResync || c.doc.String() != "xyz" || !c.synced() {
		t.Fatalf("after resync: %+v, %v", eff, err)
	}
}

func TestSyncCoreSubmitRebasesOverHistory(t *testing.T) {
	c := connectedCore(t, "abc", 0)
	c.receive(opMsg(t, 1, insertOp(3, 0, "1"), "other"), t0)
	// An operation made at revision 0, sent unchanged with its base and id.
	eff, err := c.submitAt(0, insertOp(3, 3, "!"), "rec-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if c.doc.String() != "1abc!" || len(eff.send) != 1 || eff.send[0].Revision != 0 || eff.send[0].ID != "rec-1" {
		t.Fatalf("doc %q, send %+v", c.doc.String(), eff.send)
	}
	if _, err := c.submitAt(5, insertOp(5, 0, "x"), "", t0); !errors.Is(err, ErrNotSeen) {
		t.Errorf("base beyond revision: %v", err)
	}
}

func TestSyncCorePresence(t *testing.T) {
	c := newSyncCore("abcdef", 0, "p", 10)
	c.attach(&serverMessage{Type: "init", ClientID: "me", Clients: []wirePeer{{ClientID: "bob", Name: "Bob"}}}, t0)
	eff := c.receive(&serverMessage{Type: "selection", ClientID: "bob", Selection: &ot.Selection{Ranges: []ot.Range{{Anchor: 4, Head: 4}}}}, t0)
	if len(eff.events) != 1 || eff.events[0].Name != "Bob" {
		t.Fatalf("events %+v", eff.events)
	}
	if _, err := c.edit(insertOp(6, 0, "xy"), nil, t0); err != nil {
		t.Fatal(err)
	}
	if got := c.presence.list(); len(got) != 1 || got[0].Selection.Ranges[0] != (ot.Range{Anchor: 6, Head: 6}) {
		t.Fatalf("peers %+v", got)
	}
	c.receive(&serverMessage{Type: "join", ClientID: "cy", Name: "Cy"}, t0)
	if eff := c.receive(&serverMessage{Type: "leave", ClientID: "bob"}, t0); eff.events[0].Name != "Bob" {
		t.Errorf("leave %+v", eff.events)
	}
	if got := c.presence.list(); len(got) != 1 || got[0].ClientID != "cy" {
		t.Errorf("peers %+v", got)
	}
}
