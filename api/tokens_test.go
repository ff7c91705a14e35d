package api_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
)

const testSecret = "0123456789abcdef0123456789abcdef-test"

func hsToken(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(testSecret))
	require.NoError(t, err)
	return s
}

// claimsFor is a valid token's claims for user with the given room grants.
func claimsFor(user string, rooms map[string]string, create bool) jwt.MapClaims {
	return jwt.MapClaims{
		"sub": user, "exp": time.Now().Add(time.Hour).Unix(), "iss": "https://auth.example", "aud": "tandem",
		"tandem": map[string]any{"rooms": rooms, "create": create},
	}
}

func tokenServer(t *testing.T, cfg api.TokenConfig) *testserver.Server {
	t.Helper()
	tokens, err := api.NewTokens(t.Context(), cfg)
	require.NoError(t, err)
	require.NotNil(t, tokens)
	return testserver.Start(t, testserver.Options{Tokens: tokens})
}

func hsServer(t *testing.T) *testserver.Server {
	return tokenServer(t, api.TokenConfig{Secret: testSecret, Issuer: "https://auth.example", Audience: "tandem"})
}

func bearerHeader(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
}

// createRoomAs creates a room with token and returns its ids.
func createRoomAs(t *testing.T, base, token string) (id, readOnlyID string) {
	t.Helper()
	resp := do(t, "POST", base+"/api/rooms", `{"content":"hello"}`, bearerHeader(token))
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var room msg
	require.NoError(t, jsonDecode(resp, &room))
	return room.str("id"), room.str("readOnlyId")
}

func statusAndCode(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	var body map[string]any
	require.NoError(t, jsonDecode(resp, &body))
	return resp.StatusCode, errorCode(body)
}

func TestHS256TokensAreVerified(t *testing.T) {
	srv := hsServer(t)
	id, _ := createRoomAs(t, srv.URL, hsToken(t, claimsFor("admin", nil, true)))
	edit := map[string]string{id: "edit"}
	without := func(k string) jwt.MapClaims { c := claimsFor("u1", edit, false); delete(c, k); return c }
	with := func(k string, v any) jwt.MapClaims { c := claimsFor("u1", edit, false); c[k] = v; return c }
	other, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsFor("u1", edit, false)).SignedString([]byte("another secret, long enough to pass"))
	require.NoError(t, err)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claimsFor("u1", edit, false)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	es, err := jwt.NewWithClaims(jwt.SigningMethodES256, claimsFor("u1", edit, false)).SignedString(ecKey)
	require.NoError(t, err)

	for name, token := range map[string]string{
		"expired":         hsToken(t, with("exp", time.Now().Add(-time.Minute).Unix())),
		"wrong signature": other,
		"wrong issuer":    hsToken(t, with("iss", "https://evil.example")),
		"wrong audience":  hsToken(t, with("aud", "someone-else")),
		"no sub":          hsToken(t, without("sub")),
		"no exp":          hsToken(t, without("exp")),
		"alg none":        none,
		"ES256 on HS256":  es,
		"bad grant":       hsToken(t, claimsFor("u1", map[string]string{id: "admin"}, false)),
		"garbage":         "not.a.token",
	} {
		t.Run(name, func(t *testing.T) {
			resp := do(t, "GET", srv.URL+"/api/rooms/"+id, "", bearerHeader(token))
			status, code := statusAndCode(t, resp)
			require.Equal(t, http.StatusUnauthorized, status)
			require.Equal(t, "unauthorized", code)
			require.Equal(t, `Bearer realm="tandem"`, resp.Header.Get("WWW-Authenticate"))
		})
	}
	resp := do(t, "GET", srv.URL+"/api/rooms/"+id, "", nil)
	status, code := statusAndCode(t, resp)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "unauthorized", code)

	resp = do(t, "GET", srv.URL+"/api/rooms/"+id, "", bearerHeader(hsToken(t, claimsFor("u1", edit, false))))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		require.Equal(t, http.StatusOK, do(t, "GET", srv.URL+path, "", nil).StatusCode, path)
	}
}

