package api

// frameKind classifies the WebSocket frame at the start of a connection's
// unread input, for a reader that must not wait (watch_linux.go): it reads
// a ping or a pong itself, and leaves every other frame to the library,
// whose ReadMessage returns after one data message (waiting only while the
// rest of that message is on its way) or at once on a close frame or a
// protocol error. Given a lone ping or pong, ReadMessage would act on it
// and then wait for the next data message, which may never come.
type frameKind int

const (
	frameOther   frameKind = iota // a data, continuation or close frame, or a malformed one
	frameControl                  // a well-formed ping or pong from a client
	frameShort                    // fewer than two bytes: the header is not in yet
)

// Opcodes and header bits of RFC 6455 §5.2.
const (
	opPing     = 0x9
	opPong     = 0xA
	finBit     = 0x80
	rsvBits    = 0x70
	opcodeBits = 0x0F
	maskBit    = 0x80
	len7Bits   = 0x7F
	maxControl = 125
)

// peekFrame classifies the frame b starts with, from its first two bytes.
// For a ping or pong, size is the whole frame's length: header, masking
// key and payload (at most 131 bytes).
func peekFrame(b []byte) (kind frameKind, opcode byte, size int) {
	if len(b) < 2 {
		return frameShort, 0, 0
	}
	opcode = b[0] & opcodeBits
	if opcode != opPing && opcode != opPong {
		return frameOther, opcode, 0
	}
	// A control frame is never fragmented, sets no reserved bit, is
	// masked by a client and carries at most 125 bytes; anything else is
	// the library's to refuse.
	n := int(b[1] & len7Bits)
	if b[0]&finBit == 0 || b[0]&rsvBits != 0 || b[1]&maskBit == 0 || n > maxControl {
		return frameOther, opcode, 0
	}
	return frameControl, opcode, 2 + 4 + n
}

// controlPayload is the unmasked payload of a whole control frame f.
func controlPayload(f []byte) []byte {
	key, masked := f[2:6], f[6:]
	p := make([]byte, len(masked))
	for i, b := range masked {
		p[i] = b ^ key[i&3]
	}
	return p
}
