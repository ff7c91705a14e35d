package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// msg is a decoded server message.
type msg map[string]any

func (m msg) str(k string) string { s, _ := m[k].(string); return s }
func (m msg) num(k string) int    { f, _ := m[k].(float64); return int(f) }

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	init msg
}

func dial(t *testing.T, base, roomID, name string) *wsClient {
	t.Helper()
	c, err := dialErr(base, roomID, name)
	require.NoError(t, err)
	ws := &wsClient{t: t, conn: c}
	t.Cleanup(func() { _ = c.Close() })
	ws.init = ws.read()
	require.Equal(t, "init", ws.init.str("type"), "first message must be init")
	return ws
}

func dialErr(base, roomID, name string) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/rooms/" + roomID + "/ws?name=" + name
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil && resp != nil {
		return nil, fmt.Errorf("%w (status %d)", err, resp.StatusCode)
	}
	return c, err
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		b, err = json.Marshal(v)
		require.NoError(c.t, err)
	}
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, b))
}

func (c *wsClient) read() msg {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := c.conn.ReadMessage()
	require.NoError(c.t, err)
	var m msg
	require.NoError(c.t, json.Unmarshal(data, &m))
	return m
}

// readType reads messages until one of type typ arrives, skipping presence.
func (c *wsClient) readType(typ string) msg {
	c.t.Helper()
	for range 100 {
		m := c.read()
		if m.str("type") == typ {
			return m
		}
		switch m.str("type") {
		case "join", "leave", "selection":
			continue
		}
		c.t.Fatalf("got %v, want a %s message", m, typ)
	}
	c.t.Fatalf("no %s message in 100 messages", typ)
	return nil
}

func createRoom(t *testing.T, base, content string) msg {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": "test", "language": "go", "content": content})
	resp, err := http.Post(base+"/api/rooms", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var room msg
	require.NoError(t, jsonDecode(resp, &room))
	return room
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

func getJSON(t *testing.T, url string, wantStatus int) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, wantStatus, resp.StatusCode, string(b))
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

func TestUnknownRoomUpgradeIsRefusedWith404(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	_, err := dialErr(srv.URL, "0123456789abcdef0123456789abcdef", "x")
	require.Error(t, err)
	require.Contains(t, err.Error(), "status 404")
}

func TestOpIsAckedToSenderAndBroadcastToOthers(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "héllo 😀").str("id")
	a := dial(t, srv.URL, id, "ann")
	b := dial(t, srv.URL, id, "bob")
	require.Equal(t, "join", a.read().str("type"))
	require.Equal(t, "héllo 😀", b.init.str("content"))
	require.Len(t, b.init["clients"], 1)

	a.send(msg{"type": "op", "revision": 0, "op": []any{8, "!"}, "id": "a-1",
		"selection": msg{"ranges": []msg{{"anchor": 9, "head": 9}}}})
	ack := a.readType("ack")
	require.Equal(t, 1, ack.num("revision"))
	require.Equal(t, "a-1", ack.str("id"))
	op := b.readType("op")
	require.Equal(t, 1, op.num("revision"))
	require.Equal(t, a.init.str("clientId"), op.str("clientId"))
	require.Equal(t, []any{8.0, "!"}, op["op"])
	require.NotNil(t, op["selection"])

	// Concurrent op from b based on revision 0 is transformed past a's.
	b.send(msg{"type": "op", "revision": 0, "op": []any{"<", 8}, "id": "b-1"})
	require.Equal(t, 2, b.readType("ack").num("revision"))
	got := a.readType("op")
	require.Equal(t, []any{"<", 9.0}, got["op"])

	room := getJSON(t, srv.URL+"/api/rooms/"+id, 200)
	require.Equal(t, "<héllo 😀!", room["content"])
	require.Equal(t, 2.0, room["revision"])
}

