package api

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// decodeClientMessage parses one WebSocket text frame strictly.
// Errors: *services.Error with CodeBadMessage or CodeInvalidOp.
func decodeClientMessage(data []byte) (protocol.ClientFrame, error) {
	var m protocol.ClientFrame
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

// errBadOpID refuses an operation id that protocol.ValidOpID refuses.
var errBadOpID = services.Errorf(services.CodeBadMessage, "id must be 1 to 64 printable ASCII characters")

// submission validates an op message's fields.
func submission(m protocol.ClientFrame, clientID string) (services.Submission, error) {
	sub := services.Submission{ClientID: clientID}
	if m.ID != nil {
		if !protocol.ValidOpID(*m.ID) {
			return sub, errBadOpID
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
	if len(s.Ranges) > protocol.MaxSelectionRanges {
		return nil, true, services.Errorf(services.CodeBadMessage, "selection has more than %d ranges", protocol.MaxSelectionRanges)
	}
	for _, r := range s.Ranges {
		if r.Anchor < 0 || r.Head < 0 {
			return nil, true, services.Errorf(services.CodeBadMessage, "selection positions must not be negative")
		}
	}
	return &s, true, nil
}

// pongMessage is encoded once: every ping gets the same answer.
var pongMessage, _ = json.Marshal(protocol.ServerPong{Type: protocol.TypePong})

// encodeEvent is the wire form of a room event.
func encodeEvent(e *services.Event) []byte {
	var v any
	switch e.Type {
	case services.EventInit:
		peers := make([]protocol.Peer, len(e.Clients))
		for i, p := range e.Clients {
			peers[i] = protocol.Peer{ClientID: p.ClientID, Name: p.Name, Selection: p.Selection, ReadOnly: p.ReadOnly}
		}
		v = protocol.ServerInit{Type: protocol.TypeInit, ClientID: e.ClientID, Revision: e.Revision, Content: e.Content,
			Language: e.Language, Name: e.Name, Clients: peers, ReadOnly: e.ReadOnly}
	case services.EventAck:
		v = protocol.ServerAck{Type: protocol.TypeAck, Revision: e.Revision, ID: e.OpID, Hash: e.Hash}
	case services.EventOp:
		v = protocol.ServerOp{Type: protocol.TypeOp, Revision: e.Revision, Op: e.Op, ClientID: e.ClientID, Selection: e.Selection, Hash: e.Hash}
	case services.EventSelection:
		v = protocol.ServerSelection{Type: protocol.TypeSelection, ClientID: e.ClientID, Selection: e.Selection}
	case services.EventJoin:
		v = protocol.ServerJoin{Type: protocol.TypeJoin, ClientID: e.ClientID, Name: e.Name, ReadOnly: e.ReadOnly}
	case services.EventLeave:
		v = protocol.ServerLeave{Type: protocol.TypeLeave, ClientID: e.ClientID}
	case services.EventLanguage:
		v = protocol.ServerLanguage{Type: protocol.TypeLanguage, Language: e.Language, ClientID: e.ClientID}
	default:
		v = protocol.ServerError{Type: protocol.TypeError, Code: mapping(e.Code).code, Message: e.Message, ID: e.OpID}
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(protocol.ServerError{Type: protocol.TypeError, Code: protocol.CodeInternal, Message: "internal error", ID: e.OpID})
	}
	return b
}
