package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// heldStore is a store whose next room lookup waits until the test lets it
// go, so a test can act while a request is inside its handler.
type heldStore struct {
	services.Store
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

// holdNext makes the next Room call wait; entered is closed when it starts
// waiting, and release lets it go (idempotent).
func (s *heldStore) holdNext() (entered <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate, s.entered = make(chan struct{}), make(chan struct{})
	gate := s.gate
	var once sync.Once
	return s.entered, func() { once.Do(func() { close(gate) }) }
}

func (s *heldStore) Room(ctx context.Context, id services.RoomID) (services.RoomInfo, error) {
	s.mu.Lock()
	gate, entered := s.gate, s.entered
	s.gate, s.entered = nil, nil
	s.mu.Unlock()
	if gate != nil {
		close(entered)
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}
	return s.Store.Room(ctx, id)
}

// upgradeRequest is a WebSocket upgrade request for room as raw bytes,
// with the extra header lines given.
func upgradeRequest(room string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "GET /api/rooms/%s/ws?name=r HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", room)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Sec-WebSocket-Version: 13\r\n\r\n")
	return b.String()
}

const wsKey = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="

// readStatus reads an HTTP response head and returns its status code.
func readStatus(t *testing.T, br *bufio.Reader) int {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	return resp.StatusCode
}

// maskedText is a client's masked text frame holding payload (< 126 bytes).
func maskedText(payload string) []byte {
	key := [4]byte{1, 2, 3, 4}
	b := []byte{0x81, 0x80 | byte(len(payload)), key[0], key[1], key[2], key[3]}
	for i := range len(payload) {
		b = append(b, payload[i]^key[i%4])
	}
	return b
}

// readFrame reads one unmasked server frame's payload (< 64 KiB).
func readFrame(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var head [2]byte
	_, err := io.ReadFull(br, head[:])
	require.NoError(t, err)
	n := int(head[1] & 0x7f)
	if n == 126 {
		var ext [2]byte
		_, err = io.ReadFull(br, ext[:])
		require.NoError(t, err)
		n = int(ext[0])<<8 | int(ext[1])
	}
	p := make([]byte, n)
	_, err = io.ReadFull(br, p)
	require.NoError(t, err)
	return string(p)
}

// reset closes c with SO_LINGER 0, so the server gets a TCP reset.
func reset(c net.Conn) {
	_ = c.(*net.TCPConn).SetLinger(0)
	_ = c.Close()
}

// eventually waits (bounded in count and time) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: still not so after 1000 checks", what)
}

// A connection that dies at any step of the upgrade, or after it, gives its
// per-address slot and its room back: the count returns to zero and the
// room unloads.
func TestConnectionDyingAtAnyStepLeaksNothing(t *testing.T) {
	steps := []struct {
		name string
		// act talks to the server over c and returns when it is time to
		// reset the connection.
		act func(t *testing.T, store *heldStore, c net.Conn, br *bufio.Reader, room string)
	}{
		{"in the request headers", func(t *testing.T, _ *heldStore, c net.Conn, _ *bufio.Reader, room string) {
			req := upgradeRequest(room, wsKey)
			_, err := c.Write([]byte(req[:len(req)/2]))
			require.NoError(t, err)
		}},
		{"after a handshake the upgrader refuses", func(t *testing.T, _ *heldStore, c net.Conn, br *bufio.Reader, room string) {
			_, err := c.Write([]byte(upgradeRequest(room)))
			require.NoError(t, err)
			require.Equal(t, http.StatusUpgradeRequired, readStatus(t, br))
		}},
		{"before the 101 is written", func(t *testing.T, store *heldStore, c net.Conn, _ *bufio.Reader, room string) {
			entered, release := store.holdNext()
			defer release()
			_, err := c.Write([]byte(upgradeRequest(room, wsKey)))
			require.NoError(t, err)
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the upgrade never reached the room lookup")
			}
			// The reset reaches the server while the handler runs, so
			// writing the 101 fails.
			reset(c)
		}},
		{"after an upgrade that also asks to close", func(t *testing.T, _ *heldStore, c net.Conn, br *bufio.Reader, room string) {
			// fasthttp would close after the 101 without calling the
			// hijack handler, but it does not see an upgrade here.
			_, err := c.Write([]byte(upgradeRequest(room, wsKey, "Connection: close")))
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, readStatus(t, br))
		}},
		{"after the 101, before any frame", func(t *testing.T, _ *heldStore, c net.Conn, br *bufio.Reader, room string) {
			_, err := c.Write([]byte(upgradeRequest(room, wsKey)))
			require.NoError(t, err)
			require.Equal(t, http.StatusSwitchingProtocols, readStatus(t, br))
		}},
		{"after init", func(t *testing.T, _ *heldStore, c net.Conn, br *bufio.Reader, room string) {
			_, err := c.Write([]byte(upgradeRequest(room, wsKey)))
			require.NoError(t, err)
			require.Equal(t, http.StatusSwitchingProtocols, readStatus(t, br))
			require.Contains(t, readFrame(t, br), `"type":"init"`)
		}},
		{"after a message", func(t *testing.T, _ *heldStore, c net.Conn, br *bufio.Reader, room string) {
			_, err := c.Write([]byte(upgradeRequest(room, wsKey)))
			require.NoError(t, err)
			require.Equal(t, http.StatusSwitchingProtocols, readStatus(t, br))
			require.Contains(t, readFrame(t, br), `"type":"init"`)
			_, err = c.Write(maskedText(`{"type":"ping"}`))
			require.NoError(t, err)
			require.Contains(t, readFrame(t, br), `"type":"pong"`)
		}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			store := &heldStore{Store: memory.NewStore()}
			cfg := services.DefaultConfig()
			cfg.IdleTimeout = 10 * time.Millisecond
			limits := api.DefaultLimits()
			limits.MaxConnsPerIP = 1
			srv := testserver.Start(t, testserver.Options{Store: store, Config: &cfg, Limits: &limits})
			room := createRoom(t, srv.URL, "cold").str("id")
			c, err := net.Dial("tcp", srv.Addr())
			require.NoError(t, err)
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			step.act(t, store, c, bufio.NewReader(c), room)
			reset(c)
			eventually(t, "per-address slots held", func() bool { return srv.API.SlotsHeld() == 0 })
			eventually(t, "rooms loaded", func() bool { return srv.Rooms.Loaded() == 0 })
			// With one connection allowed per address, a join still works.
			dial(t, srv.URL, room, "after")
		})
	}
}