func TestPresenceJoinSelectionLeave(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "abc").str("id")
	a := dial(t, srv.URL, id, "ann")
	b := dial(t, srv.URL, id, "bob")
	join := a.read()
	require.Equal(t, msg{"type": "join", "clientId": b.init.str("clientId"), "name": "bob"}, join)
	b.send(msg{"type": "selection", "selection": msg{"ranges": []msg{{"anchor": 1, "head": 3}}}})
	sel := a.read()
	require.Equal(t, "selection", sel.str("type"))
	require.Equal(t, b.init.str("clientId"), sel.str("clientId"))
	// A new client sees b's selection in init; then b's selection is
	// transformed by a's insert before it.
	a.send(msg{"type": "op", "revision": 0, "op": []any{"xx", 3}})
	a.readType("ack")
	c := dial(t, srv.URL, id, "cy")
	var bPeer map[string]any
	for _, p := range c.init["clients"].([]any) {
		if p.(map[string]any)["clientId"] == b.init.str("clientId") {
			bPeer = p.(map[string]any)
		}
	}
	require.Equal(t, map[string]any{"ranges": []any{map[string]any{"anchor": 3.0, "head": 5.0}}}, bPeer["selection"])
	b.send(msg{"type": "selection", "selection": nil})
	require.Nil(t, a.readType("selection")["selection"])
	require.NoError(t, b.conn.Close())
	require.Equal(t, "leave", a.readType("leave").str("type"))
}

