package api_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
)

func do(t *testing.T, method, url, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestReadOnlyLinkNeverRevealsTheEditID(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	room := createRoom(t, srv.URL, "text")
	roID := room.str("readOnlyId")
	require.Len(t, room.str("id"), 32)
	require.Len(t, roID, 32)

	got := getJSON(t, srv.URL+"/api/rooms/"+roID, 200)
	require.Equal(t, roID, got["id"])
	require.Equal(t, true, got["readOnly"])
	require.NotContains(t, got, "readOnlyId")
	require.Equal(t, "text", got["content"])

	resp := do(t, "POST", srv.URL+"/api/rooms/"+roID+"/ops", `{"revision":0,"op":[4,"!"]}`, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp = do(t, "PATCH", srv.URL+"/api/rooms/"+roID, `{"language":"go"}`, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	ro := dial(t, srv.URL, roID, "viewer")
	for _, v := range ro.init {
		if s, ok := v.(string); ok {
			require.NotContains(t, s, room.str("id"))
		}
	}
	// A read-only member still receives operations and may send selections.
	ed := dial(t, srv.URL, room.str("id"), "editor")
	require.Equal(t, "join", ro.read().str("type"))
	ed.send(msg{"type": "op", "revision": 0, "op": []any{4, "!"}})
	ed.readType("ack")
	require.Equal(t, 1, ro.readType("op").num("revision"))
	ro.send(msg{"type": "selection", "selection": msg{"ranges": []msg{{"anchor": 0, "head": 1}}}})
	require.Equal(t, "selection", ed.readType("selection").str("type"))
}

func TestCreateTokenAndOrigins(t *testing.T) {
	limits := api.DefaultLimits()
	srv := testserver.Start(t, testserver.Options{Limits: &limits, CreateToken: "s3cret", AllowedOrigins: []string{"https://editor.example"}})
	resp := do(t, "POST", srv.URL+"/api/rooms", `{}`, nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = do(t, "POST", srv.URL+"/api/rooms", `{}`, map[string]string{"Authorization": "Bearer wrong"})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = do(t, "POST", srv.URL+"/api/rooms", `{"content":"x"}`, map[string]string{"Authorization": "Bearer s3cret"})
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	resp = do(t, "OPTIONS", srv.URL+"/api/rooms", "", map[string]string{"Origin": "https://editor.example", "Access-Control-Request-Method": "POST"})
	require.Equal(t, "https://editor.example", resp.Header.Get("Access-Control-Allow-Origin"))
	resp = do(t, "OPTIONS", srv.URL+"/api/rooms", "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	var room msg
	resp = do(t, "POST", srv.URL+"/api/rooms", `{}`, map[string]string{"Authorization": "Bearer s3cret"})
	require.NoError(t, jsonDecode(resp, &room))
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/rooms/" + room.str("id") + "/ws"
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	_, r, err := d.Dial(url, http.Header{"Origin": {"https://evil.example"}})
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, r.StatusCode)
	c, _, err := d.Dial(url, http.Header{"Origin": {"https://editor.example"}})
	require.NoError(t, err)
	_ = c.Close()
}

func TestConnectionsPerAddressAreLimited(t *testing.T) {
	limits := api.DefaultLimits()
	limits.MaxConnsPerIP = 2
	srv := testserver.Start(t, testserver.Options{Limits: &limits})
	id := createRoom(t, srv.URL, "").str("id")
	dial(t, srv.URL, id, "a")
	b := dial(t, srv.URL, id, "b")
	_, err := dialErr(srv.URL, id, "c")
	require.ErrorContains(t, err, "status 429")
	require.NoError(t, b.conn.Close())
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := dialErr(srv.URL, id, "c")
		if err == nil {
			_ = c.Close()
			break
		}
		require.True(t, time.Now().Before(deadline), "slot was not freed: %v", err)
		time.Sleep(20 * time.Millisecond)
	}
}

// Behind proxies: X-Forwarded-For names the client, for the per-address
// limits and the logs, and X-Forwarded-Host the host, for the same-origin
// check, only when the peer is a trusted proxy.

// dialForwarded opens a WebSocket with one X-Forwarded-For header per
// value given and reads its init (the server logged the connection by
// then); the connection is closed in t.Cleanup.
func dialForwarded(t *testing.T, base, roomID string, forwarded ...string) error {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/rooms/" + roomID + "/ws?name=p"
	h := http.Header{}
	for _, f := range forwarded {
		h.Add("X-Forwarded-For", f)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, h)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return fmt.Errorf("%w (status %d)", err, resp.StatusCode)
		}
		return err
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c.ReadMessage()
	return err
}

// proxyServer starts a server allowing one WebSocket per client address
// and trusting the proxies given.
func proxyServer(t *testing.T, log *slog.Logger, trusted ...string) *testserver.Server {
	t.Helper()
	proxies, err := api.ParseTrustedProxies(trusted)
	require.NoError(t, err)
	limits := api.DefaultLimits()
	limits.MaxConnsPerIP = 1
	limits.RequestsPerMinutePerIP = 3
	return testserver.Start(t, testserver.Options{Limits: &limits, TrustedProxies: proxies, Log: log})
}

func TestForwardedForFromAnUntrustedPeerIsIgnored(t *testing.T) {
	srv := proxyServer(t, nil, "10.0.0.0/8") // the test's loopback peer is not trusted
	id := createRoom(t, srv.URL, "").str("id")
	require.NoError(t, dialForwarded(t, srv.URL, id, "198.51.100.1"))
	// Another forged address is still the same client.
	require.ErrorContains(t, dialForwarded(t, srv.URL, id, "198.51.100.2"), "status 429")
}

func TestForwardedForFromATrustedProxyNamesTheClient(t *testing.T) {
	var logs testenv.LogBuffer
	srv := proxyServer(t, slog.New(slog.NewTextHandler(&logs, nil)), "127.0.0.0/8")
	id := createRoom(t, srv.URL, "").str("id")
	require.NoError(t, dialForwarded(t, srv.URL, id, "198.51.100.1"))
	require.NoError(t, dialForwarded(t, srv.URL, id, "198.51.100.2"), "another client behind the proxy")
	require.ErrorContains(t, dialForwarded(t, srv.URL, id, "198.51.100.1"), "status 429")
	require.Contains(t, logs.String(), "ip=198.51.100.2")

	// REST requests are limited per client too (3 a minute here; one went
	// to createRoom, from the proxy's own address).
	get := func(client string) int {
		resp := do(t, "GET", srv.URL+"/api/rooms/"+id, "", map[string]string{"X-Forwarded-For": client})
		return resp.StatusCode
	}
	for range 3 {
		require.Equal(t, http.StatusOK, get("198.51.100.7"))
	}
	require.Equal(t, http.StatusTooManyRequests, get("198.51.100.7"))
	require.Equal(t, http.StatusOK, get("198.51.100.8"))
}

// Behind two proxies, the client is the rightmost address that is not a
// proxy; what the client wrote to the left of it is not believed.
func TestForwardedForThroughAChainOfProxies(t *testing.T) {
	srv := proxyServer(t, nil, "127.0.0.0/8", "10.0.0.0/8")
	id := createRoom(t, srv.URL, "").str("id")
	require.NoError(t, dialForwarded(t, srv.URL, id, "6.6.6.6, 198.51.100.1, 10.0.0.7"))
	require.ErrorContains(t, dialForwarded(t, srv.URL, id, "7.7.7.7, 198.51.100.1", "10.0.0.9"), "status 429")
	require.NoError(t, dialForwarded(t, srv.URL, id, "198.51.100.1, 198.51.100.3, 10.0.0.7"))
}

// Forwarded hosts count only from trusted proxies: a same-origin check
// must not be satisfied by a header the client wrote.
func TestForwardedHostCountsOnlyFromTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		trusted []netip.Prefix
		want    int
	}{
		{nil, http.StatusForbidden},
		{[]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, http.StatusSwitchingProtocols},
	} {
		srv := testserver.Start(t, testserver.Options{TrustedProxies: tc.trusted})
		id := createRoom(t, srv.URL, "").str("id")
		url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/rooms/" + id + "/ws"
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		c, resp, _ := d.Dial(url, http.Header{"Origin": {"https://editor.example"}, "X-Forwarded-Host": {"editor.example"}})
		require.NotNil(t, resp)
		require.Equal(t, tc.want, resp.StatusCode, "trusted %v", tc.trusted)
		if c != nil {
			_ = c.Close()
		}
	}
}

func TestMetricsAreServed(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "").str("id")
	c := dial(t, srv.URL, id, "a")
	c.send(msg{"type": "op", "revision": 0, "op": []any{"x"}})
	c.readType("ack")
	c.send(msg{"type": "nope"})
	c.readType("error")
	resp := do(t, "GET", srv.URL+"/metrics", "", nil)
	require.Equal(t, 200, resp.StatusCode)
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	for _, want := range []string{
		"tandem_operations_committed_total 1", "tandem_connections_active 1", "tandem_rooms_active 1",
		`tandem_errors_total{code="bad_message"} 1`, "tandem_commit_batch_size_count 1", "tandem_submit_ack_seconds_count 1",
		"tandem_transform_depth_count 1", "go_goroutines",
	} {
		require.Contains(t, b.String(), want)
	}
}

func TestRoomNameWithNULIsRefused(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	resp := do(t, "POST", srv.URL+"/api/rooms", `{"name":"a\u0000b"}`, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
