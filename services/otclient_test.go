package services_test

import (
	"fmt"
	"github.com/tandem-editor/tandem/internal/optest"
	"math/rand"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// sentOp is an operation message as a client sent it; after an error it is
// sent again verbatim (same revision, op and id).
type sentOp struct {
	Base int
	Op   ot.Operation
	ID   string
}

// otClient is an ot.js client (ot.Client) with what ot.js leaves to the
// editor adapter and the connection: the document, and the operations sent,
// each with an id, and their acks. It is not safe for concurrent use.
type otClient struct {
	name string
	sync *ot.Client
	doc  string
	// send is called when an operation must go to the server.
	send func(sentOp)
	// last is the operation awaiting its ack, as sent.
	last  sentOp
	count int
	sent  []string
	// acked lists the revisions each operation id was acked with.
	acked map[string][]int
}

func newOTClient(name string, revision int, doc string, send func(sentOp)) *otClient {
	return &otClient{name: name, sync: ot.NewClient(revision), doc: doc, send: send, acked: map[string][]int{}}
}

// sendOp sends op, based on the client's revision, with a new id.
func (c *otClient) sendOp(op ot.Operation) {
	c.count++
	c.last = sentOp{Base: c.sync.Revision, Op: op, ID: fmt.Sprintf("%s-%d", c.name, c.count)}
	c.sent = append(c.sent, c.last.ID)
	c.send(c.last)
}

// applyClient is a local edit.
func (c *otClient) applyClient(op ot.Operation) error {
	doc, err := op.Apply(c.doc)
	if err != nil {
		return fmt.Errorf("%s: local edit %v on %q: %w", c.name, op, c.doc, err)
	}
	send, err := c.sync.ApplyClient(op)
	if err != nil {
		return fmt.Errorf("%s: ApplyClient: %w", c.name, err)
	}
	c.doc = doc
	if send != nil {
		c.sendOp(*send)
	}
	return nil
}

// applyServer is another client's operation, which must have the next
// revision.
func (c *otClient) applyServer(revision int, op ot.Operation) error {
	if revision != c.sync.Revision+1 {
		return fmt.Errorf("%s: op with revision %d after revision %d", c.name, revision, c.sync.Revision)
	}
	apply, err := c.sync.ApplyServer(op)
	if err != nil {
		return fmt.Errorf("%s: ApplyServer %d: %w", c.name, revision, err)
	}
	doc, err := apply.Apply(c.doc)
	if err != nil {
		return fmt.Errorf("%s: apply server op %v at revision %d: %w", c.name, apply, revision, err)
	}
	c.doc = doc
	return nil
}

// serverAck is the ack of the awaited operation, which must have the next
// revision.
func (c *otClient) serverAck(revision int, id string) error {
	if revision != c.sync.Revision+1 {
		return fmt.Errorf("%s: ack of revision %d after revision %d", c.name, revision, c.sync.Revision)
	}
	if c.sync.State() == ot.Synchronized {
		return fmt.Errorf("%s: ack %d while synchronized", c.name, revision)
	}
	if id != c.last.ID {
		return fmt.Errorf("%s: ack for id %q, awaiting %q", c.name, id, c.last.ID)
	}
	send, err := c.sync.ServerAck()
	if err != nil {
		return fmt.Errorf("%s: ServerAck %d: %w", c.name, revision, err)
	}
	c.acked[id] = append(c.acked[id], revision)
	if send != nil {
		c.sendOp(*send)
	}
	return nil
}

// handle applies one event from the server: ack, op, or an error, after
// which the awaited operation is sent again verbatim. It ignores other
// events.
func (c *otClient) handle(ev *services.Event) error {
	switch ev.Type {
	case services.EventAck:
		return c.serverAck(ev.Revision, ev.OpID)
	case services.EventOp:
		return c.applyServer(ev.Revision, ev.Op)
	case services.EventError:
		if c.sync.State() == ot.Synchronized || ev.OpID != c.last.ID {
			return fmt.Errorf("%s: error %s (%s) for %q while %v awaiting %q", c.name, ev.Code, ev.Message, ev.OpID, c.sync.State(), c.last.ID)
		}
		c.send(c.last)
	}
	return nil
}

// checkAckedOnce reports every sent id not acked exactly once.
func (c *otClient) checkAckedOnce(t *testing.T) {
	t.Helper()
	for _, id := range c.sent {
		if got := len(c.acked[id]); got != 1 {
			t.Errorf("%s: op %s acked %d times, want 1", c.name, id, got)
		}
	}
}

// alphabet mixes ASCII, BMP and non-BMP characters (two UTF-16 units).
var alphabet = []string{"a", "b", "z", " ", "\n", "é", "中", "😀", "𝄞", "🎉"}

// randomText returns up to max characters of alphabet.
func randomText(rng *rand.Rand, max int) string {
	var b strings.Builder
	for n := rng.Intn(max + 1); n > 0; n-- {
		b.WriteString(alphabet[rng.Intn(len(alphabet))])
	}
	return b.String()
}

// randomEdit returns an insert, delete or replace on doc that never splits a
// surrogate pair.
func randomEdit(rng *rand.Rand, doc string) ot.Operation {
	runes := []rune(doc)
	pos := rng.Intn(len(runes) + 1)
	del := 0
	if pos < len(runes) && rng.Intn(3) > 0 {
		del = 1 + rng.Intn(min(4, len(runes)-pos))
	}
	ins := ""
	if del == 0 || rng.Intn(2) == 0 {
		for n := 1 + rng.Intn(3); n > 0; n-- {
			ins += alphabet[rng.Intn(len(alphabet))]
		}
	}
	var op ot.Operation
	op.Retain(ot.UTF16Len(string(runes[:pos])))
	op.Insert(ins)
	op.Delete(ot.UTF16Len(string(runes[pos : pos+del])))
	op.Retain(ot.UTF16Len(string(runes[pos+del:])))
	return op
}

var (
	build    = optest.Build
	insertAt = optest.InsertAt
)
