package api_test

import (
	"bytes"
	"runtime/pprof"
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
