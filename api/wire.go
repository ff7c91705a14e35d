package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// clientMessage is any message a client sends over the WebSocket. Which
// fields matter depends on Type; unknown fields are ignored.
type clientMessage struct {
	Type      string          `json:"type"`
	Revision  *int            `json:"revision"`
	Op        json.RawMessage `json:"op"`
	ID        *string         `json:"id"`
	Selection json.RawMessage `json:"selection"`
	Language  *string         `json:"language"`
}

// maxSelectionRanges bounds the ranges of one selection.
const maxSelectionRanges = 100

// decodeClientMessage parses one WebSocket text frame strictly.
// Errors: *services.Error with CodeBadMessage or CodeInvalidOp.
func decodeClientMessage(data []byte) (clientMessage, error) {
	var m clientMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return m, services.Errorf(services.CodeBadMessage, "message is not a valid JSON object: %s", jsonProblem(err))
	}
	if m.Type == "" {
		return m, services.Errorf(services.CodeBadMessage, "message has no type")
	}
	return m, nil
}

// jsonProblem describes a JSON decoding error without echoing input.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		return "field " + strconv.Quote(e.Field) + " must be " + e.Type.String()
	case *json.SyntaxError:
		return "syntax error at byte " + strconv.FormatInt(e.Offset, 10)
	default:
		return "malformed JSON"
	}
}

// submission validates an op message's fields.
func (m clientMessage) submission(clientID string) (services.Submission, error) {
	sub := services.Submission{ClientID: clientID}
	if m.ID != nil {
		if !validOpID(*m.ID) {
			return sub, services.Errorf(services.CodeBadMessage, "id must be 1 to 64 printable ASCII characters")
		}
		sub.OpID = *m.ID
	}
	if m.Revision == nil {
		return sub, services.Errorf(services.CodeBadMessage, "op message needs an integer revision")
	}
	sub.Base = *m.Revision
	op, err := decodeOp(m.Op)
	if err != nil {
		return sub, err
	}
	sub.Op = op
	sel, _, err := decodeSelection(m.Selection)
	sub.Selection = sel
	return sub, err
}

// decodeOp parses an operation in the ot.js array form.
// Errors: CodeBadMessage when absent, CodeInvalidOp when malformed.
func decodeOp(raw json.RawMessage) (ot.Operation, error) {
	var op ot.Operation
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return op, services.Errorf(services.CodeBadMessage, "message needs an op")
	}
	if err := op.UnmarshalJSON(raw); err != nil {
		return op, &services.Error{Code: services.CodeInvalidOp, Message: err.Error(), Err: err}
	}
	return op, nil
}

// decodeSelection parses an optional selection; present reports whether the
// field was there (null counts as present).
// Errors: CodeBadMessage.
func decodeSelection(raw json.RawMessage) (sel *ot.Selection, present bool, err error) {
	if len(raw) == 0 {
		return nil, false, nil
	}
	if bytes.Equal(raw, []byte("null")) {
		return nil, true, nil
	}
	var s ot.Selection
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, true, services.Errorf(services.CodeBadMessage, "selection: %s", jsonProblem(err))
	}
	if len(s.Ranges) > maxSelectionRanges {
		return nil, true, services.Errorf(services.CodeBadMessage, "selection has more than %d ranges", maxSelectionRanges)
	}
	for _, r := range s.Ranges {
		if r.Anchor < 0 || r.Head < 0 {
			return nil, true, services.Errorf(services.CodeBadMessage, "selection positions must not be negative")
		}
	}
	return &s, true, nil
}

