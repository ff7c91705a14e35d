package api

import "encoding/binary"

// frameBuffer builds unmasked WebSocket text frames (RFC 6455, 5.2), as a
// server sends them, back to back in one buffer.
//
// The connection's writer goroutine writes such buffers straight to the
// socket: it is the only goroutine that writes data frames, and a single
// Write of whole frames cannot interleave with the control frames the
// WebSocket library writes (a socket write holds the descriptor's write
// lock for its whole length).
type frameBuffer struct {
	buf []byte
}

// reset empties the buffer for the next batch, letting go of one that a
// burst made large, so an idle connection holds little memory.
func (f *frameBuffer) reset() {
	if cap(f.buf) > keptFrameBuffer {
		f.buf = nil
	}
	f.buf = f.buf[:0]
}

// keptFrameBuffer is the largest buffer a connection keeps between writes.
const keptFrameBuffer = 16 << 10

func (f *frameBuffer) len() int      { return len(f.buf) }
func (f *frameBuffer) bytes() []byte { return f.buf }

// add appends one final text frame holding payload.
func (f *frameBuffer) add(payload []byte) {
	const finText = 0x81
	n := len(payload)
	switch {
	case n < 126:
		f.buf = append(f.buf, finText, byte(n))
	case n <= 0xFFFF:
		f.buf = append(f.buf, finText, 126)
		f.buf = binary.BigEndian.AppendUint16(f.buf, uint16(n))
	default:
		f.buf = append(f.buf, finText, 127)
		f.buf = binary.BigEndian.AppendUint64(f.buf, uint64(n))
	}
	f.buf = append(f.buf, payload...)
}