func TestTokenGrantsOverREST(t *testing.T) {
	srv := hsServer(t)
	resp := do(t, "POST", srv.URL+"/api/rooms", `{}`, bearerHeader(hsToken(t, claimsFor("u1", map[string]string{"*": "edit"}, false))))
	status, code := statusAndCode(t, resp)
	require.Equal(t, http.StatusForbidden, status, "creating needs \"create\": true")
	require.Equal(t, "forbidden", code)
	id, roID := createRoomAs(t, srv.URL, hsToken(t, claimsFor("admin", nil, true)))
	other, _ := createRoomAs(t, srv.URL, hsToken(t, claimsFor("admin", nil, true)))

	reader := hsToken(t, claimsFor("r", map[string]string{id: "read"}, false))
	// The read-only id grants read at most, even when the token says edit.
	viaReadOnlyID := hsToken(t, claimsFor("r2", map[string]string{roID: "edit"}, false))
	editor := hsToken(t, claimsFor("e", map[string]string{"*": "edit"}, false))
	for _, token := range []string{reader, viaReadOnlyID} {
		room := msg{}
		resp := do(t, "GET", srv.URL+"/api/rooms/"+id, "", bearerHeader(token))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, jsonDecode(resp, &room))
		require.Equal(t, true, room["readOnly"])
		require.Equal(t, roID, room.str("id"), "a read grant never sees the edit id")
		for _, call := range [][3]string{
			{"POST", "/ops", `{"revision":0,"op":[5,"!"]}`},
			{"PATCH", "", `{"language":"go"}`},
			{"POST", "/versions", `{"name":"v1"}`},
			{"POST", "/restore", `{"revision":0,"id":"r1"}`},
		} {
			resp := do(t, call[0], srv.URL+"/api/rooms/"+id+call[1], call[2], bearerHeader(token))
			status, code := statusAndCode(t, resp)
			require.Equal(t, http.StatusForbidden, status, call)
			require.Equal(t, "forbidden", code, call)
		}
		require.Equal(t, http.StatusOK, do(t, "GET", srv.URL+"/api/rooms/"+id+"/ops", "", bearerHeader(token)).StatusCode)
	}
	// No grant: forbidden, for a room that exists and for one that does not.
	for _, room := range []string{other, "doesnotexist0000000000000000000000"} {
		status, code := statusAndCode(t, do(t, "GET", srv.URL+"/api/rooms/"+room, "", bearerHeader(reader)))
		require.Equal(t, http.StatusForbidden, status)
		require.Equal(t, "forbidden", code)
	}
	resp = do(t, "POST", srv.URL+"/api/rooms/"+id+"/ops", `{"revision":0,"op":[5,"!"]}`, bearerHeader(editor))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// A "*" grant under an unknown room finds no room.
	status, code = statusAndCode(t, do(t, "GET", srv.URL+"/api/rooms/doesnotexist0000000000000000000000", "", bearerHeader(editor)))
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "not_found", code)
}

func TestCreateTokenBesideAccessTokens(t *testing.T) {
	tokens, err := api.NewTokens(t.Context(), api.TokenConfig{Secret: testSecret})
	require.NoError(t, err)
	srv := testserver.Start(t, testserver.Options{Tokens: tokens, CreateToken: "create-s3cret"})
	id, _ := createRoomAs(t, srv.URL, "create-s3cret")
	status, code := statusAndCode(t, do(t, "GET", srv.URL+"/api/rooms/"+id, "", bearerHeader("create-s3cret")))
	require.Equal(t, http.StatusUnauthorized, status, "the create token opens no room")
	require.Equal(t, "unauthorized", code)
}

