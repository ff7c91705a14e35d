package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPeekFrame(t *testing.T) {
	for _, tt := range []struct {
		name   string
		b      []byte
		kind   frameKind
		opcode byte
		size   int
	}{
		{"empty", nil, frameShort, 0, 0},
		{"one byte", []byte{0x89}, frameShort, 0, 0},
		{"masked ping", []byte{0x89, 0x80}, frameControl, opPing, 6},
		{"masked pong with payload", []byte{0x8A, 0x80 | 125}, frameControl, opPong, 131},
		{"text", []byte{0x81, 0x85}, frameOther, 0x1, 0},
		{"close", []byte{0x88, 0x80}, frameOther, 0x8, 0},
		{"unmasked ping", []byte{0x89, 0x00}, frameOther, opPing, 0},
		{"fragmented ping", []byte{0x09, 0x80}, frameOther, opPing, 0},
		{"ping with a reserved bit", []byte{0xC9, 0x80}, frameOther, opPing, 0},
		{"ping longer than 125", []byte{0x89, 0x80 | 126}, frameOther, opPing, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kind, opcode, size := peekFrame(tt.b)
			require.Equal(t, tt.kind, kind)
			if kind != frameShort {
				require.Equal(t, tt.opcode, opcode)
			}
			require.Equal(t, tt.size, size)
		})
	}
	require.Equal(t, []byte("ping"), controlPayload([]byte{0x89, 0x84, 9, 8, 7, 6, 'p' ^ 9, 'i' ^ 8, 'n' ^ 7, 'g' ^ 6}))
}

// peekFrame reads only the two bytes it needs and calls a frame a whole
// control frame exactly when RFC 6455 allows one from a client.
func FuzzPeekFrame(f *testing.F) {
	f.Add([]byte{0x89, 0x80})
	f.Add([]byte{0x81, 0xFE, 0, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, opcode, size := peekFrame(b)
		if len(b) < 2 {
			require.Equal(t, frameShort, kind)
			return
		}
		op, n := b[0]&0x0F, int(b[1]&0x7F)
		valid := (op == 0x9 || op == 0xA) && b[0]&0xF0 == 0x80 && b[1]&0x80 != 0 && n <= 125
		require.Equal(t, valid, kind == frameControl)
		require.Equal(t, op, opcode)
		if valid {
			require.Equal(t, 6+n, size)
			if len(b) >= size {
				require.Len(t, controlPayload(b[:size]), n)
			}
		}
	})
}
