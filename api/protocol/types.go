package protocol

// Type is the "type" of a WebSocket message.
type Type string

// Message types. Some names travel both ways with different fields: a client
// sends "op" to submit (ClientOp) and the server sends "op" to broadcast
// (ServerOp); likewise "selection" and "language".
const (
	TypeInit      Type = "init"
	TypeAck       Type = "ack"
	TypeOp        Type = "op"
	TypeSelection Type = "selection"
	TypeJoin      Type = "join"
	TypeLeave     Type = "leave"
	TypeLanguage  Type = "language"
	TypePing      Type = "ping"
	TypeAuth      Type = "auth"
	TypePong      Type = "pong"
	TypeError     Type = "error"
)

// ClientTypes returns the types a client may send, in the contract's order.
func ClientTypes() []Type {
	return []Type{TypeOp, TypeSelection, TypeLanguage, TypePing, TypeAuth}
}

// ServerTypes returns the types the server sends, in the contract's order.
func ServerTypes() []Type {
	return []Type{TypeInit, TypeAck, TypeOp, TypeSelection, TypeJoin, TypeLeave, TypeLanguage, TypePong, TypeError}
}