// dialToken opens a socket with token in the Authorization header, or in
// the access_token query when inQuery.
func dialToken(t *testing.T, base, room, token string, inQuery bool) (*wsClient, int) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/rooms/" + room + "/ws?name=query-name"
	h := http.Header{}
	if inQuery {
		u += "&access_token=" + token
	} else if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(u, h)
	if err != nil {
		require.NotNil(t, resp, err)
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { _ = c.Close() })
	ws := &wsClient{t: t, conn: c}
	ws.init = ws.read()
	require.Equal(t, "init", ws.init.str("type"))
	return ws, http.StatusSwitchingProtocols
}

// closedWith reads until the socket closes and returns the error message
// before the close and the close code.
func (c *wsClient) closedWith() (errorCode string, closeCode int) {
	c.t.Helper()
	for range 100 {
		_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			require.ErrorAs(c.t, err, &ce)
			return errorCode, ce.Code
		}
		var m msg
		require.NoError(c.t, json.Unmarshal(data, &m))
		if m.str("type") == "error" {
			errorCode = m.str("code")
		}
	}
	c.t.Fatal("the socket did not close in 100 messages")
	return "", 0
}

// alive checks that the socket still answers.
func (c *wsClient) alive() {
	c.t.Helper()
	c.send(msg{"type": "ping"})
	c.readType("pong")
}

func TestTokensOverWebSocket(t *testing.T) {
	srv := hsServer(t)
	id, _ := createRoomAs(t, srv.URL, hsToken(t, claimsFor("admin", nil, true)))
	other, _ := createRoomAs(t, srv.URL, hsToken(t, claimsFor("admin", nil, true)))

	_, status := dialToken(t, srv.URL, id, "", false)
	require.Equal(t, http.StatusUnauthorized, status)
	_, status = dialToken(t, srv.URL, id, "not.a.token", true)
	require.Equal(t, http.StatusUnauthorized, status)
	_, status = dialToken(t, srv.URL, other, hsToken(t, claimsFor("u1", map[string]string{id: "edit"}, false)), false)
	require.Equal(t, http.StatusForbidden, status)

	claims := claimsFor("u1", map[string]string{id: "edit"}, false)
	claims["name"] = "Ada"
	ed, _ := dialToken(t, srv.URL, id, hsToken(t, claims), true)
	require.Equal(t, false, ed.init["readOnly"])
	ed.send(msg{"type": "op", "revision": 0, "op": []any{5, "!"}, "id": "a"})
	require.Equal(t, 1, ed.readType("ack").num("revision"))

	ro, _ := dialToken(t, srv.URL, id, hsToken(t, claimsFor("u2", map[string]string{id: "read"}, false)), false)
	require.Equal(t, true, ro.init["readOnly"])
	join := ed.readType("join")
	require.Equal(t, "query-name", join.str("name"))
	peers, _ := ro.init["clients"].([]any)
	require.Len(t, peers, 1)
	require.Equal(t, "Ada", peers[0].(map[string]any)["name"], "the token's name overrides ?name=")

	// An edit over a read grant is refused, and the socket stays open.
	ro.send(msg{"type": "op", "revision": 1, "op": []any{6, "?"}, "id": "b"})
	e := ro.readType("error")
	require.Equal(t, "forbidden", e.str("code"))
	require.Equal(t, "b", e.str("id"))
	ro.send(msg{"type": "language", "language": "go"})
	require.Equal(t, "forbidden", ro.readType("error").str("code"))
	ro.alive()
}

