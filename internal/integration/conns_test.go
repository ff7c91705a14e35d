package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/internal/testserver"
)

// maxKiBPerConn bounds the server's resident memory per idle connection in
// TestTenThousandConnections. The aim is 10 KiB, and runs measure 9.8 to
// 10.3 KiB (see the README's Performance section): 4.5 KiB of goroutine (Go
// keeps a 4 KiB stack under a reader blocked in a read), 3 KiB of objects
// (the library's connection and read buffer, ours, the socket's) and what
// the heap holds beside them, which depends on whether a collection ran
// after the last messages. The bound leaves room for that spread, not for a
// regression: each thing it guards against (an outbox allocated up front,
// fasthttp's buffers or request kept after the upgrade, a goroutine more,
// a 4 KiB read buffer, the reader's stack grown by handling a message)
// costs 3.5 KiB or more.
const maxKiBPerConn = 11.0

// 10,000 WebSocket connections on one server process (1,000 rooms of 10),
// from this process: the server's resident memory per idle connection, then
// submit→ack latency with all of them open, while every op is broadcast to
// the other nine members of its room. Memory is measured against the rooms
// already loaded, so it is the connections' own, once each connection has
// carried a message each way; latency is reported, not asserted.
func TestTenThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 10,000 connections to a server process")
	}
	const rooms, perRoom, ops = 1000, 10, 300
	const conns = rooms * perRoom
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	if lim.Cur < conns+500 {
		// Go raises the soft limit to the hard one at start; the server
		// process needs as many.
		t.Skipf("open files limit %d; this test needs %d", lim.Cur, conns+500)
	}
	p := testserver.StartProcess(t, testserver.FreeAddr(t), "--data-dir", t.TempDir(),
		"--max-conns-per-ip", fmt.Sprint(conns), "--requests-per-minute", "0", "--room-idle-timeout", "10m")
	empty, err := p.RSS()
	require.NoError(t, err)

	ids := make([]string, rooms)
	for i := range ids {
		ids[i] = createRoom(t, p.URL)
		// Load the room, so that the baseline holds it.
		resp, err := http.Get(p.URL + "/api/rooms/" + ids[i])
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	time.Sleep(time.Second)
	before, err := p.RSS()
	require.NoError(t, err)

	clients := make([]*idleClient, conns)
	var inits, pongs, broadcasts atomic.Int64
	var readers sync.WaitGroup
	t.Cleanup(func() {
		for _, c := range clients {
			if c != nil {
				_ = c.ws.Close()
			}
		}
		readers.Wait()
	})
	// Small client buffers: this process holds the other 10,000 ends.
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 512, WriteBufferSize: 512, WriteBufferPool: &sync.Pool{}}
	start := time.Now()
	for i := range clients {
		url := "ws" + strings.TrimPrefix(p.URL, "http") + "/api/rooms/" + ids[i%rooms] + "/ws?name=u" + fmt.Sprint(i)
		ws, resp, err := d.Dial(url, nil)
		if resp != nil {
			_ = resp.Body.Close()
		}
		require.NoError(t, err, "connection %d", i)
		c := &idleClient{ws: ws, acks: make(chan time.Time, 1)}
		clients[i] = c
		readers.Add(1)
		go func() {
			defer readers.Done()
			c.read(&inits, &pongs, &broadcasts)
		}()
	}
	dialed := time.Since(start)
	waitFor(t, "init on every connection", 60*time.Second, func() bool { return inits.Load() == conns })
	// Each connection carries a message each way once, as an idle editor
	// did before it went quiet: its read buffer, its writer and its outbox
	// have been used.
	ping := []byte(`{"type":"ping"}`)
	for _, c := range clients {
		require.NoError(t, c.ws.WriteMessage(websocket.TextMessage, ping))
	}
	waitFor(t, "pong on every connection", 60*time.Second, func() bool { return pongs.Load() == conns })
	// Let the writers end, and a collection run.
	time.Sleep(3 * time.Second)
	after, err := p.RSS()
	require.NoError(t, err)
	perConn := float64(after-before) / conns / 1024
	t.Logf("%d connections opened in %v; server RSS %d MiB at start, %d MiB with %d rooms loaded (%.1f KiB per room), %d MiB with the connections: %.2f KiB per connection",
		conns, dialed.Round(time.Millisecond), empty>>20, before>>20, rooms, float64(before-empty)/rooms/1024, after>>20, perConn)
	require.LessOrEqual(t, perConn, maxKiBPerConn, "server memory per idle connection")

	// The first client of each of the first `ops` rooms submits one
	// operation, one at a time; the other nine in its room receive it.
	latencies := make([]time.Duration, 0, ops)
	for r := range ops {
		c := clients[r]
		msg, _ := json.Marshal(map[string]any{"type": "op", "revision": 0, "op": []any{"!", len(initialText)}, "id": fmt.Sprint("lat-", r)})
		sent := time.Now()
		require.NoError(t, c.ws.WriteMessage(websocket.TextMessage, msg))
		select {
		case acked := <-c.acks:
			latencies = append(latencies, acked.Sub(sent))
		case <-time.After(30 * time.Second):
			t.Fatalf("no ack for operation %d in 30s", r)
		}
	}
	waitFor(t, "every broadcast", 60*time.Second, func() bool { return broadcasts.Load() == ops*(perRoom-1) })
	slices.Sort(latencies)
	t.Logf("submit→ack with %d connections open, %d operations one at a time: p50 %v, p99 %v, max %v",
		conns, ops, latencies[len(latencies)/2].Round(time.Microsecond),
		latencies[len(latencies)*99/100].Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond))
}

// idleClient is one of many connections that only listen.
type idleClient struct {
	ws   *websocket.Conn
	acks chan time.Time
}

// read counts inits, pongs and broadcasts and passes on the time of each
// ack, until the connection ends.
func (c *idleClient) read(inits, pongs, broadcasts *atomic.Int64) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var m struct{ Type string }
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Type {
		case "init":
			inits.Add(1)
		case "pong":
			pongs.Add(1)
		case "op":
			broadcasts.Add(1)
		case "ack":
			select {
			case c.acks <- time.Now():
			default:
			}
		}
	}
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "%s: not within %v", what, limit)
		time.Sleep(50 * time.Millisecond)
	}
}
