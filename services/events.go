package services

import (
	"errors"
	"sync/atomic"

	"github.com/tandem-editor/tandem/ot"
)

// EventType names a message a room sends to its members; the values are the
// protocol's message types.
type EventType string

// Event types.
const (
	EventInit      EventType = "init"
	EventAck       EventType = "ack"
	EventOp        EventType = "op"
	EventSelection EventType = "selection"
	EventJoin      EventType = "join"
	EventLeave     EventType = "leave"
	EventLanguage  EventType = "language"
	EventError     EventType = "error"
)

// Peer is a participant as listed in an init event.
type Peer struct {
	ClientID  string
	Name      string
	Selection *ot.Selection
	ReadOnly  bool
}

// Event is one message from a room to a member. A broadcast event is one
// value shared by every member: treat it as read-only.
type Event struct {
	Type      EventType
	Revision  int
	Op        ot.Operation
	ClientID  string
	OpID      string
	Selection *ot.Selection
	Name      string
	Language  string
	Content   string
	ReadOnly  bool
	Clients   []Peer
	Code      Code
	Message   string
	// Hash, on an ack or op whose revision is hashed, is the content's
	// hash after it (Sequencer.HashAt).
	Hash string
	// wire is the event's encoding for the transport (Encoded).
	wire atomic.Pointer[[]byte]
}

// Encoded returns the event's wire form: made by encode for the first
// member it is delivered to and shared by the others, so that a broadcast
// is encoded once, and held no longer than the event is.
func (e *Event) Encoded(encode func(*Event) []byte) []byte {
	if b := e.wire.Load(); b != nil {
		return *b
	}
	b := encode(e)
	e.wire.Store(&b)
	return b
}

// ErrorEvent turns err into an error event answering the operation opID.
func ErrorEvent(err error, opID string) *Event {
	return &Event{Type: EventError, Code: ErrorCode(err), Message: PublicMessage(err), OpID: opID}
}

// Member is a connection subscribed to a room. The room calls its methods
// from the room's goroutine only.
type Member interface {
	// Deliver queues an event without blocking. It returns false when the
	// member's queue is full: the room then drops the member.
	Deliver(e *Event) bool
	// Kick tells the member it was dropped (it is too slow, or the room
	// is closing); the member closes its connection.
	Kick(reason *Error)
}

// Result answers one submission: the revision it created (for a
// resubmission, the revision it created the first time) and the operation
// as committed; or Err, which means it was not committed.
type Result struct {
	OpID     string
	Revision int
	Op       ot.Operation
	Err      *Error
	// Hash is the content's hash after Revision when it is a hashed
	// revision the room still knows ("" otherwise).
	Hash string
}

// Event is the event that tells the submitter res: its ack or its error.
func (res Result) Event() *Event {
	if res.Err != nil {
		return ErrorEvent(res.Err, res.OpID)
	}
	return &Event{Type: EventAck, Revision: res.Revision, OpID: res.OpID, Op: res.Op, Hash: res.Hash}
}

// refusal is the Result that refuses the submission opID with err.
func refusal(err error, opID string) Result {
	return Result{OpID: opID, Err: AsError(err)}
}

// AsError returns err as a coded *Error: the one in its chain, or one with
// its code and public message.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: ErrorCode(err), Message: PublicMessage(err), Err: err}
}