func TestEveryErrorCode(t *testing.T) {
	limits := api.DefaultLimits()
	limits.MaxMessageBytes = 4096
	limits.OpsBurst = 30
	limits.OpsPerSecond = 0.001
	limits.MaxBadMessages = 1000
	cfg := services.DefaultConfig()
	cfg.Room.Sequencer.MaxDocumentSize = 4000
	srv := testserver.Start(t, testserver.Options{Limits: &limits, Config: &cfg})
	room := createRoom(t, srv.URL, "abc")
	id := room["id"].(string)
	c := dial(t, srv.URL, id, "x")
	c.send(msg{"type": "op", "revision": 0, "op": []any{3, "d"}, "id": "same"})
	c.readType("ack")

	cases := []struct {
		name string
		send any
		code string
	}{
		{"malformed JSON", []byte(`{"type":"op",`), "bad_message"},
		{"not an object", []byte(`[1,2]`), "bad_message"},
		{"no type", msg{"revision": 1}, "bad_message"},
		{"unknown type", msg{"type": "dance"}, "bad_message"},
		{"revision is a string", msg{"type": "op", "revision": "1", "op": []any{4}}, "bad_message"},
		{"revision is a float", msg{"type": "op", "revision": 1.5, "op": []any{4}}, "bad_message"},
		{"no revision", msg{"type": "op", "op": []any{4}}, "bad_message"},
		{"no op", msg{"type": "op", "revision": 1}, "bad_message"},
		{"id too long", msg{"type": "op", "revision": 1, "op": []any{4}, "id": strings.Repeat("x", 65)}, "bad_message"},
		{"selection wrong type", msg{"type": "selection", "selection": "all"}, "bad_message"},
		{"zero retain", msg{"type": "op", "revision": 1, "op": []any{0, 4}}, "invalid_op"},
		{"empty insert", msg{"type": "op", "revision": 1, "op": []any{"", 4}}, "invalid_op"},
		{"op not an array", msg{"type": "op", "revision": 1, "op": "abc"}, "invalid_op"},
		{"lone surrogate", []byte(`{"type":"op","revision":1,"op":[4,"\ud800"]}`), "invalid_op"},
		{"base length mismatch", msg{"type": "op", "revision": 1, "op": []any{3}}, "invalid_op"},
		{"huge retain", msg{"type": "op", "revision": 1, "op": []any{1 << 40}}, "invalid_op"},
		{"revision in the future", msg{"type": "op", "revision": 2, "op": []any{4}}, "revision_out_of_range"},
		{"negative revision", msg{"type": "op", "revision": -1, "op": []any{4}}, "revision_out_of_range"},
		{"id reused for another op", msg{"type": "op", "revision": 1, "op": []any{"z", 4}, "id": "same"}, "conflict"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.send(tc.send)
			got := c.readType("error")
			require.Equal(t, tc.code, got.str("code"), got.str("message"))
			require.NotEmpty(t, got.str("message"))
		})
	}
	c.t = t
	t.Run("document too large", func(t *testing.T) {
		c.t = t
		c.send(msg{"type": "op", "revision": 1, "op": []any{4, strings.Repeat("x", 3000)}})
		c.send(msg{"type": "op", "revision": 1, "op": []any{4, strings.Repeat("y", 3000)}})
		// The error answers at once; the ack follows the commit.
		got := []string{c.read().str("type"), c.read().str("code")}
		if got[0] == "error" {
			got = []string{"ack", "too_large"}
		}
		require.Equal(t, []string{"ack", "too_large"}, got)
	})
	t.Run("read-only link", func(t *testing.T) {
		ro := dial(t, srv.URL, room["readOnlyId"].(string), "viewer")
		require.Equal(t, true, ro.init["readOnly"])
		ro.send(msg{"type": "op", "revision": 0, "op": []any{3, "!"}, "id": "ro-1"})
		got := ro.readType("error")
		require.Equal(t, "forbidden", got.str("code"))
		require.Equal(t, "ro-1", got.str("id"))
	})
	t.Run("rate limited", func(t *testing.T) {
		r := dial(t, srv.URL, id, "fast")
		var codes []string
		for i := range limits.OpsBurst + 5 {
			r.send(msg{"type": "op", "revision": 0, "op": []any{"x"}, "id": fmt.Sprint("r", i)})
		}
		for range limits.OpsBurst + 5 {
			codes = append(codes, r.read().str("code"))
		}
		require.Contains(t, codes, "rate_limited")
	})
	t.Run("oversized frame closes with 1009", func(t *testing.T) {
		r := dial(t, srv.URL, id, "big")
		// 10 MB: refused from the frame header, never buffered whole.
		_ = r.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"op","revision":0,"op":["`+strings.Repeat("x", 10<<20)+`"]}`))
		_ = r.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var err error
		for err == nil {
			_, _, err = r.conn.ReadMessage()
		}
		var ce *websocket.CloseError
		require.True(t, errors.As(err, &ce), "got %v, want a close frame", err)
		require.Equal(t, websocket.CloseMessageTooBig, ce.Code)
	})
	// Nothing above changed the room beyond the two acked operations.
	got := getJSON(t, srv.URL+"/api/rooms/"+id, 200)
	require.Equal(t, 2.0, got["revision"])
}

func TestUnavailableWhileStoreIsDownThenResumes(t *testing.T) {
	store := memory.NewStore()
	srv := testserver.Start(t, testserver.Options{Store: store})
	id := createRoom(t, srv.URL, "abc").str("id")
	c := dial(t, srv.URL, id, "x")
	store.Fail(fmt.Errorf("database is down: %w", services.ErrStoreUnreachable))
	c.send(msg{"type": "op", "revision": 0, "op": []any{3, "!"}, "id": "u-1"})
	got := c.readType("error")
	require.Equal(t, "unavailable", got.str("code"))
	require.Equal(t, "u-1", got.str("id"))
	store.Fail(nil)
	// The client resubmits the same operation; it is committed once.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.send(msg{"type": "op", "revision": 0, "op": []any{3, "!"}, "id": "u-1"})
		m := c.read()
		if m.str("type") == "ack" {
			require.Equal(t, 1, m.num("revision"))
			break
		}
		require.Equal(t, "unavailable", m.str("code"))
		require.True(t, time.Now().Before(deadline), "service did not resume")
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, "abc!", getJSON(t, srv.URL+"/api/rooms/"+id, 200)["content"])
}

func TestResubmissionAfterReconnectIsAckedOnce(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "abc").str("id")
	a := dial(t, srv.URL, id, "a")
	a.send(msg{"type": "op", "revision": 0, "op": []any{3, "1"}, "id": "s-1"})
	// Drop the connection without waiting for the ack.
	require.NoError(t, a.conn.Close())
	waitRevision(t, srv.URL, id, 1)
	other := dial(t, srv.URL, id, "o")
	other.send(msg{"type": "op", "revision": other.init.num("revision"), "op": []any{"0", other.init.num("revision") + 3}, "id": "o-1"})
	other.readType("ack")

	a2 := dial(t, srv.URL, id, "a")
	a2.send(msg{"type": "op", "revision": 0, "op": []any{3, "1"}, "id": "s-1"})
	ack := a2.readType("ack")
	require.Equal(t, "s-1", ack.str("id"))
	require.Equal(t, 1, ack.num("revision"))
	room := getJSON(t, srv.URL+"/api/rooms/"+id, 200)
	require.Equal(t, "0abc1", room["content"])
	require.Equal(t, 2.0, room["revision"])
	ops := getJSON(t, srv.URL+"/api/rooms/"+id+"/ops?from=0", 200)["ops"].([]any)
	require.Len(t, ops, 2)
	require.Equal(t, a.init.str("clientId"), ops[0].(map[string]any)["clientId"])
}

// waitRevision polls the room until its revision reaches rev.
func waitRevision(t *testing.T, base, id string, rev int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for int(getJSON(t, base+"/api/rooms/"+id, 200)["revision"].(float64)) < rev {
		require.True(t, time.Now().Before(deadline), "room did not reach revision %d", rev)
		time.Sleep(10 * time.Millisecond)
	}
}

// A connection that keeps sending bad messages is closed with 1008; a flood
// is refused; the room's content and history are unchanged and another
// member goes on as if nothing happened.
func TestMisbehavingConnectionIsClosedOthersContinue(t *testing.T) {
	limits := api.DefaultLimits()
	limits.MaxBadMessages = 10
	limits.MessagesPerSecond, limits.MessagesBurst = 50, 50
	srv := testserver.Start(t, testserver.Options{Limits: &limits})
	id := createRoom(t, srv.URL, "steady").str("id")
	good := dial(t, srv.URL, id, "good")
	good.send(msg{"type": "op", "revision": 0, "op": []any{6, "!"}, "id": "g-1"})
	good.readType("ack")
	before := getJSON(t, srv.URL+"/api/rooms/"+id+"/ops?from=0", 200)

	bad := dial(t, srv.URL, id, "bad")
	good.readType("join")
	garbage := [][]byte{
		[]byte(`not json`), []byte(`{"type":"op","revision":0,"op":[99]}`), []byte(`{"type":"op","revision":5,"op":[7]}`),
		[]byte(`{"type":"op","revision":1,"op":["\udc00",7]}`), []byte(`{"type":"op","revision":1,"op":[1e300]}`),
	}
	var closeErr error
	for i := 0; closeErr == nil && i < 200; i++ {
		if err := bad.conn.WriteMessage(websocket.TextMessage, garbage[i%len(garbage)]); err != nil {
			break
		}
		_ = bad.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, _, closeErr = bad.conn.ReadMessage()
	}
	for closeErr == nil {
		_, _, closeErr = bad.conn.ReadMessage()
	}
	var ce *websocket.CloseError
	require.True(t, errors.As(closeErr, &ce), "got %v, want a close frame", closeErr)
	require.Equal(t, websocket.ClosePolicyViolation, ce.Code)

	// A flood of pings from a third connection is refused past its burst.
	// (Past the burst, fewer than MaxBadMessages, so it is not closed.)
	flood := dial(t, srv.URL, id, "flood")
	for range limits.MessagesBurst + 5 {
		flood.send(msg{"type": "ping"})
	}
	limited := false
	for range limits.MessagesBurst + 5 {
		m := flood.read()
		if m.str("code") == "rate_limited" {
			limited = true
			break
		}
	}
	require.True(t, limited, "a flood must be rate limited")

	require.Equal(t, before, getJSON(t, srv.URL+"/api/rooms/"+id+"/ops?from=0", 200), "history changed")
	require.Equal(t, "steady!", getJSON(t, srv.URL+"/api/rooms/"+id, 200)["content"])
	// The good member only saw presence, and keeps working.
	good.send(msg{"type": "op", "revision": 1, "op": []any{7, "?"}, "id": "g-2"})
	require.Equal(t, 2, good.readType("ack").num("revision"))
}

// Display names lose control and bidirectional formatting characters
// (they come from a query parameter, so they are cleaned, not refused).
func TestDisplayNamesAreCleaned(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "").str("id")
	a := dial(t, srv.URL, id, "ann")
	dial(t, srv.URL, id, "b%E2%80%AEo%07b%0A")
	require.Equal(t, "bob", a.readType("join").str("name"))
	dial(t, srv.URL, id, "%E2%80%AE%20%E2%81%A6")
	require.Equal(t, "Anonymous", a.readType("join").str("name"))
}
