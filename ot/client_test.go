package ot_test

import (
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/tandem-editor/tandem/ot"
)

func TestClientTransitions(t *testing.T) {
	// Every test starts from "abc" at revision 5 and replays its steps.
	type step struct {
		kind      string // "client", "server", "ack"
		op        ot.Operation
		wantSend  *ot.Operation // for client and ack
		wantApply *ot.Operation // for server
		wantErr   error
	}
	opp := func(o ot.Operation) *ot.Operation { return &o }
	tests := []struct {
		name      string
		steps     []step
		wantState ot.ClientState
		wantRev   int
		wantOut   *ot.Operation
		wantBuf   *ot.Operation
	}{
		{
			name:      "synchronized: local op is sent",
			steps:     []step{{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))}},
			wantState: ot.AwaitingConfirm, wantRev: 5, wantOut: opp(build("x", 3)),
		},
		{
			name:      "synchronized: server op is applied as is",
			steps:     []step{{kind: "server", op: build(3, "y"), wantApply: opp(build(3, "y"))}},
			wantState: ot.Synchronized, wantRev: 6,
		},
		{
			name:      "synchronized: ack is an error",
			steps:     []step{{kind: "ack", wantErr: ot.ErrUnexpectedAck}},
			wantState: ot.Synchronized, wantRev: 5,
		},
		{
			name: "awaiting confirm: local op is buffered",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "client", op: build(4, "z")},
			},
			wantState: ot.AwaitingWithBuffer, wantRev: 5, wantOut: opp(build("x", 3)), wantBuf: opp(build(4, "z")),
		},
		{
			name: "awaiting confirm: local op of the wrong length is refused",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "client", op: build(3, "z"), wantErr: ot.ErrBaseLength},
			},
			wantState: ot.AwaitingConfirm, wantRev: 5, wantOut: opp(build("x", 3)),
		},
		{
			name: "awaiting confirm: server op transforms the outstanding one, ties to the client",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "server", op: build("y", 3), wantApply: opp(build(1, "y", 3))},
			},
			wantState: ot.AwaitingConfirm, wantRev: 6, wantOut: opp(build("x", 4)),
		},
		{
			name: "awaiting confirm: ack synchronizes",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "ack"},
			},
			wantState: ot.Synchronized, wantRev: 6,
		},
		{
			name: "awaiting with buffer: local op is composed into the buffer",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "client", op: build(4, "z")},
				{kind: "client", op: build(5, "w")},
			},
			wantState: ot.AwaitingWithBuffer, wantRev: 5, wantOut: opp(build("x", 3)), wantBuf: opp(build(4, "zw")),
		},
		{
			name: "awaiting with buffer: server op transforms both",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "client", op: build(4, "z")},
				{kind: "server", op: build(-1, 2), wantApply: opp(build(1, -1, 2, 1))},
			},
			wantState: ot.AwaitingWithBuffer, wantRev: 6, wantOut: opp(build("x", 2)), wantBuf: opp(build(3, "z")),
		},
		{
			name: "awaiting with buffer: ack sends the buffer",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "client", op: build(4, "z")},
				{kind: "ack", wantSend: opp(build(4, "z"))},
			},
			wantState: ot.AwaitingConfirm, wantRev: 6, wantOut: opp(build(4, "z")),
		},
		{
			name: "server op of the wrong length is refused",
			steps: []step{
				{kind: "client", op: build("x", 3), wantSend: opp(build("x", 3))},
				{kind: "server", op: build(2, "y"), wantErr: ot.ErrBaseLength},
			},
			wantState: ot.AwaitingConfirm, wantRev: 5, wantOut: opp(build("x", 3)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ot.NewClient(5)
			for i, s := range tt.steps {
				var send *ot.Operation
				var apply ot.Operation
				var err error
				switch s.kind {
				case "client":
					send, err = c.ApplyClient(s.op)
				case "server":
					apply, err = c.ApplyServer(s.op)
				case "ack":
					send, err = c.ServerAck()
				}
				if !errors.Is(err, s.wantErr) || (err != nil) != (s.wantErr != nil) {
					t.Fatalf("step %d: err = %v, want %v", i, err, s.wantErr)
				}
				if (send == nil) != (s.wantSend == nil) || (send != nil && !send.Equal(*s.wantSend)) {
					t.Fatalf("step %d: send = %v, want %v", i, send, s.wantSend)
				}
				if s.wantApply != nil && !apply.Equal(*s.wantApply) {
					t.Fatalf("step %d: apply = %v, want %v", i, apply, *s.wantApply)
				}
			}
			if got := c.State(); got != tt.wantState {
				t.Errorf("state = %v, want %v", got, tt.wantState)
			}
			if c.Revision != tt.wantRev {
				t.Errorf("revision = %d, want %d", c.Revision, tt.wantRev)
			}
			out, ok := c.Outstanding()
			if ok != (tt.wantOut != nil) || (ok && !out.Equal(*tt.wantOut)) {
				t.Errorf("outstanding = %v (%v), want %v", out, ok, tt.wantOut)
			}
			buf, ok := c.Buffer()
			if ok != (tt.wantBuf != nil) || (ok && !buf.Equal(*tt.wantBuf)) {
				t.Errorf("buffer = %v (%v), want %v", buf, ok, tt.wantBuf)
			}
		})
	}
}

