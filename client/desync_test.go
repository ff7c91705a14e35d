package client

import (
	"errors"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// hashOf is the server's hash of text.
func hashOf(text string) string { return ot.NewDocument(text).Hash() }

// A right hash changes nothing; a wrong one on an op while an operation is
// outstanding waits for its ack, then asks for a resync that keeps the edit
// not yet sent, rebased onto the server's content, and sends it.
func TestSyncCoreDesyncKeepsPendingEdit(t *testing.T) {
	c := connectedCore(t, "abc", 0)
	m := opMsg(t, 1, insertOp(3, 0, "1"), "other")
	m.Hash = hashOf("1abc")
	if eff := c.receive(m, t0); eff.resync != nil || c.desyncs != 0 {
		t.Fatalf("right hash: resync %v, desyncs %d", eff.resync, c.desyncs)
	}
	if _, err := c.edit(insertOp(4, 4, "x"), nil, t0); err != nil { // outstanding: "1abcx"
		t.Fatal(err)
	}
	if _, err := c.edit(insertOp(5, 0, "y"), nil, t0); err != nil { // buffered: "y1abcx"
		t.Fatal(err)
	}
	// The server says revision 2 is "1abc!" hashed otherwise than ours.
	m = opMsg(t, 2, insertOp(4, 4, "!"), "other")
	m.Hash = "0000000000000000"
	eff := c.receive(m, t0)
	checkInvariants(t, c)
	if eff.resync != nil || c.desyncs != 1 || kinds(eff.events)[len(eff.events)-1] != EventDesync {
		t.Fatalf("wrong hash while outstanding: resync %v, desyncs %d, events %v", eff.resync, c.desyncs, kinds(eff.events))
	}
	eff = c.receive(&serverMessage{Type: "ack", Revision: 3, ID: "p-1"}, t0)
	if !errors.Is(eff.resync, ErrDesync) || len(eff.send) != 0 {
		t.Fatalf("at the ack: resync %v, send %+v", eff.resync, eff.send)
	}
	// The server really holds "1abZc!x" at revision 3: the kept edit (y at
	// the start) lands at the start of it.
	eff, err := c.resynced(c.resyncRevision(), "1abZc!x", eff.resync, t0)
	checkInvariants(t, c)
	if err != nil || c.doc.String() != "y1abZc!x" {
		t.Fatalf("after resync: doc %q, err %v", c.doc.String(), err)
	}
	if len(eff.send) != 1 || eff.send[0].Revision != 3 {
		t.Fatalf("after resync: send %+v, want the kept edit based on revision 3", eff.send)
	}
	if got := c.server.String(); got != "1abZc!x" {
		t.Fatalf("server copy %q", got)
	}
}

// A wrong hash with nothing outstanding asks for a resync at once.
func TestSyncCoreDesyncWhenSynchronized(t *testing.T) {
	c := connectedCore(t, "abc", 0)
	m := opMsg(t, 1, insertOp(3, 0, "1"), "other")
	m.Hash = hashOf("something else")
	eff := c.receive(m, t0)
	if !errors.Is(eff.resync, ErrDesync) || c.desyncs != 1 {
		t.Fatalf("resync %v, desyncs %d", eff.resync, c.desyncs)
	}
}

// replacement turns any text into any other, on rune boundaries.
func TestReplacement(t *testing.T) {
	for _, tt := range [][2]string{
		{"", ""}, {"abc", "abc"}, {"abc", ""}, {"", "abc"}, {"abc", "aXc"}, {"aé", "aè"},
		{"😀x", "😁x"}, {"aaa", "aa"}, {"ab😀cd", "abcd"}, {"héllo", "hello wörld"},
	} {
		op := replacement(tt[0], tt[1])
		got, err := op.Apply(tt[0])
		if err != nil || got != tt[1] {
			t.Errorf("replacement(%q, %q) = %v: %q, %v", tt[0], tt[1], op, got, err)
		}
	}
}
