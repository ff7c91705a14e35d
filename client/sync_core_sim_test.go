package client

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// simServer is the server's sequencer in miniature, for driving cores
// without I/O: it transforms a submission past the history since its base,
// answers a known id with the original ack, acks the sender and broadcasts
// to every other connection.
type simServer struct {
	t       *testing.T
	doc     string
	history []CommittedOp
	ids     map[string]int
	conns   int
	// What the run exercised.
	dedupes, pages int
}

// simConn is one connection: messages to the client, and from it.
type simConn struct {
	id       string
	open     bool
	toCore   []*serverMessage
	toServer []wireOp
}

type simClient struct {
	core *syncCore
	conn *simConn
}

func (s *simServer) connect(cl *simClient) {
	s.conns++
	k := &simConn{id: fmt.Sprintf("c%d", s.conns), open: true}
	cl.conn = k
	init := &serverMessage{Type: "init", ClientID: k.id, Revision: len(s.history), Content: s.doc}
	if cl.core == nil {
		cl.core = newSyncCore(s.doc, len(s.history), k.id, 1000)
	}
	s.carry(cl, cl.core.attach(init, t0))
}

// carry does what the Client does with a core's effects, at once.
func (s *simServer) carry(cl *simClient, eff effects) {
	s.t.Helper()
	if cl.conn != nil && cl.conn.open {
		cl.conn.toServer = append(cl.conn.toServer, eff.send...)
	}
	if eff.resync != nil {
		s.t.Fatalf("resync: %v", eff.resync)
	}
	if eff.catchUp {
		to := eff.catchUpTo
		for range 3 {
			from, upTo, ok := cl.core.catchUpRange(to)
			if !ok {
				break
			}
			to = upTo
			s.pages++
			s.carry(cl, cl.core.caughtUp(from, to, s.history[from:min(to, len(s.history))], t0))
		}
	}
	checkInvariants(s.t, cl.core)
}

// serve takes one message from a client's connection.
func (s *simServer) serve(k *simConn, all []*simClient) {
	s.t.Helper()
	m := k.toServer[0]
	k.toServer = k.toServer[1:]
	if rev, ok := s.ids[m.ID]; ok {
		s.dedupes++
		k.toCore = append(k.toCore, &serverMessage{Type: "ack", Revision: rev, ID: m.ID})
		return
	}
	op := m.Op
	for _, h := range s.history[m.Revision:] {
		var err error
		if op, _, err = ot.Transform(op, h.Op); err != nil {
			s.t.Fatalf("server transform: %v", err)
		}
	}
	doc, err := op.Apply(s.doc)
	if err != nil {
		s.t.Fatalf("server apply: %v", err)
	}
	s.doc = doc
	s.history = append(s.history, CommittedOp{Revision: len(s.history) + 1, Op: op, ClientID: k.id})
	rev := len(s.history)
	s.ids[m.ID] = rev
	k.toCore = append(k.toCore, &serverMessage{Type: "ack", Revision: rev, ID: m.ID})
	b, _ := json.Marshal(op)
	for _, cl := range all {
		if o := cl.conn; o != nil && o.open && o != k {
			o.toCore = append(o.toCore, &serverMessage{Type: "op", Revision: rev, Op: b, ClientID: k.id})
		}
	}
}

func (s *simServer) drop(cl *simClient) {
	cl.conn.open = false
	cl.conn.toCore, cl.conn.toServer = nil, nil
	cl.conn = nil
	cl.core.detach()
}

// randomLocalEdit inserts or deletes a little at a random place.
func randomLocalEdit(r *rand.Rand, doc string) ot.Operation {
	var op ot.Operation
	n := ot.UTF16Len(doc)
	pos := r.IntN(n + 1)
	if r.IntN(3) == 0 && pos < n { // every text inserted is in the BMP: no pair to split
		op.Retain(pos).Delete(1).Retain(n - pos - 1)
		return op
	}
	texts := []string{"a", "bc", "é", "xyz"}
	op.Retain(pos).Insert(texts[r.IntN(len(texts))]).Retain(n - pos)
	return op
}

// TestSyncCoreSimulation drives three cores against simServer with random
// edits, deliveries, dropped connections and reconnections, then lets
// everything settle: every core must hold the server's document, at its
// revision, with nothing pending, and the server must have applied no
// operation twice.
func TestSyncCoreSimulation(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for round := range 30 {
		r := rand.New(rand.NewPCG(seed, uint64(round)))
		s := &simServer{t: t, doc: "hello", ids: map[string]int{}}
		clients := make([]*simClient, 3)
		for i := range clients {
			clients[i] = &simClient{}
			s.connect(clients[i])
		}
		edits := 0
		for range 400 {
			cl := clients[r.IntN(len(clients))]
			k, x := cl.conn, r.IntN(20)
			switch {
			case x < 6:
				eff, err := cl.core.edit(randomLocalEdit(r, cl.core.doc.String()), nil, t0)
				if err != nil {
					t.Fatalf("seed %d round %d: edit: %v", seed, round, err)
				}
				edits++
				s.carry(cl, eff)
			case x < 12 && k != nil && len(k.toCore) > 0:
				m := k.toCore[0]
				k.toCore = k.toCore[1:]
				s.carry(cl, cl.core.receive(m, t0))
			case x < 18 && k != nil && len(k.toServer) > 0:
				s.serve(k, clients)
			case x == 18 && k != nil:
				s.drop(cl)
			case k == nil:
				s.connect(cl)
			}
		}
		for _, cl := range clients {
			if cl.conn == nil {
				s.connect(cl)
			}
		}
		for busy := true; busy; {
			busy = false
			for _, cl := range clients {
				if k := cl.conn; len(k.toServer) > 0 {
					s.serve(k, clients)
					busy = true
				} else if len(k.toCore) > 0 {
					m := k.toCore[0]
					k.toCore = k.toCore[1:]
					s.carry(cl, cl.core.receive(m, t0))
					busy = true
				}
			}
		}
		for i, cl := range clients {
			if got := cl.core.doc.String(); got != s.doc || cl.core.ot.Revision != len(s.history) || !cl.core.synced() {
				t.Fatalf("seed %d round %d: client %d holds %q at %d (synced %v); server %q at %d",
					seed, round, i, got, cl.core.ot.Revision, cl.core.synced(), s.doc, len(s.history))
			}
		}
		if round == 0 {
			t.Logf("round 0: %d edits, %d revisions, %d connections, %d resubmissions answered from history, %d catch-up pages",
				edits, len(s.history), s.conns, s.dedupes, s.pages)
		}
		if len(s.history) > edits {
			t.Fatalf("seed %d round %d: %d revisions from %d edits", seed, round, len(s.history), edits)
		}
	}
}
