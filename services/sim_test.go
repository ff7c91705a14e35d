package services_test

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// TestSimulatedClients drives the pure Sequencer with many ot.js-style
// clients that edit concurrently at random base revisions, with messages
// delivered in random interleavings (per-client FIFO queues in both
// directions), group commits of random sizes, and failed commits of three
// kinds: nothing written (the clients get an error and resubmit verbatim),
// written although reported failed (the room finds the ops in storage and
// acks them), and lost to another writer (its op is broadcast and the
// proposals are sequenced again). At the end every client's document equals
// the sequencer's, every operation was acked exactly once, and the history
// is contiguous and replays to the content.
//
// Each run prints its seed; SIM_SEED=n reruns one seed.
func TestSimulatedClients(t *testing.T) {
	runSeedBatch(t, "SIM_SEED", 1000, 100, runSimulation,
		"ops", "transformed", "need history", "aborted", "written though failed", "lost races",
		"pending duplicates", "committed duplicates", "late joins")
}

// sim is one simulated room: the sequencer, the store's history, and the
// clients with their queues.
type sim struct {
	t       *testing.T
	seed    int64
	rng     *rand.Rand
	seq     *services.Sequencer
	initial string
	// stored is the durable history: stored[i] has revision i+1.
	stored  []services.CommittedOp
	clients []*otClient
	joined  []bool
	up      [][]sentOp
	down    [][]*services.Event
	// owner maps a pending revision to the client awaiting its ack.
	owner map[int]int
	// sentByID is every submission the server received, by id.
	sentByID map[string]services.Submission
	foreign  int
	stats    tally
}

func (s *sim) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("seed %d: "+format, append([]any{s.seed}, args...)...)
}

func runSimulation(t *testing.T, seed int64) tally {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	initial := randomText(rng, 5)
	seq, err := services.NewSequencer(0, initial, nil, services.SequencerConfig{Window: 1 + rng.Intn(6)})
	if err != nil {
		t.Fatalf("NewSequencer: %v", err)
	}
	s := &sim{
		t: t, seed: seed, rng: rng, seq: seq, initial: initial,
		owner: map[int]int{}, sentByID: map[string]services.Submission{}, stats: tally{},
	}
	n := 2 + rng.Intn(7)
	for i := range n {
		s.up = append(s.up, nil)
		s.down = append(s.down, nil)
		s.joined = append(s.joined, false)
		s.clients = append(s.clients, nil)
		if i < 2 || rng.Intn(2) == 0 {
			s.join(i, false)
		}
	}
	edits := 10 + rng.Intn(50)
	for step := 0; ; step++ {
		if step > 100000 {
			s.fatalf("no quiescence after %d steps", step)
		}
		var actions []func()
		add := func(weight int, f func()) {
			for range weight {
				actions = append(actions, f)
			}
		}
		if edits > 0 {
			add(6, func() {
				i := s.rng.Intn(n)
				if !s.joined[i] {
					s.join(i, true)
					return
				}
				c := s.clients[i]
				if err := c.applyClient(randomEdit(s.rng, c.doc)); err != nil {
					s.fatalf("%v", err)
				}
				edits--
			})
		}
		for i := range n {
			if len(s.up[i]) > 0 {
				add(2, func() { s.receive(i) })
			}
			if len(s.down[i]) > 0 {
				add(2, func() { s.deliver(i) })
			}
		}
		if p := s.seq.PendingCount(); p > 0 {
			add(3, func() { s.commit(1 + s.rng.Intn(p)) })
			add(1, s.fail)
		}
		if len(actions) == 0 {
			break
		}
		actions[s.rng.Intn(len(actions))]()
	}
	s.check()
	return s.stats
}

// join adds client i at the committed head, as an init event would.
func (s *sim) join(i int, late bool) {
	if late {
		s.stats["late joins"]++
	}
	s.joined[i] = true
	s.clients[i] = newOTClient(fmt.Sprintf("c%d", i), s.seq.Head(), s.seq.Content(), func(m sentOp) {
		s.up[i] = append(s.up[i], m)
	})
}

// older returns the stored operations in (need.From, need.To].
func (s *sim) older(need *services.NeedHistory) []services.CommittedOp {
	return s.stored[need.From:need.To]
}