func TestClientTransformSelection(t *testing.T) {
	c := ot.NewClient(0)
	sel := ot.Selection{Ranges: []ot.Range{{Anchor: 1, Head: 2}}}
	if got := c.TransformSelection(sel); got.Ranges[0] != (ot.Range{Anchor: 1, Head: 2}) {
		t.Fatalf("synchronized: got %v", got)
	}
	if _, err := c.ApplyClient(build("ab", 3)); err != nil {
		t.Fatal(err)
	}
	if got := c.TransformSelection(sel); got.Ranges[0] != (ot.Range{Anchor: 3, Head: 4}) {
		t.Fatalf("awaiting confirm: got %v", got)
	}
	if _, err := c.ApplyClient(build(-1, 4)); err != nil {
		t.Fatal(err)
	}
	if got := c.TransformSelection(sel); got.Ranges[0] != (ot.Range{Anchor: 2, Head: 3}) {
		t.Fatalf("awaiting with buffer: got %v", got)
	}
}

// simServer is a minimal in-memory ot.js server: it transforms each
// submission as a against the operations committed since its base.
type simServer struct {
	doc     string
	history []ot.Operation
}

type simMsg struct {
	ack bool
	op  ot.Operation
}

// TestPropertyClientsConverge runs clients and a server with random
// interleavings of local edits, deliveries to the server and deliveries to
// clients; after everything is delivered, every document equals the server's.
func TestPropertyClientsConverge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		start := genText(t, "start", 10)
		n := rapid.IntRange(1, 3).Draw(t, "clients")
		srv := &simServer{doc: start}
		clients := make([]*ot.Client, n)
		docs := make([]string, n)
		up := make([][]struct {
			rev int
			op  ot.Operation
		}, n)
		down := make([][]simMsg, n)
		for i := range clients {
			clients[i] = ot.NewClient(0)
			docs[i] = start
		}
		send := func(i int, op *ot.Operation, rev int) {
			if op != nil {
				up[i] = append(up[i], struct {
					rev int
					op  ot.Operation
				}{rev, *op})
			}
		}
		step := func(i, action int) {
			switch action {
			case 0:
				op := genOp(t, docs[i], "edit")
				docs[i] = mustApply(t, op, docs[i])
				rev := clients[i].Revision
				sendOp, err := clients[i].ApplyClient(op)
				if err != nil {
					t.Fatalf("ApplyClient: %v", err)
				}
				send(i, sendOp, rev)
			case 1:
				if len(up[i]) == 0 {
					return
				}
				sub := up[i][0]
				up[i] = up[i][1:]
				op := sub.op
				for _, c := range srv.history[sub.rev:] {
					var err error
					if op, _, err = ot.Transform(op, c); err != nil {
						t.Fatalf("server transform: %v", err)
					}
				}
				srv.doc = mustApply(t, op, srv.doc)
				srv.history = append(srv.history, op)
				for j := range down {
					down[j] = append(down[j], simMsg{ack: j == i, op: op})
				}
			case 2:
				if len(down[i]) == 0 {
					return
				}
				m := down[i][0]
				down[i] = down[i][1:]
				if m.ack {
					rev := clients[i].Revision + 1
					sendOp, err := clients[i].ServerAck()
					if err != nil {
						t.Fatalf("ServerAck: %v", err)
					}
					send(i, sendOp, rev)
					return
				}
				apply, err := clients[i].ApplyServer(m.op)
				if err != nil {
					t.Fatalf("ApplyServer: %v", err)
				}
				docs[i] = mustApply(t, apply, docs[i])
			}
		}
		steps := rapid.IntRange(0, 40).Draw(t, "steps")
		for range steps {
			step(rapid.IntRange(0, n-1).Draw(t, "who"), rapid.IntRange(0, 2).Draw(t, "action"))
		}
		// Deliver everything, in rounds.
		for anyPending(up, down) {
			for i := range n {
				step(i, 1)
				step(i, 2)
			}
		}
		for i := range clients {
			if docs[i] != srv.doc {
				t.Fatalf("client %d has %q, server %q", i, docs[i], srv.doc)
			}
			if clients[i].State() != ot.Synchronized || clients[i].Revision != len(srv.history) {
				t.Fatalf("client %d: state %v revision %d, want Synchronized at %d", i, clients[i].State(), clients[i].Revision, len(srv.history))
			}
		}
	})
}

func anyPending[U, D any](up [][]U, down [][]D) bool {
	for i := range up {
		if len(up[i]) > 0 || len(down[i]) > 0 {
			return true
		}
	}
	return false
}
