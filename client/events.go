package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// ConnState is the state of a client's connection.
type ConnState int

const (
	// Connecting: no connection; the client is dialling or waiting to.
	Connecting ConnState = iota
	// Connected: a connection is open (catching up may still be going on;
	// see Client.WaitSynced).
	Connected
	// Closed: Close was called or the room is gone; see Client.Err.
	Closed
)

func (s ConnState) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("ConnState(%d)", int(s))
}

// EventKind says what an Event reports.
type EventKind int

const (
	// EventRemoteOp: another client's operation was applied to the local
	// document. Op is the operation as applied locally (transformed past
	// pending local operations), Revision the revision it created, ClientID
	// its author, Selection the author's selection (local coordinates) if sent.
	EventRemoteOp EventKind = iota
	// EventAck: the server acknowledged a local operation. Revision is the
	// revision it created, OpID its id, Sent when it was last sent.
	EventAck
	// EventJoin, EventLeave, EventSelection: presence of another client
	// (ClientID, Name, Selection in local coordinates).
	EventJoin
	EventLeave
	EventSelection
	// EventLanguage: the room's language changed (Language).
	EventLanguage
	// EventState: the connection state changed (State); on Connected,
	// ClientID is the connection's client id.
	EventState
	// EventResync: the local document could not be reconciled with the
	// server (Err says why: an operation rejected, a gap in the history, a
	// desync) and was replaced by the server's content at Revision; pending
	// local operations were dropped, except after a desync, where those not
	// yet sent are rebased onto that content and sent. An editor must
	// reload the whole document.
	EventResync
	// EventError: the server answered a message with an error that needs no
	// action from the client (Err is an *APIError).
	EventError
	// EventDesync: the server's content hash after Revision (see
	// docs/protocol.md, "hash") differs from this client's copy (Err wraps
	// ErrDesync); a resync follows. Client.Desyncs counts them.
	EventDesync
)

// ErrDesync marks a content hash that differs from the server's.
var ErrDesync = errors.New("document out of sync with the server")

func (k EventKind) String() string {
	names := [...]string{"remote-op", "ack", "join", "leave", "selection", "language", "state", "resync", "error", "desync"}
	if int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something that happened to a client; which fields are set depends
// on Kind.
type Event struct {
	Kind      EventKind
	Revision  int
	ClientID  string
	Name      string
	Op        ot.Operation
	Selection *ot.Selection
	OpID      string
	Language  string
	State     ConnState
	Err       error
	// Sent is when an acknowledged operation was last sent.
	Sent time.Time
	// Time is when the message that caused the event was received.
	Time time.Time
}

// Peer is another client in the room.
type Peer struct {
	ClientID string
	Name     string
	// Selection is in local document coordinates; nil when unknown.
	Selection *ot.Selection
	ReadOnly  bool

	// moved is how many local operations Selection has been moved across
	// (see Client.movePeers).
	moved int
}
