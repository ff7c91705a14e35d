package protocol

import (
	"encoding/json"

	"github.com/tandem-editor/tandem/ot"
)

// Messages a client sends. Set Type to the message's type.
type (
	// ClientOp submits an operation based on Revision. ID, optional,
	// identifies it for deduplication (see ValidOpID); Selection is the
	// sender's selection after it.
	ClientOp struct {
		Type      Type          `json:"type"`
		Revision  int           `json:"revision"`
		Op        ot.Operation  `json:"op"`
		ID        string        `json:"id,omitempty"`
		Selection *ot.Selection `json:"selection,omitempty"`
	}
	// ClientSelection sets the sender's selection; nil clears it.
	ClientSelection struct {
		Type      Type          `json:"type"`
		Selection *ot.Selection `json:"selection"`
	}
	// ClientLanguage changes the room's language (an extension).
	ClientLanguage struct {
		Type     Type   `json:"type"`
		Language string `json:"language"`
	}
	// ClientPing asks for a ServerPong.
	ClientPing struct {
		Type Type `json:"type"`
	}
	// ClientAuth replaces the connection's access token with a fresh one
	// before the old one expires (an extension; docs/protocol.md, "Access
	// tokens"). Success has no answer.
	ClientAuth struct {
		Type  Type   `json:"type"`
		Token string `json:"token"`
	}
)

// ClientFrame is any client message as the server decodes it: the fields
// that a type does not use stay nil, and a nil pointer tells an absent
// field from a zero one. Op and Selection are left raw, so that a malformed
// operation can be told from a malformed message.
type ClientFrame struct {
	Type      Type            `json:"type"`
	Revision  *int            `json:"revision"`
	Op        json.RawMessage `json:"op"`
	ID        *string         `json:"id"`
	Selection json.RawMessage `json:"selection"`
	Language  *string         `json:"language"`
	Token     *string         `json:"token"`
}

// Messages the server sends. The server sets Type to the message's type.
type (
	// ServerInit is the first message of every connection.
	ServerInit struct {
		Type     Type   `json:"type"`
		ClientID string `json:"clientId"`
		Revision int    `json:"revision"`
		Content  string `json:"content"`
		Language string `json:"language"`
		Name     string `json:"name"`
		Clients  []Peer `json:"clients"`
		// ReadOnly: the connection came through a read-only link (an extension).
		ReadOnly bool `json:"readOnly"`
	}
	// ServerAck acknowledges the sender's operation: it is durable and
	// created Revision. ID is the operation's id, if it had one.
	ServerAck struct {
		Type     Type   `json:"type"`
		Revision int    `json:"revision"`
		ID       string `json:"id,omitempty"`
		// Hash (an extension) is the content hash after Revision when
		// Revision is a multiple of --hash-every (docs/protocol.md).
		Hash string `json:"hash,omitempty"`
	}
	// ServerOp is another client's operation, as committed, which created
	// Revision.
	ServerOp struct {
		Type      Type          `json:"type"`
		Revision  int           `json:"revision"`
		Op        ot.Operation  `json:"op"`
		ClientID  string        `json:"clientId"`
		Selection *ot.Selection `json:"selection,omitempty"`
		// Hash: as ServerAck's.
		Hash string `json:"hash,omitempty"`
	}
	// ServerSelection is another client's selection (nil: none).
	ServerSelection struct {
		Type      Type          `json:"type"`
		ClientID  string        `json:"clientId"`
		Selection *ot.Selection `json:"selection"`
	}
	// ServerJoin: a client joined the room.
	ServerJoin struct {
		Type     Type   `json:"type"`
		ClientID string `json:"clientId"`
		Name     string `json:"name"`
		// ReadOnly (an extension) marks a member that joined through the
		// read-only link.
		ReadOnly bool `json:"readOnly,omitempty"`
	}
	// ServerLeave: a client left the room.
	ServerLeave struct {
		Type     Type   `json:"type"`
		ClientID string `json:"clientId"`
	}
	// ServerLanguage: the room's language changed (an extension); ClientID
	// is who changed it, empty for a change over REST.
	ServerLanguage struct {
		Type     Type   `json:"type"`
		Language string `json:"language"`
		ClientID string `json:"clientId,omitempty"`
	}
	// ServerPong answers a ClientPing.
	ServerPong struct {
		Type Type `json:"type"`
	}
	// ServerError answers one client message; ID is the id of the operation
	// it answers, if any. See RecoveryFor.
	ServerError struct {
		Type    Type   `json:"type"`
		Code    Code   `json:"code"`
		Message string `json:"message"`
		ID      string `json:"id,omitempty"`
	}
)

// Peer is a participant listed in ServerInit.
type Peer struct {
	ClientID  string        `json:"clientId"`
	Name      string        `json:"name"`
	Selection *ot.Selection `json:"selection"`
	// ReadOnly: the participant came through a read-only link (an extension).
	ReadOnly bool `json:"readOnly,omitempty"`
}

// ServerFrame is any server message as a client decodes it: Type says which
// fields matter. Op is left raw for the client to decode when it needs it.
type ServerFrame struct {
	Type      Type            `json:"type"`
	ClientID  string          `json:"clientId"`
	Revision  int             `json:"revision"`
	Content   string          `json:"content"`
	Language  string          `json:"language"`
	Name      string          `json:"name"`
	Clients   []Peer          `json:"clients"`
	ReadOnly  bool            `json:"readOnly"`
	Op        json.RawMessage `json:"op"`
	ID        string          `json:"id"`
	Selection *ot.Selection   `json:"selection"`
	Code      Code            `json:"code"`
	Message   string          `json:"message"`
	Hash      string          `json:"hash"`
}

// Limits of the contract that do not depend on the server's configuration.
const (
	// MaxOpIDLength is the longest operation id, in bytes.
	MaxOpIDLength = 64
	// MaxSelectionRanges is the most ranges one selection may have.
	MaxSelectionRanges = 100
)

// ValidOpID reports whether id can identify an operation: 1 to
// MaxOpIDLength printable ASCII characters (no space).
func ValidOpID(id string) bool {
	if len(id) == 0 || len(id) > MaxOpIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}