// propose sequences sub, fetching history from the store when needed.
func (s *sim) propose(sub services.Submission) services.Decision {
	s.t.Helper()
	d, err := s.seq.Propose(sub, nil)
	var need *services.NeedHistory
	if errors.As(err, &need) {
		s.stats["need history"]++
		d, err = s.seq.Propose(sub, s.older(need))
	}
	if err != nil {
		s.fatalf("Propose(%+v): %v", sub, err)
	}
	return d
}

// receive handles the next message from client i.
func (s *sim) receive(i int) {
	m := s.up[i][0]
	s.up[i] = s.up[i][1:]
	sub := services.Submission{ClientID: s.clients[i].name, OpID: m.ID, Base: m.Base, Op: m.Op}
	d := s.propose(sub)
	if d.Proposal == nil {
		s.fatalf("submission %s at base %d: duplicate %+v, want a proposal", m.ID, m.Base, d.Duplicate)
	}
	p := d.Proposal
	if want := s.seq.Head() + s.seq.PendingCount(); p.Revision != want {
		s.fatalf("proposal %s has revision %d, want %d", m.ID, p.Revision, want)
	}
	if p.Depth > 0 {
		s.stats["transformed"]++
	}
	s.owner[p.Revision] = i
	s.sentByID[m.ID] = sub

	// A resubmission from another connection while pending is recognised.
	if s.rng.Intn(8) == 0 {
		again := sub
		again.ClientID += "-reconnected"
		d := s.propose(again)
		if d.Duplicate == nil || d.Duplicate.Revision != p.Revision || !d.Duplicate.Pending {
			s.fatalf("pending resubmission of %s = %+v, want pending duplicate of %d", m.ID, d, p.Revision)
		}
		s.stats["pending duplicates"]++
	}
}

// deliver hands the next event to client i.
func (s *sim) deliver(i int) {
	ev := s.down[i][0]
	s.down[i] = s.down[i][1:]
	if err := s.clients[i].handle(ev); err != nil {
		s.fatalf("%v", err)
	}
}

// publish stores committed operations and sends the acks and broadcasts.
func (s *sim) publish(ops []services.CommittedOp) {
	for _, op := range ops {
		s.stored = append(s.stored, op)
		if op.Revision != len(s.stored) {
			s.fatalf("committed revision %d at history position %d", op.Revision, len(s.stored))
		}
		s.stats["ops"]++
		owner, mine := s.owner[op.Revision]
		if !mine {
			owner = -1
		}
		delete(s.owner, op.Revision)
		for i := range s.clients {
			switch {
			case !s.joined[i]:
			case i == owner:
				s.down[i] = append(s.down[i], &services.Event{Type: services.EventAck, Revision: op.Revision, OpID: op.OpID})
			default:
				s.down[i] = append(s.down[i], &services.Event{Type: services.EventOp, Revision: op.Revision, Op: op.Op, ClientID: op.ClientID})
			}
		}
	}
	// Now and then a client that lost its connection resubmits a committed
	// operation: it is answered with the original revision.
	if len(s.sentByID) > 0 && s.rng.Intn(4) == 0 {
		op := s.stored[s.rng.Intn(len(s.stored))]
		sub, ok := s.sentByID[op.OpID]
		if !ok {
			return
		}
		sub.ClientID = "reconnected"
		d := s.propose(sub)
		if d.Duplicate == nil || d.Duplicate.Revision != op.Revision || d.Duplicate.Pending || !d.Duplicate.Op.Equal(op.Op) {
			s.fatalf("resubmission of committed %s (revision %d) = %+v, want its duplicate", op.OpID, op.Revision, d)
		}
		s.stats["committed duplicates"]++
	}
}

func (s *sim) commit(n int) {
	done := s.seq.Commit(n)
	if len(done) != n {
		s.fatalf("Commit(%d) committed %d", n, len(done))
	}
	ops := make([]services.CommittedOp, n)
	for i, p := range done {
		ops[i] = p.CommittedOp
	}
	s.publish(ops)
}

// refuse answers an aborted proposal with an error: its client resubmits.
func (s *sim) refuse(p *services.Proposal) {
	i := s.owner[p.Revision]
	delete(s.owner, p.Revision)
	s.down[i] = append(s.down[i], &services.Event{Type: services.EventError, Code: services.CodeUnavailable, OpID: p.OpID})
}