func TestSocketTokenRefreshAndExpiry(t *testing.T) {
	srv := hsServer(t)
	id, _ := createRoomAs(t, srv.URL, hsToken(t, claimsFor("admin", nil, true)))
	edit := map[string]string{id: "edit"}
	shortLived := func(user string) string {
		c := claimsFor(user, edit, false)
		c["exp"] = time.Now().Add(2 * time.Second).Unix()
		return hsToken(t, c)
	}

	refreshed, _ := dialToken(t, srv.URL, id, shortLived("u1"), false)
	expiring, _ := dialToken(t, srv.URL, id, shortLived("u2"), false)
	refreshed.send(msg{"type": "auth", "token": hsToken(t, claimsFor("u1", edit, false))})
	refreshed.alive()

	code, closeCode := expiring.closedWith()
	require.Equal(t, "unauthorized", code)
	require.Equal(t, 4401, closeCode)
	// The refreshed one outlived the first token.
	refreshed.send(msg{"type": "op", "revision": 0, "op": []any{5, "!"}, "id": "a"})
	require.Equal(t, 1, refreshed.readType("ack").num("revision"))

	// Less access at once: edit → read.
	refreshed.send(msg{"type": "auth", "token": hsToken(t, claimsFor("u1", map[string]string{id: "read"}, false))})
	refreshed.send(msg{"type": "op", "revision": 1, "op": []any{6, "?"}, "id": "b"})
	require.Equal(t, "forbidden", refreshed.readType("error").str("code"))
	// A refresh never widens a connection's access.
	refreshed.send(msg{"type": "auth", "token": hsToken(t, claimsFor("u1", edit, false))})
	refreshed.send(msg{"type": "op", "revision": 1, "op": []any{6, "?"}, "id": "c"})
	require.Equal(t, "forbidden", refreshed.readType("error").str("code"))
	// No access: forbidden and closed.
	refreshed.send(msg{"type": "auth", "token": hsToken(t, claimsFor("u1", map[string]string{"elsewhere": "edit"}, false))})
	code, closeCode = refreshed.closedWith()
	require.Equal(t, "forbidden", code)
	require.Equal(t, 1008, closeCode)

	for name, token := range map[string]any{
		"bad token":    "not.a.token",
		"no token":     nil,
		"another user": hsToken(t, claimsFor("mallory", edit, false)),
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := dialToken(t, srv.URL, id, hsToken(t, claimsFor("u3", edit, false)), false)
			m := msg{"type": "auth"}
			if token != nil {
				m["token"] = token
			}
			c.send(m)
			code, closeCode := c.closedWith()
			require.Equal(t, "unauthorized", code)
			require.Equal(t, 4401, closeCode)
		})
	}
}

func TestAuthMessageWithoutTokensIsABadMessage(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	room := createRoom(t, srv.URL, "")
	c := dial(t, srv.URL, room.str("id"), "x")
	c.send(msg{"type": "auth", "token": "whatever"})
	require.Equal(t, "bad_message", c.readType("error").str("code"))
	c.alive()
}

// jwksServer serves a JWK Set the test may change.
type jwksServer struct {
	mu   sync.Mutex
	keys []map[string]string
	hits int
}

func (j *jwksServer) set(keys ...map[string]string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.keys = keys
}

func (j *jwksServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.hits++
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": j.keys})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestJWKSKeysRotateWithoutARestart(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ecJWK := map[string]string{
		"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
		"x": b64(ecKey.X.FillBytes(make([]byte, 32))), "y": b64(ecKey.Y.FillBytes(make([]byte, 32))),
	}
	edJWK := map[string]string{"kty": "OKP", "crv": "Ed25519", "kid": "k2", "alg": "EdDSA", "use": "sig", "x": b64(edPub)}
	keys := &jwksServer{}
	keys.set(ecJWK)
	ts := httptest.NewServer(keys)
	t.Cleanup(ts.Close)
	srv := tokenServer(t, api.TokenConfig{JWKSURL: ts.URL, Issuer: "https://auth.example", Audience: "tandem"})

	sign := func(m jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(m, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		require.NoError(t, err)
		return s
	}
	id, _ := createRoomAs(t, srv.URL, sign(jwt.SigningMethodES256, "k1", ecKey, claimsFor("admin", nil, true)))
	edit := map[string]string{id: "edit"}
	require.Equal(t, http.StatusOK, do(t, "GET", srv.URL+"/api/rooms/"+id, "", bearerHeader(sign(jwt.SigningMethodES256, "k1", ecKey, claimsFor("u", edit, false)))).StatusCode)

	// HS256 is not accepted when only a JWKS is configured, whatever the key.
	status, _ := statusAndCode(t, do(t, "GET", srv.URL+"/api/rooms/"+id, "", bearerHeader(hsToken(t, claimsFor("u", edit, false)))))
	require.Equal(t, http.StatusUnauthorized, status)

	// The issuer rotates to a new key: the first token naming it makes the
	// server fetch the set again.
	keys.set(edJWK)
	ws, status := dialToken(t, srv.URL, id, sign(jwt.SigningMethodEdDSA, "k2", edKey, claimsFor("u", edit, false)), true)
	require.Equal(t, http.StatusSwitchingProtocols, status)
	ws.alive()
	keys.mu.Lock()
	require.Equal(t, 2, keys.hits)
	keys.mu.Unlock()
}

