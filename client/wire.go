package client

import "github.com/tandem-editor/tandem/api/protocol"

// Local names of the protocol's messages (package api/protocol,
// docs/protocol.md) as the client uses them.
type (
	// serverMessage is any message the server sends; Type says which
	// fields matter.
	serverMessage = protocol.ServerFrame
	wirePeer      = protocol.Peer
	wireOp        = protocol.ClientOp
	wireSelection = protocol.ClientSelection
)
