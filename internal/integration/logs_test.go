package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// Room ids are capabilities: no log line of a whole session may hold one.
// Two instances share PostgreSQL and Redis (fan-out); instance a reaches
// both through proxies, which are cut in turn so that its storage, cache
// and fan-out fail; instance b records into a directory that is gone.
// The session creates rooms, edits over WebSocket from both instances,
// joins read-only, submits over REST, reads history, renames, changes the
// language, and makes bad requests and conflicts. Then every line that
// both instances logged (JSON, debug level) is searched for every whole id.
func TestLogsHoldNoWholeRoomID(t *testing.T) {
	dbURL, redisURL := testenv.PostgresURL(t), testenv.RedisURL(t)
	dbProxy := testenv.NewProxy(t, "127.0.0.1:5432")
	redisProxy := testenv.NewProxy(t, hostOf(t, redisURL))
	common := []string{
		"--log-json", "--log-level", "debug", "--data-dir", t.TempDir(),
		"--redis-prefix", testenv.RedisPrefix(t), "--room-idle-timeout", "300ms",
		// a owns the room throughout (its typist types first), so that its
		// commits meet the cut-off database, and b forwards to it.
		"--cluster-lease", "30s",
	}
	recordB := filepath.Join(t.TempDir(), "recordings")
	a := testserver.StartProcess(t, testserver.FreeAddr(t), append([]string{
		"--database-url", replaceHost(t, dbURL, dbProxy.Addr()),
		"--redis-url", replaceHost(t, redisURL, redisProxy.Addr()),
		"--record-dir", t.TempDir(),
	}, common...)...)
	b := testserver.StartProcess(t, testserver.FreeAddr(t), append([]string{
		"--database-url", dbURL, "--redis-url", redisURL, "--record-dir", recordB,
	}, common...)...)
	// b's recordings now fail to start, and b logs why.
	require.NoError(t, os.RemoveAll(recordB))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	one := createRoom(t, a.URL)
	rest := client.NewREST(a.URL)
	two, err := rest.CreateRoom(ctx, client.NewRoom{Name: "second", Language: "go", Content: initialText})
	require.NoError(t, err)
	oneInfo, err := rest.Room(ctx, one)
	require.NoError(t, err)
	ids := []string{one, oneInfo.ReadOnlyID, two.ID, two.ReadOnlyID}

	// Editing from both instances: fan-out carries the operations.
	typists := []*typist{
		newTypist(t, a.URL, one, "on-a", nil),
		newTypist(t, b.URL, one, "on-b", nil),
	}
	reader := newTypist(t, b.URL, oneInfo.ReadOnlyID, "reader", nil)
	typeTogether(typists[:1], 100*time.Millisecond, 0)
	typeTogether(typists, 300*time.Millisecond, 1)
	require.NoError(t, typists[0].c.SetLanguage("python"))
	settle(t, []*testserver.Process{a, b}, one, typists)

	// REST: a fallback operation, history, a past revision, a rename.
	head, err := client.NewREST(b.URL).Room(ctx, one)
	require.NoError(t, err)
	var op ot.Operation
	op.Retain(ot.UTF16Len(head.Content)).Insert("// via REST\n")
	_, _, err = client.NewREST(b.URL).SubmitOp(ctx, one, head.Revision, op, "rest-op-1")
	require.NoError(t, err)
	_, err = client.NewREST(a.URL).OpsRange(ctx, oneInfo.ReadOnlyID, 0, head.Revision)
	require.NoError(t, err)
	_, err = client.NewREST(b.URL).RoomAt(ctx, one, 1)
	require.NoError(t, err)
	status, body := call(t, http.MethodPatch, a.URL+"/api/rooms/"+one, `{"name":"renamed","language":"go"}`)
	require.Equal(t, http.StatusOK, status, body)

	// Bad requests and conflicts.
	var other ot.Operation
	other.Retain(ot.UTF16Len(head.Content)).Insert("// not the same\n")
	_, _, err = client.NewREST(a.URL).SubmitOp(ctx, one, head.Revision, other, "rest-op-1")
	require.Error(t, err, "an operation id reused for another operation")
	_, _, err = client.NewREST(a.URL).SubmitOp(ctx, one, head.Revision+1000, op, "rest-op-2")
	require.Error(t, err, "a revision beyond the head")
	_, _, err = client.NewREST(a.URL).SubmitOp(ctx, oneInfo.ReadOnlyID, head.Revision, op, "rest-op-3")
	require.Error(t, err, "a change through the read-only id")
	for _, path := range []string{
		"/api/rooms/" + services.NewRandomID(), "/api/rooms/" + one + "x", "/api/rooms/" + one + "!/ops",
	} {
		status, body := call(t, http.MethodGet, a.URL+path, "")
		require.Equal(t, http.StatusNotFound, status, body)
	}
	status, body = call(t, http.MethodPost, a.URL+"/api/rooms/"+one+"/ops", `{"revision":"x"}`)
	require.Equal(t, http.StatusBadRequest, status, body)
	badSocket(t, b.Addr, one)

	// Storage errors: a's database, then a's Redis, cut off while its
	// clients edit and a room loads; then back.
	dbProxy.Cut()
	typeTogether(typists[:1], 400*time.Millisecond, 2)
	_, err = rest.Room(ctx, two.ID)
	require.Error(t, err, "loading a room with the database cut off")
	_, err = rest.CreateRoom(ctx, client.NewRoom{Name: "not now", Content: "x"})
	require.Error(t, err, "creating a room with the database cut off")
	status, _ = call(t, http.MethodGet, a.URL+"/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, status)
	dbProxy.Restore()
	redisProxy.Cut()
	typeTogether(typists, 400*time.Millisecond, 3)
	_, err = rest.Room(ctx, two.ID)
	require.NoError(t, err, "loading a room with Redis cut off")
	redisProxy.Restore()
	typeTogether(typists, 200*time.Millisecond, 4)
	settle(t, []*testserver.Process{a, b}, one, typists)
	for _, ty := range append(typists, reader) {
		_ = ty.c.Close()
	}
	time.Sleep(time.Second) // idle rooms unload (and snapshot)
	for _, p := range []*testserver.Process{a, b} {
		require.NoError(t, p.Stop(ctx))
	}

	logs := map[string]string{"a": a.Log(), "b": b.Log()}
	for name, log := range logs {
		for i, line := range strings.Split(strings.TrimRight(log, "\n"), "\n") {
			if m := roomIDShape.FindString(line); m != "" {
				t.Errorf("instance %s, log line %d holds what looks like a whole room id %s…: %s", name, i+1, m[:8],
					strings.ReplaceAll(line, m, m[:8]+"[…]"))
			}
			for _, id := range ids {
				if strings.Contains(line, id) {
					t.Errorf("instance %s, log line %d holds the whole room id %s…: %s", name, i+1, id[:8],
						strings.ReplaceAll(line, id, id[:8]+"[…]"))
				}
			}
		}
	}
	// The search found what it was meant to look through: lines that name
	// rooms (by prefix), from every part of the session above.
	require.Contains(t, logs["a"], one[:8])
	require.Contains(t, logs["b"], one[:8])
	for _, want := range []struct{ instance, msg string }{
		{"a", "connection open"},
		{"b", "connection open"},
		{"b", "error answered"},
		{"a", "storage unavailable; retrying"},
		{"a", "not ready"},
		{"b", "recording not started"},
	} {
		require.True(t, logged(t, logs[want.instance], want.msg), "instance %s logged no %q", want.instance, want.msg)
	}
	redisErrors := 0
	for _, msg := range []string{"fan-out publish", "cache write", "cache read", "fan-out subscribe"} {
		if logged(t, logs["a"], msg) {
			redisErrors++
		}
	}
	require.NotZero(t, redisErrors, "instance a logged no cache or fan-out error while Redis was cut off")
}

// roomIDShape matches what services.NewRoomID makes, 32 hex digits: so
// the search also finds rooms whose ids the test never learnt (the one
// created while the database was cut off).
var roomIDShape = regexp.MustCompile(`\b[0-9a-f]{32}\b`)

// logged reports whether a JSON log holds a line with message msg.
func logged(t *testing.T, log, msg string) bool {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg {
			return true
		}
	}
	return false
}

// call makes an HTTP request with a JSON body (none when body is "") and
// returns the status and the response body.
func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b.String()
}

// hostOf is the host:port of a URL.
func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Host
}

// badSocket joins the room over a WebSocket of its own and sends an
// operation that does not fit the document, then one that is not JSON,
// reading the errors they earn.
func badSocket(t *testing.T, addr, room string) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/rooms/"+room+"/ws?name=bad", nil)
	require.NoError(t, err)
	defer ws.Close()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(10*time.Second)))
	readUntil := func(typ string) {
		t.Helper()
		for {
			var m struct {
				Type string `json:"type"`
			}
			require.NoError(t, ws.ReadJSON(&m), "waiting for %s", typ)
			if m.Type == typ {
				return
			}
		}
	}
	readUntil("init")
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"op","revision":0,"op":[100000,"x"],"id":"misfit"}`)))
	readUntil("error")
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`not json`)))
	readUntil("error")
}