func validOpID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// Wire forms of the server's messages.
type (
	wirePeer struct {
		ClientID  string        `json:"clientId"`
		Name      string        `json:"name"`
		Selection *ot.Selection `json:"selection"`
		ReadOnly  bool          `json:"readOnly,omitempty"`
	}
	wireInit struct {
		Type     string     `json:"type"`
		ClientID string     `json:"clientId"`
		Revision int        `json:"revision"`
		Content  string     `json:"content"`
		Language string     `json:"language"`
		Name     string     `json:"name"`
		Clients  []wirePeer `json:"clients"`
		ReadOnly bool       `json:"readOnly"`
	}
	wireAck struct {
		Type     string `json:"type"`
		Revision int    `json:"revision"`
		ID       string `json:"id,omitempty"`
	}
	wireOp struct {
		Type      string        `json:"type"`
		Revision  int           `json:"revision"`
		Op        ot.Operation  `json:"op"`
		ClientID  string        `json:"clientId"`
		Selection *ot.Selection `json:"selection,omitempty"`
	}
	wireSelection struct {
		Type      string        `json:"type"`
		ClientID  string        `json:"clientId"`
		Selection *ot.Selection `json:"selection"`
	}
	wireJoin struct {
		Type     string `json:"type"`
		ClientID string `json:"clientId"`
		Name     string `json:"name"`
	}
	wireLeave struct {
		Type     string `json:"type"`
		ClientID string `json:"clientId"`
	}
	wireLanguage struct {
		Type     string `json:"type"`
		Language string `json:"language"`
		ClientID string `json:"clientId,omitempty"`
	}
	wireError struct {
		Type    string        `json:"type"`
		Code    services.Code `json:"code"`
		Message string        `json:"message"`
		ID      string        `json:"id,omitempty"`
	}
)

var pongMessage = []byte(`{"type":"pong"}`)

// encodeEvent is the wire form of a room event.
func encodeEvent(e *services.Event) []byte {
	var v any
	t := string(e.Type)
	switch e.Type {
	case services.EventInit:
		peers := make([]wirePeer, len(e.Clients))
		for i, p := range e.Clients {
			peers[i] = wirePeer{p.ClientID, p.Name, p.Selection, p.ReadOnly}
		}
		v = wireInit{t, e.ClientID, e.Revision, e.Content, e.Language, e.Name, peers, e.ReadOnly}
	case services.EventAck:
		v = wireAck{t, e.Revision, e.OpID}
	case services.EventOp:
		v = wireOp{t, e.Revision, e.Op, e.ClientID, e.Selection}
	case services.EventSelection:
		v = wireSelection{t, e.ClientID, e.Selection}
	case services.EventJoin:
		v = wireJoin{t, e.ClientID, e.Name}
	case services.EventLeave:
		v = wireLeave{t, e.ClientID}
	case services.EventLanguage:
		v = wireLanguage{t, e.Language, e.ClientID}
	default:
		v = wireError{string(services.EventError), e.Code, e.Message, e.OpID}
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(wireError{string(services.EventError), services.CodeInternal, "internal error", e.OpID})
	}
	return b
}

// Wire forms of REST answers.
type (
	roomJSON struct {
		ID         string    `json:"id"`
		Name       string    `json:"name"`
		Language   string    `json:"language"`
		Revision   int       `json:"revision"`
		Content    string    `json:"content"`
		CreatedAt  time.Time `json:"createdAt"`
		UpdatedAt  time.Time `json:"updatedAt"`
		ReadOnlyID string    `json:"readOnlyId,omitempty"`
		ReadOnly   bool      `json:"readOnly"`
	}
	opJSON struct {
		Revision  int          `json:"revision"`
		Op        ot.Operation `json:"op"`
		ClientID  string       `json:"clientId"`
		CreatedAt time.Time    `json:"createdAt"`
	}
	opsJSON struct {
		Ops []opJSON `json:"ops"`
	}
	submitJSON struct {
		Revision int          `json:"revision"`
		Op       ot.Operation `json:"op"`
	}
)

// roomView is a room as a client with that access may see it: read-only
// access gets the read-only id as the room's id and never the edit id.
func roomView(info services.RoomInfo, content string, readOnly bool) roomJSON {
	v := roomJSON{
		ID: info.ID, Name: info.Name, Language: info.Language, Revision: info.Revision, Content: content,
		CreatedAt: info.CreatedAt.UTC(), UpdatedAt: info.UpdatedAt.UTC(), ReadOnlyID: info.ReadOnlyID,
	}
	if readOnly {
		v.ID, v.ReadOnlyID, v.ReadOnly = info.ReadOnlyID, "", true
	}
	return v
}
