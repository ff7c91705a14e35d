package services

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
)

// RoomID is a room's edit id or read-only id. Ids are capabilities (whoever
// has the edit id may edit), so a RoomID never prints whole: fmt (every
// verb, %#v included), slog, and text and JSON encoding all see its short
// form, the first 8 characters and "…". Reveal gives the whole id, for the
// few places that must have it: SQL arguments, Redis keys and channels,
// URLs and the responses that hand a room to its client.
//
// It is a struct, so that no conversion turns it into a string by
// accident; the zero value is no room. RoomIDs compare with == and serve
// as map keys.
type RoomID struct{ id string }

// maxRoomIDLen bounds the ids ParseRoomID accepts; NewRoomID's are 32.
const maxRoomIDLen = 64

// ParseRoomID checks an id a client sent: 1 to 64 characters of
// [0-9A-Za-z_-]. An id that fails names no room.
// Errors: CodeNotFound.
func ParseRoomID(s string) (RoomID, error) {
	if len(s) == 0 || len(s) > maxRoomIDLen {
		return RoomID{}, Errorf(CodeNotFound, "room not found")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return RoomID{}, Errorf(CodeNotFound, "room not found")
		}
	}
	return RoomID{id: s}, nil
}

// RoomIDOf wraps an id that needs no checking: one a store or cache read
// back, or a test's.
func RoomIDOf(s string) RoomID { return RoomID{id: s} }

// NewRoomID returns a new unguessable room id: 128 random bits in hex.
func NewRoomID() RoomID { return RoomID{id: NewRandomID()} }

// NewRandomID returns 128 random bits in hex.
func NewRandomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// Reveal returns the whole id. Call it only where the whole id is the
// point (a query, a key, a URL, a client's own room); never to log.
func (id RoomID) Reveal() string { return id.id }

// IsZero reports whether id is the zero RoomID.
func (id RoomID) IsZero() bool { return id.id == "" }

// String returns the short form: the first 8 characters and "…".
func (id RoomID) String() string {
	if len(id.id) > 8 {
		return id.id[:8] + "…"
	}
	return id.id
}

// Format prints the short form for every verb and flag (%v, %s, %q, %#v,
// widths), so that a RoomID in any format string stays short.
func (id RoomID) Format(f fmt.State, verb rune) {
	short := id.String()
	switch verb {
	case 'q':
		short = strconv.Quote(short)
	case 'v':
		if f.Flag('#') {
			short = strconv.Quote(short)
		}
	}
	fmt.Fprintf(f, fmt.FormatString(f, 's'), short)
}

// LogValue makes slog print the short form.
func (id RoomID) LogValue() slog.Value { return slog.StringValue(id.String()) }

// MarshalText encodes the short form, for encoders that find a RoomID in
// a struct (JSON logs, say). A response that needs the whole id says so
// with Reveal. There is no UnmarshalText: ids come in through ParseRoomID.
func (id RoomID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// sameAs reports whether id and other are equal, in time that does not
// depend on where they differ.
func (id RoomID) sameAs(other RoomID) bool {
	return subtle.ConstantTimeCompare([]byte(id.id), []byte(other.id)) == 1
}
