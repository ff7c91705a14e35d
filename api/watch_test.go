package api_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testserver"
)

// readers counts the goroutines reading a WebSocket connection.
func readers() int {
	return goroutinesIn("api.(*conn).readLoop") + goroutinesIn("api.(*conn).readReady")
}

// Idle connections hold no goroutine: they wait in the poller, and a
// reader runs only while there is input. Pings and pongs from a client are
// answered without leaving a reader waiting for the next message.
func TestIdleConnectionsWaitInThePoller(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the poller is epoll")
	}
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "").str("id")
	const n = 20
	cs := make([]*wsClient, n)
	for i := range cs {
		cs[i] = dial(t, srv.URL, id, "idle")
	}
	eventually(t, "no reader goroutine for idle connections", func() bool { return readers() == 0 })

	pongs := make(chan string, 1)
	cs[0].conn.SetPongHandler(func(s string) error { pongs <- s; return nil })
	require.NoError(t, cs[0].conn.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second)))
	require.NoError(t, cs[0].conn.WriteControl(websocket.PongMessage, []byte("unasked"), time.Now().Add(time.Second)))
	cs[0].send(msg{"type": "op", "revision": 0, "op": []any{"hello"}, "id": "w1"})
	// Reading is what runs the pong handler; the ack comes after the pong.
	require.Equal(t, float64(1), cs[0].readType("ack")["revision"])
	require.Equal(t, "are you there", <-pongs)
	for _, c := range cs[1:] {
		require.Equal(t, "hello", c.readType("op")["op"].([]any)[0])
	}
	eventually(t, "the readers ended with their input", func() bool { return readers() == 0 })
	require.Equal(t, n, srv.API.Connections())

	// A peer's close is seen although nobody reads: the others are told.
	require.NoError(t, cs[1].conn.Close())
	require.Equal(t, "leave", cs[2].readType("leave").str("type"))
	eventually(t, "the closed connection is released", func() bool { return srv.API.Connections() == n-1 })
}

// With GoroutinePerSocket every connection reads on its own goroutine.
func TestGoroutinePerSocket(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{GoroutinePerSocket: true})
	id := createRoom(t, srv.URL, "").str("id")
	a, b := dial(t, srv.URL, id, "a"), dial(t, srv.URL, id, "b")
	eventually(t, "a reader per connection", func() bool { return goroutinesIn("api.(*conn).readLoop") == 2 })
	a.send(msg{"type": "op", "revision": 0, "op": []any{"x"}, "id": "g1"})
	require.Equal(t, float64(1), a.readType("ack")["revision"])
	require.Equal(t, "x", b.readType("op")["op"].([]any)[0])
}

// Frames that arrive a byte at a time, control frames among them, are read
// whole and in order.
func TestFramesArrivingByteByByte(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	room := createRoom(t, srv.URL, "").str("id")
	c, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	_, err = c.Write([]byte(upgradeRequest(room, wsKey)))
	require.NoError(t, err)
	br := bufio.NewReader(c)
	require.Equal(t, http.StatusSwitchingProtocols, readStatus(t, br))
	require.Contains(t, readFrame(t, br), `"type":"init"`)
	eventually(t, "the connection waits in the poller", func() bool { return readers() == 0 })

	ping := []byte{0x89, 0x84, 9, 8, 7, 6, 'p' ^ 9, 'i' ^ 8, 'n' ^ 7, 'g' ^ 6}
	stream := append(ping, maskedText(`{"type":"ping"}`)...)
	for _, b := range stream {
		_, err := c.Write([]byte{b})
		require.NoError(t, err)
		time.Sleep(2 * time.Millisecond)
	}
	// The pong to the control ping, then the protocol's pong.
	require.Equal(t, "ping", readPong(t, br))
	require.Contains(t, readFrame(t, br), `"type":"pong"`)

	// A lone ping leaves no reader waiting for a message after it.
	_, err = c.Write(ping)
	require.NoError(t, err)
	require.Equal(t, "ping", readPong(t, br))
	eventually(t, "no reader waits after a lone ping", func() bool { return readers() == 0 })
	_, err = c.Write(maskedText(`{"type":"ping"}`))
	require.NoError(t, err)
	require.Contains(t, readFrame(t, br), `"type":"pong"`)
}

// readPong reads a pong frame from the server and returns its payload.
func readPong(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var head [2]byte
	_, err := io.ReadFull(br, head[:])
	require.NoError(t, err)
	require.Equal(t, byte(0x8A), head[0], "a pong frame")
	payload := make([]byte, head[1])
	_, err = io.ReadFull(br, payload)
	require.NoError(t, err)
	return string(payload)
}

// A peer that goes silent (no pong, nothing) is dropped after twice the
// ping interval and a grace period, although no goroutine reads from it.
func TestSilentPeerIsDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the grace period")
	}
	t.Parallel()
	limits := api.DefaultLimits()
	limits.PingInterval = 50 * time.Millisecond
	srv := testserver.Start(t, testserver.Options{Limits: &limits})
	room := createRoom(t, srv.URL, "").str("id")
	c, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte(upgradeRequest(room, wsKey)))
	require.NoError(t, err)
	br := bufio.NewReader(c)
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	require.Equal(t, http.StatusSwitchingProtocols, readStatus(t, br))
	eventually(t, "the connection is open", func() bool { return srv.API.Connections() == 1 })
	start := time.Now()
	// Read (and never answer) the pings until the server closes.
	buf := make([]byte, 4096)
	for {
		if _, err := br.Read(buf); err != nil {
			break
		}
	}
	require.Greater(t, time.Since(start), 2*limits.PingInterval, "dropped before it was silent long enough")
	eventually(t, "the silent connection is released", func() bool { return srv.API.Connections() == 0 })
}

// Messages sent one at a time to a client that stops reading, each after
// the socket took only part of the one before, or none: the client gets
// every message whole and in order once it reads again.
func TestMessagesWrittenInPartsArriveInOrder(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "").str("id")
	// A small receive buffer, set before the connection is made so that
	// the window is small from the start.
	small := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
	}}
	d := websocket.Dialer{NetDial: small.Dial}
	c, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/api/rooms/"+id+"/ws?name=slow", nil)
	require.NoError(t, err)
	defer c.Close()
	slow := &wsClient{t: t, conn: c}
	require.Equal(t, "init", slow.read().str("type"))
	w := dial(t, srv.URL, id, "writer")

	// 32 KiB per operation, 2 ms apart: more than the slow client's
	// socket holds.
	chunk := strings.Repeat("x", 32<<10)
	const ops = 200
	for i := range ops {
		op := []any{chunk}
		if i > 0 {
			op = []any{-len(chunk), chunk}
		}
		w.send(msg{"type": "op", "revision": i, "op": op, "id": fmt.Sprintf("p%d", i)})
		require.Equal(t, float64(i+1), w.readType("ack")["revision"])
		time.Sleep(2 * time.Millisecond)
	}
	for i := range ops {
		m := slow.readType("op")
		require.Equal(t, float64(i+1), m["revision"])
		// Whole: the inserted text is the chunk (compared without printing it).
		inserted := ""
		for _, c := range m["op"].([]any) {
			if s, ok := c.(string); ok {
				inserted += s
			}
		}
		require.True(t, inserted == chunk, "op %d inserts %d bytes, want the %d-byte chunk", i+1, len(inserted), len(chunk))
	}
}