func TestTokenConfigErrors(t *testing.T) {
	ctx := t.Context()
	for name, cfg := range map[string]api.TokenConfig{
		"both":               {Secret: testSecret, JWKSURL: "https://keys.example/jwks.json"},
		"short secret":       {Secret: "short"},
		"issuer without key": {Issuer: "https://auth.example"},
		"bad URL":            {JWKSURL: "ftp://keys.example"},
		"unreachable JWKS":   {JWKSURL: "http://127.0.0.1:1/jwks.json"},
	} {
		t.Run(name, func(t *testing.T) {
			tokens, err := api.NewTokens(ctx, cfg)
			require.Error(t, err)
			require.Nil(t, tokens)
		})
	}
	tokens, err := api.NewTokens(ctx, api.TokenConfig{})
	require.NoError(t, err)
	require.Nil(t, tokens)
}

func TestWebAppFilesStayPublicWithTokens(t *testing.T) {
	tokens, err := api.NewTokens(t.Context(), api.TokenConfig{Secret: testSecret})
	require.NoError(t, err)
	srv := newAPI(t, api.Options{Web: webApp(), Tokens: tokens})
	for _, path := range []string{"/", "/rooms/abc", "/assets/index-AbC123.js"} {
		require.Equal(t, http.StatusOK, getWeb(t, srv, "GET", path, nil).status, path)
	}
	status, body := call(t, srv, "GET", "/api/rooms/abc", "")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "unauthorized", errorCode(body))
	status, body = call(t, srv, "POST", "/api/autocomplete", `{"language":"go","content":"fu","offset":2}`)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "unauthorized", errorCode(body))
}

func TestTokensAndRoomIDsAreNeverLogged(t *testing.T) {
	var logs testenv.LogBuffer
	tokens, err := api.NewTokens(t.Context(), api.TokenConfig{Secret: testSecret})
	require.NoError(t, err)
	srv := testserver.Start(t, testserver.Options{Tokens: tokens, Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	id, _ := createRoomAs(t, srv.URL, hsToken(t, claimsFor("admin", nil, true)))
	good := hsToken(t, claimsFor("u1", map[string]string{id: "read"}, false))
	c, _ := dialToken(t, srv.URL, id, good, true)
	c.send(msg{"type": "op", "revision": 0, "op": []any{5, "!"}})
	require.Equal(t, "forbidden", c.readType("error").str("code"))
	bad := good[:len(good)-4] + "AAAA"
	c.send(msg{"type": "auth", "token": bad})
	code, _ := c.closedWith()
	require.Equal(t, "unauthorized", code)
	eventually(t, "the close is logged", func() bool { return strings.Contains(logs.String(), "connection closed") })
	out := logs.String()
	for _, secret := range []string{good, bad, id, good[strings.LastIndexByte(good, '.')+1:]} {
		require.NotContains(t, out, secret)
	}
}
