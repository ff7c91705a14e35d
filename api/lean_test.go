package api_test

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testserver"
)

// The server pings every PingInterval, also with no writer running between
// pings, and the connection goes on carrying messages.
func TestServerPingsOnSchedule(t *testing.T) {
	limits := api.DefaultLimits()
	limits.PingInterval = 50 * time.Millisecond
	srv := testserver.Start(t, testserver.Options{Limits: &limits})
	id := createRoom(t, srv.URL, "").str("id")
	c := dial(t, srv.URL, id, "pinged")
	var pings atomic.Int32
	c.conn.SetPingHandler(func(string) error { pings.Add(1); return nil })
	// Reading is what runs the ping handler; the pong the server answers
	// with ends each read.
	deadline := time.Now().Add(10 * time.Second)
	for pings.Load() < 3 {
		require.True(t, time.Now().Before(deadline), "only %d pings in 10s", pings.Load())
		c.send(msg{"type": "ping"})
		require.Equal(t, "pong", c.readType("pong").str("type"))
		time.Sleep(40 * time.Millisecond)
	}
}

// An idle connection holds no writer goroutine: the writer starts when
// there is something to send and ends when it is sent.
func TestIdleConnectionHasNoWriter(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "x").str("id")
	const n = 20
	for range n {
		dial(t, srv.URL, id, "idle")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := goroutinesIn("api.(*conn).writeLoop")
		if got == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d writer goroutines for %d idle connections", got, n)
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, n, srv.API.Connections())
}

// A connection leaves fasthttp's hijack goroutine (which then gives its
// request back) unless the client sent a frame with its upgrade request:
// that frame sits in fasthttp's pooled read buffer, so the connection stays
// on fasthttp's goroutine, and both kinds are served.
func TestConnectionsLeaveFasthttpUnlessPipelined(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	room := createRoom(t, srv.URL, "x").str("id")
	const hijack = "fasthttp.hijackConnHandler"
	for range 5 {
		dial(t, srv.URL, room, "plain")
	}
	eventually(t, "plain connections left fasthttp's goroutine", func() bool { return goroutinesIn(hijack) == 0 })

	c, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Write(append([]byte(upgradeRequest(room, wsKey)), maskedText(`{"type":"ping"}`)...))
	require.NoError(t, err)
	br := bufio.NewReader(c)
	require.Equal(t, http.StatusSwitchingProtocols, readStatus(t, br))
	require.Contains(t, readFrame(t, br), `"type":"init"`)
	require.Contains(t, readFrame(t, br), `"type":"pong"`)
	require.Equal(t, 1, goroutinesIn(hijack), "the pipelined connection stays on fasthttp's goroutine")

	// A connection opened after it, on the buffer fasthttp got back, is
	// served apart from it.
	d := dial(t, srv.URL, room, "after")
	d.send(msg{"type": "ping"})
	require.Equal(t, "pong", d.readType("pong").str("type"))
	_, err = c.Write(maskedText(`{"type":"ping"}`))
	require.NoError(t, err)
	for {
		f := readFrame(t, br)
		if strings.Contains(f, `"type":"pong"`) {
			break
		}
		require.Contains(t, f, `"type":"join"`, "only presence may come before the pong")
	}
}

// goroutinesIn counts the goroutines with fn on their stack.
func goroutinesIn(fn string) int {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	n := 0
	for _, g := range bytes.Split(b.Bytes(), []byte("\n\n")) {
		if bytes.Contains(g, []byte(fn)) {
			n++
		}
	}
	return n
}
