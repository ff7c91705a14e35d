package api_test

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testserver"
)

// A client that never reads is dropped once its outbox is full, by count
// or by bytes, long before the write timeout; the room and its other
// members go on.
func TestClientThatNeverReadsIsDropped(t *testing.T) {
	for _, tt := range []struct {
		name               string
		outbox, bytes, ops int
		writeTimeout       time.Duration
	}{
		{"by count", 8, 0, 500, 500 * time.Millisecond},
		{"by bytes", 4096, 256 << 10, 300, time.Minute}, // 300 messages: far below the count bound
	} {
		t.Run(tt.name, func(t *testing.T) {
			limits := api.DefaultLimits()
			limits.OutboxSize, limits.OutboxBytes = tt.outbox, tt.bytes
			limits.WriteTimeout = tt.writeTimeout
			limits.OpsPerSecond, limits.MessagesPerSecond = 1e6, 1e6
			srv := testserver.Start(t, testserver.Options{Limits: &limits})
			id := createRoom(t, srv.URL, "").str("id")
			// A small receive buffer, so the server meets backpressure soon
			// (Linux grows a loopback socket's buffer to tens of megabytes
			// otherwise).
			d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
				c, err := net.Dial(network, addr)
				if err == nil {
					_ = c.(*net.TCPConn).SetReadBuffer(8 << 10)
				}
				return c, err
			}}
			stuck, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/api/rooms/"+id+"/ws?name=stuck", nil)
			require.NoError(t, err)
			defer stuck.Close()
			w := dial(t, srv.URL, id, "writer")
			// Each operation replaces the document's 32 KiB: far more than
			// socket buffers hold reaches the stuck client, while the
			// document stays small.
			chunk := strings.Repeat("x", 32<<10)
			for i := range tt.ops {
				op := []any{chunk}
				if i > 0 {
					op = []any{-len(chunk), chunk}
				}
				w.send(msg{"type": "op", "revision": i, "op": op})
				require.Equal(t, i+1, w.readType("ack").num("revision"))
			}
			deadline := time.Now().Add(10 * time.Second)
			for srv.API.Connections() > 1 {
				require.True(t, time.Now().Before(deadline), "the stuck client was not dropped")
				time.Sleep(20 * time.Millisecond)
			}
			// The writer is still served.
			w.send(msg{"type": "ping"})
			require.Equal(t, "pong", w.readType("pong").str("type"))
		})
	}
}

// 2,000 concurrent WebSocket connections on one server process (20 rooms of
// 100); every client gets an operation broadcast in its room. Reports the
// server's resident memory per connection.
func TestTwoThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process with 2,000 connections")
	}
	const rooms, perRoom = 20, 100
	p := testserver.StartProcess(t, testserver.FreeAddr(t), "--data-dir", t.TempDir(),
		"--max-conns-per-ip", "5000", "--clients-per-room", fmt.Sprint(perRoom), "--requests-per-minute", "0")
	ids := make([]string, rooms)
	for i := range ids {
		ids[i] = createRoom(t, p.URL, "shared text").str("id")
	}
	time.Sleep(200 * time.Millisecond)
	before, err := p.RSS()
	require.NoError(t, err)

	var got atomic.Int64
	var wg sync.WaitGroup
	conns := make([]*websocket.Conn, 0, rooms*perRoom)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
		wg.Wait()
	}()
	for i := range rooms * perRoom {
		c, err := dialErr(p.URL, ids[i%rooms], fmt.Sprint("u", i))
		require.NoError(t, err, "connection %d", i)
		conns = append(conns, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
				_, data, err := c.ReadMessage()
				if err != nil {
					return
				}
				var m struct{ Type string }
				if json.Unmarshal(data, &m) == nil && m.Type == "op" {
					got.Add(1)
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	after, err := p.RSS()
	require.NoError(t, err)
	t.Logf("server RSS %d MiB with 0 connections, %d MiB with %d: %.1f KiB per connection",
		before>>20, after>>20, len(conns), float64(after-before)/float64(len(conns))/1024)

	// The first client of each room edits; the other 99 must see it.
	for r := range rooms {
		msg, _ := json.Marshal(msg{"type": "op", "revision": 0, "op": []any{"!", 11}})
		require.NoError(t, conns[r].WriteMessage(websocket.TextMessage, msg))
	}
	deadline := time.Now().Add(30 * time.Second)
	for got.Load() < rooms*(perRoom-1) {
		require.True(t, time.Now().Before(deadline), "only %d of %d broadcasts arrived", got.Load(), rooms*(perRoom-1))
		time.Sleep(20 * time.Millisecond)
	}
}
