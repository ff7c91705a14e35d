package client

import (
	"encoding/json"

	"github.com/tandem-editor/tandem/ot"
)

// Wire forms of the protocol's messages (see /work/shared/protocol.md).
type (
	// serverMessage is any message the server sends; Type says which
	// fields matter.
	serverMessage struct {
		Type      string          `json:"type"`
		ClientID  string          `json:"clientId"`
		Revision  int             `json:"revision"`
		Content   string          `json:"content"`
		Language  string          `json:"language"`
		Name      string          `json:"name"`
		Clients   []wirePeer      `json:"clients"`
		ReadOnly  bool            `json:"readOnly"`
		Op        json.RawMessage `json:"op"`
		ID        string          `json:"id"`
		Selection *ot.Selection   `json:"selection"`
		Code      string          `json:"code"`
		Message   string          `json:"message"`
	}
	wirePeer struct {
		ClientID  string        `json:"clientId"`
		Name      string        `json:"name"`
		Selection *ot.Selection `json:"selection"`
		ReadOnly  bool          `json:"readOnly"`
	}
	wireOp struct {
		Type      string        `json:"type"`
		Revision  int           `json:"revision"`
		Op        ot.Operation  `json:"op"`
		ID        string        `json:"id"`
		Selection *ot.Selection `json:"selection,omitempty"`
	}
	wireSelection struct {
		Type      string        `json:"type"`
		Selection *ot.Selection `json:"selection"`
	}
)
