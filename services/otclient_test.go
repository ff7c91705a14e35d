package services_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// clientState is the state of ot.js's client.js state machine.
type clientState int

const (
	synchronized clientState = iota
	awaitingConfirm
	awaitingWithBuffer
)

func (s clientState) String() string {
	return [...]string{"Synchronized", "AwaitingConfirm", "AwaitingWithBuffer"}[s]
}

// sentOp is an operation message as a client sent it; after an error it is
// sent again verbatim (same revision, op and id).
type sentOp struct {
	Base int
	Op   ot.Operation
	ID   string
}

// otClient is a test-only port of ot.js's Client (client.js): Synchronized,
// AwaitingConfirm{outstanding} and AwaitingWithBuffer{outstanding, buffer}.
// It also keeps the document, which ot.js leaves to the editor adapter.
// It is not safe for concurrent use.
type otClient struct {
	name        string
	revision    int
	doc         string
	state       clientState
	outstanding ot.Operation
	buffer      ot.Operation
	// send is called when an operation must go to the server.
	send func(sentOp)
	// last is the operation awaiting its ack, as sent.
	last  sentOp
	count int
	// acked counts the acks received per operation id.
	acked map[string]int
	sent  []string
}

func newOTClient(name string, revision int, doc string, send func(sentOp)) *otClient {
	return &otClient{name: name, revision: revision, doc: doc, send: send, acked: map[string]int{}}
}

func (c *otClient) sendOp(op ot.Operation) {
	c.count++
	c.last = sentOp{Base: c.revision, Op: op, ID: fmt.Sprintf("%s-%d", c.name, c.count)}
	c.sent = append(c.sent, c.last.ID)
	c.send(c.last)
}

// applyClient is a local edit: ot.js's Client.applyClient.
func (c *otClient) applyClient(op ot.Operation) error {
	doc, err := op.Apply(c.doc)
	if err != nil {
		return fmt.Errorf("%s: local edit %v on %q: %w", c.name, op, c.doc, err)
	}
	c.doc = doc
	switch c.state {
	case synchronized:
		c.outstanding = op
		c.state = awaitingConfirm
		c.sendOp(op)
	case awaitingConfirm:
		c.buffer = op
		c.state = awaitingWithBuffer
	case awaitingWithBuffer:
		if c.buffer, err = ot.Compose(c.buffer, op); err != nil {
			return fmt.Errorf("%s: compose buffer: %w", c.name, err)
		}
	}
	return nil
}

// applyServer is another client's operation: ot.js's Client.applyServer,
// which transforms the client's pending operations as a and the server's
// operation as b.
func (c *otClient) applyServer(revision int, op ot.Operation) error {
	if revision != c.revision+1 {
		return fmt.Errorf("%s: op with revision %d after revision %d", c.name, revision, c.revision)
	}
	c.revision++
	apply := op
	switch c.state {
	case awaitingConfirm:
		a, b, err := ot.Transform(c.outstanding, op)
		if err != nil {
			return fmt.Errorf("%s: transform outstanding: %w", c.name, err)
		}
		c.outstanding, apply = a, b
	case awaitingWithBuffer:
		a1, b1, err := ot.Transform(c.outstanding, op)
		if err != nil {
			return fmt.Errorf("%s: transform outstanding: %w", c.name, err)
		}
		a2, b2, err := ot.Transform(c.buffer, b1)
		if err != nil {
			return fmt.Errorf("%s: transform buffer: %w", c.name, err)
		}
		c.outstanding, c.buffer, apply = a1, a2, b2
	}
	doc, err := apply.Apply(c.doc)
	if err != nil {
		return fmt.Errorf("%s: apply server op %v at revision %d: %w", c.name, apply, revision, err)
	}
	c.doc = doc
	return nil
}

// serverAck is the ack of the outstanding operation: ot.js's Client.serverAck.
func (c *otClient) serverAck(revision int, id string) error {
	if revision != c.revision+1 {
		return fmt.Errorf("%s: ack of revision %d after revision %d", c.name, revision, c.revision)
	}
	if c.state == synchronized {
		return fmt.Errorf("%s: ack %d while synchronized", c.name, revision)
	}
	if id != c.last.ID {
		return fmt.Errorf("%s: ack for id %q, awaiting %q", c.name, id, c.last.ID)
	}
	c.acked[id]++
	c.revision++
	switch c.state {
	case awaitingConfirm:
		c.state = synchronized
	case awaitingWithBuffer:
		c.outstanding = c.buffer
		c.state = awaitingConfirm
		c.sendOp(c.buffer)
	}
	return nil
}

// handle applies one event from the server: ack, op, or an error, after
// which the awaited operation is sent again verbatim.
func (c *otClient) handle(ev *services.Event) error {
	switch ev.Type {
	case services.EventAck:
		return c.serverAck(ev.Revision, ev.OpID)
	case services.EventOp:
		return c.applyServer(ev.Revision, ev.Op)
	case services.EventError:
		if c.state == synchronized || ev.OpID != c.last.ID {
			return fmt.Errorf("%s: error %s (%s) for %q while %v awaiting %q", c.name, ev.Code, ev.Message, ev.OpID, c.state, c.last.ID)
		}
		c.send(c.last)
	}
	return nil
}

// checkAckedOnce reports every sent id not acked exactly once.
func (c *otClient) checkAckedOnce(t *testing.T) {
	t.Helper()
	for _, id := range c.sent {
		if got := c.acked[id]; got != 1 {
			t.Errorf("%s: op %s acked %d times, want 1", c.name, id, got)
		}
	}
}

// alphabet mixes ASCII, BMP and non-BMP characters (two UTF-16 units).
var alphabet = []string{"a", "b", "z", " ", "\n", "é", "中", "😀", "𝄞", "🎉"}

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

// build makes an operation from ot.js-style components: a positive int
// retains, a negative int deletes, a string inserts.
func build(parts ...any) ot.Operation {
	var o ot.Operation
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			if v > 0 {
				o.Retain(v)
			} else {
				o.Delete(v)
			}
		case string:
			o.Insert(v)
		default:
			panic("build: unexpected part")
		}
	}
	return o
}

// insertAt returns the operation inserting s at pos in a document of docLen units.
func insertAt(docLen, pos int, s string) ot.Operation {
	return build(pos, s, docLen-pos)
}