// fail simulates a group commit that did not succeed, in one of three ways,
// and ends it as a room does: Abort, then Sequencer.Resolve with what the
// store holds, then acting on the Resolution.
func (s *sim) fail() {
	head := s.seq.Head()
	pending := s.seq.Pending()
	var stored []services.CommittedOp
	var cause error
	switch s.rng.Intn(3) {
	case 0: // Nothing written.
		s.stats["aborted"]++
		cause = errors.New("connection refused")
	case 1: // Written, but the store reported an error: found when resolving.
		s.stats["written though failed"]++
		cause = errors.New("connection reset after commit")
		for _, p := range pending[:1+s.rng.Intn(len(pending))] {
			stored = append(stored, p.CommittedOp)
		}
	case 2: // Another writer took the next revision: sequence ours again.
		s.stats["lost races"]++
		cause = services.ErrRevisionTaken
		s.foreign++
		op := randomEdit(s.rng, s.seq.Content())
		stored = []services.CommittedOp{{Revision: head + 1, Op: op, ClientID: "foreign", OpID: fmt.Sprintf("f%d", s.foreign),
			BaseRevision: head, Digest: services.Submission{Op: op}.Digest()}}
	}
	aborted := s.seq.Abort()
	owners := make(map[*services.Proposal]int, len(aborted))
	for _, p := range aborted {
		owners[p] = s.owner[p.Revision]
		delete(s.owner, p.Revision)
	}
	// The store's history from the oldest aborted base, as the room reads
	// it after a lost race.
	older := append(append([]services.CommittedOp(nil), s.stored[services.RebaseFrom(aborted, head):]...), stored...)
	res, err := s.seq.Resolve(aborted, stored, cause, older, nil)
	if err != nil {
		s.fatalf("Resolve: %v", err)
	}
	for i, p := range res.Applied {
		if res.Ours[i] {
			s.owner[p.Revision] = owners[p]
		}
	}
	if len(res.Applied) > 0 {
		s.publish(applied(res))
	}
	for _, o := range res.Outcomes {
		switch {
		case o.Err != nil:
			s.owner[o.Aborted.Revision] = owners[o.Aborted]
			s.refuse(o.Aborted)
		case o.Decision != nil && o.Decision.Proposal != nil:
			s.owner[o.Decision.Proposal.Revision] = owners[o.Aborted]
		default:
			s.fatalf("aborted %s: outcome %+v, want a refusal or a new proposal", o.Aborted.OpID, o)
		}
	}
}

func applied(res services.Resolution) []services.CommittedOp {
	ops := make([]services.CommittedOp, len(res.Applied))
	for i, p := range res.Applied {
		ops[i] = p.CommittedOp
	}
	return ops
}

// check verifies the end state: converged, acked once, contiguous.
func (s *sim) check() {
	s.t.Helper()
	for i, c := range s.clients {
		if !s.joined[i] {
			continue
		}
		if c.sync.State() != ot.Synchronized {
			s.fatalf("%s ends %v", c.name, c.sync.State())
		}
		if c.doc != s.seq.Content() || c.sync.Revision != s.seq.Head() {
			s.fatalf("%s has %q at revision %d, server %q at %d", c.name, c.doc, c.sync.Revision, s.seq.Content(), s.seq.Head())
		}
		c.checkAckedOnce(s.t)
	}
	if s.t.Failed() {
		s.fatalf("see above")
	}
	doc := s.initial
	for i, op := range s.stored {
		if op.Revision != i+1 {
			s.fatalf("history position %d has revision %d", i+1, op.Revision)
		}
		next, err := op.Op.Apply(doc)
		if err != nil {
			s.fatalf("replaying revision %d: %v", op.Revision, err)
		}
		doc = next
	}
	if doc != s.seq.Content() || len(s.stored) != s.seq.Head() {
		s.fatalf("history replays to %q at %d, sequencer has %q at %d", doc, len(s.stored), s.seq.Content(), s.seq.Head())
	}
	if s.seq.PendingCount() != 0 {
		s.fatalf("%d proposals still pending", s.seq.PendingCount())
	}
}
