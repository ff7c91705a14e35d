package ot

import (
	"errors"
	"fmt"
)

// ClientState names the three states of ot.js's client state machine.
type ClientState int

const (
	// Synchronized: every local operation has been acknowledged.
	Synchronized ClientState = iota
	// AwaitingConfirm: one operation (the outstanding one) was sent and is
	// not yet acknowledged.
	AwaitingConfirm
	// AwaitingWithBuffer: an operation is outstanding and later local
	// operations wait, composed into one buffer, until it is acknowledged.
	AwaitingWithBuffer
)

func (s ClientState) String() string {
	switch s {
	case Synchronized:
		return "Synchronized"
	case AwaitingConfirm:
		return "AwaitingConfirm"
	case AwaitingWithBuffer:
		return "AwaitingWithBuffer"
	}
	return fmt.Sprintf("ClientState(%d)", int(s))
}

// ErrUnexpectedAck is returned by ServerAck when no operation is outstanding.
var ErrUnexpectedAck = errors.New("ot: acknowledgement with no outstanding operation")

// Client is ot.js's client state machine (client.js) without the I/O: each
// method takes one event and returns what the caller must send or apply.
//
//	Synchronized             --local op-->  AwaitingConfirm(op)         send op
//	AwaitingConfirm(o)       --local op-->  AwaitingWithBuffer(o, op)
//	AwaitingWithBuffer(o, b) --local op-->  AwaitingWithBuffer(o, b∘op)
//	AwaitingConfirm(o)       --ack-->       Synchronized
//	AwaitingWithBuffer(o, b) --ack-->       AwaitingConfirm(b)          send b
//	any state                --server op--> same state, o and b transformed
//
// The caller's duties:
//
//  1. Apply a local operation to the local document, then call ApplyClient;
//     send what it returns, based on Revision as it was before the call.
//  2. Feed server operations and the acknowledgement of the outstanding
//     operation in revision order, each exactly once: ApplyServer for
//     another client's operation (apply what it returns to the local
//     document), ServerAck for the client's own.
//
// Revision counts the server operations the client has seen, its own
// acknowledged ones included: it is the revision the next sent operation is
// based on. A Client is not safe for concurrent use.
type Client struct {
	Revision    int
	state       ClientState
	outstanding Operation
	buffer      Operation
}

// NewClient returns a synchronized client at a revision.
func NewClient(revision int) *Client { return &Client{Revision: revision} }

// State returns the current state.
func (c *Client) State() ClientState { return c.state }

// Outstanding returns the operation sent and not yet acknowledged, as
// transformed past every server operation since; ok is false when
// synchronized.
func (c *Client) Outstanding() (op Operation, ok bool) {
	return c.outstanding, c.state != Synchronized
}

// Buffer returns the local operations waiting for the outstanding one's
// acknowledgement, composed; ok is false unless AwaitingWithBuffer.
func (c *Client) Buffer() (op Operation, ok bool) {
	return c.buffer, c.state == AwaitingWithBuffer
}

// ApplyClient takes an operation the user made on the local document. It
// returns the operation to send now (based on Revision), or nil when it must
// wait for the outstanding operation's acknowledgement.
//
// Errors: those of Compose (ErrBaseLength, ...) when op does not follow the
// buffer; on error nothing changes.
func (c *Client) ApplyClient(op Operation) (send *Operation, err error) {
	if err := op.Err(); err != nil {
		return nil, err
	}
	switch c.state {
	case Synchronized:
		c.outstanding, c.state = op, AwaitingConfirm
		return &op, nil
	case AwaitingConfirm:
		if op.BaseLen() != c.outstanding.TargetLen() {
			return nil, fmt.Errorf("local operation of base length %d after outstanding of target length %d: %w",
				op.BaseLen(), c.outstanding.TargetLen(), ErrBaseLength)
		}
		c.buffer, c.state = op, AwaitingWithBuffer
		return nil, nil
	default:
		b, err := Compose(c.buffer, op)
		if err != nil {
			return nil, fmt.Errorf("buffer local operation: %w", err)
		}
		c.buffer = b
		return nil, nil
	}
}

// ApplyServer takes another client's operation, the next server revision.
// It transforms the pending operations past it (each pending one as a, the
// server's as b, exactly as ot.js) and returns the operation to apply to the
// local document.
//
// Errors: those of Transform (ErrBaseLength, ...) when op does not fit the
// pending operations; on error nothing changes.
func (c *Client) ApplyServer(op Operation) (apply Operation, err error) {
	switch c.state {
	case Synchronized:
		if err := op.Err(); err != nil {
			return Operation{}, err
		}
		c.Revision++
		return op, nil
	case AwaitingConfirm:
		o, opPrime, err := Transform(c.outstanding, op)
		if err != nil {
			return Operation{}, fmt.Errorf("transform outstanding past revision %d: %w", c.Revision+1, err)
		}
		c.outstanding = o
		c.Revision++
		return opPrime, nil
	default:
		o, op1, err := Transform(c.outstanding, op)
		if err != nil {
			return Operation{}, fmt.Errorf("transform outstanding past revision %d: %w", c.Revision+1, err)
		}
		b, op2, err := Transform(c.buffer, op1)
		if err != nil {
			return Operation{}, fmt.Errorf("transform buffer past revision %d: %w", c.Revision+1, err)
		}
		c.outstanding, c.buffer = o, b
		c.Revision++
		return op2, nil
	}
}

// ServerAck takes the acknowledgement of the outstanding operation, the
// next server revision. It returns the buffer to send now (based on the new
// Revision), or nil.
//
// Errors: ErrUnexpectedAck when synchronized; nothing changes.
func (c *Client) ServerAck() (send *Operation, err error) {
	switch c.state {
	case Synchronized:
		return nil, ErrUnexpectedAck
	case AwaitingConfirm:
		c.outstanding, c.state = Operation{}, Synchronized
		c.Revision++
		return nil, nil
	default:
		b := c.buffer
		c.outstanding, c.buffer, c.state = b, Operation{}, AwaitingConfirm
		c.Revision++
		return &b, nil
	}
}

// TransformSelection maps a selection made on the server's document at
// Revision onto the local document: across the outstanding operation, then
// the buffer (ot.js's transformSelection).
func (c *Client) TransformSelection(s Selection) Selection {
	switch c.state {
	case AwaitingConfirm:
		return s.Transform(c.outstanding)
	case AwaitingWithBuffer:
		return s.Transform(c.outstanding).Transform(c.buffer)
	}
	return s
}
