package api_test

import (
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
