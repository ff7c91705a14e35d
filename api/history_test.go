package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testserver"
)

// newHistoryRoom creates a room with content and commits the edits as
// REST operations, each on the head, and returns the edit and read-only ids.
func newHistoryRoom(t *testing.T, srv *api.Server, content string, edits ...[]any) (string, string) {
	t.Helper()
	status, room := call(t, srv, "POST", "/api/rooms", `{"content":`+jsonString(content)+`}`)
	require.Equal(t, http.StatusCreated, status)
	id := room["id"].(string)
	for i, op := range edits {
		status, ack := call(t, srv, "POST", "/api/rooms/"+id+"/ops", jsonOf(map[string]any{"revision": i, "op": op}))
		require.Equal(t, http.StatusOK, status, "%v", ack)
	}
	return id, room["readOnlyId"].(string)
}

func TestVersionsCreateListRename(t *testing.T) {
	srv := newAPI(t, api.Options{})
	id, ro := newHistoryRoom(t, srv, "a", []any{1, "b"}, []any{2, "c"})

	status, v1 := call(t, srv, "POST", "/api/rooms/"+id+"/versions", `{"name":"first","revision":1}`)
	require.Equal(t, http.StatusCreated, status, "%v", v1)
	require.Equal(t, "first", v1["name"])
	require.Equal(t, 1.0, v1["revision"])
	require.NotEmpty(t, v1["id"])
	require.NotEmpty(t, v1["createdAt"])
	require.NotContains(t, v1, "userId")

	status, v2 := call(t, srv, "POST", "/api/rooms/"+id+"/versions", `{"name":"head"}`)
	require.Equal(t, http.StatusCreated, status, "%v", v2)
	require.Equal(t, 2.0, v2["revision"], "no revision names the head")

	// Newest first, through either id.
	for _, rid := range []string{id, ro} {
		status, list := call(t, srv, "GET", "/api/rooms/"+rid+"/versions", "")
		require.Equal(t, http.StatusOK, status)
		vs := list["versions"].([]any)
		require.Len(t, vs, 2)
		require.Equal(t, v2["id"], vs[0].(map[string]any)["id"])
		require.Equal(t, v1["id"], vs[1].(map[string]any)["id"])
	}

	status, renamed := call(t, srv, "PATCH", "/api/rooms/"+id+"/versions/"+v1["id"].(string), `{"name":"renamed"}`)
	require.Equal(t, http.StatusOK, status, "%v", renamed)
	require.Equal(t, "renamed", renamed["name"])
	require.Equal(t, v1["revision"], renamed["revision"])
	_, list := call(t, srv, "GET", "/api/rooms/"+id+"/versions", "")
	require.Equal(t, "renamed", list["versions"].([]any)[1].(map[string]any)["name"])

	for _, tt := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/api/rooms/" + id + "/versions", `{"name":"x","revision":3}`, 400, "revision_out_of_range"},
		{"POST", "/api/rooms/" + id + "/versions", `{"name":"x","revision":-1}`, 400, "revision_out_of_range"},
		{"POST", "/api/rooms/" + id + "/versions", `{"name":"  "}`, 400, "bad_message"},
		{"POST", "/api/rooms/" + id + "/versions", `{}`, 400, "bad_message"},
		{"POST", "/api/rooms/" + id + "/versions", `{"name":"` + strings.Repeat("x", 201) + `"}`, 400, "bad_message"},
		{"POST", "/api/rooms/" + id + "/versions", `{"name":1}`, 400, "bad_message"},
		{"POST", "/api/rooms/" + id + "/versions", `[]`, 400, "bad_message"},
		{"POST", "/api/rooms/" + ro + "/versions", `{"name":"x"}`, 403, "forbidden"},
		{"PATCH", "/api/rooms/" + ro + "/versions/" + v1["id"].(string), `{"name":"x"}`, 403, "forbidden"},
		{"PATCH", "/api/rooms/" + id + "/versions/nosuchversion", `{"name":"x"}`, 404, "not_found"},
		{"PATCH", "/api/rooms/" + id + "/versions/" + v1["id"].(string), `{"name":""}`, 400, "bad_message"},
		{"GET", "/api/rooms/nosuchroomnosuchroom12/versions", "", 404, "not_found"},
	} {
		status, body := call(t, srv, tt.method, tt.path, tt.body)
		require.Equal(t, tt.status, status, "%s %s %s: %v", tt.method, tt.path, tt.body, body)
		require.Equal(t, tt.code, errorCode(body), "%s %s %s", tt.method, tt.path, tt.body)
	}
	_, list = call(t, srv, "GET", "/api/rooms/"+id+"/versions", "")
	require.Len(t, list["versions"], 2, "refused requests change nothing")
}

func TestRestoreCommitsOneForwardOpOnce(t *testing.T) {
	srv := newAPI(t, api.Options{})
	id, ro := newHistoryRoom(t, srv, "hello", []any{5, " world"}, []any{"¡", 11}, []any{1, -4, "ey", 7})
	_, room := call(t, srv, "GET", "/api/rooms/"+id, "")
	require.Equal(t, "¡eyo world", room["content"])

	status, ack := call(t, srv, "POST", "/api/rooms/"+id+"/restore", `{"revision":1,"id":"restore-1"}`)
	require.Equal(t, http.StatusOK, status, "%v", ack)
	require.Equal(t, 4.0, ack["revision"], "one forward operation")
	_, room = call(t, srv, "GET", "/api/rooms/"+id, "")
	require.Equal(t, "hello world", room["content"])
	require.Equal(t, 4.0, room["revision"])

	// The history is kept: revision 3 still reads as it was.
	_, old := call(t, srv, "GET", "/api/rooms/"+id+"?revision=3", "")
	require.Equal(t, "¡eyo world", old["content"])

	// Another edit moves the head; the same id resubmitted is answered
	// with its original ack and applies nothing.
	status, _ = call(t, srv, "POST", "/api/rooms/"+id+"/ops", `{"revision":4,"op":[11,"!"]}`)
	require.Equal(t, http.StatusOK, status)
	status, again := call(t, srv, "POST", "/api/rooms/"+id+"/restore", `{"revision":1,"id":"restore-1"}`)
	require.Equal(t, http.StatusOK, status, "%v", again)
	require.Equal(t, ack, again)
	_, room = call(t, srv, "GET", "/api/rooms/"+id, "")
	require.Equal(t, "hello world!", room["content"])
	require.Equal(t, 5.0, room["revision"])

	_, ops := call(t, srv, "GET", "/api/rooms/"+id+"/ops?from=3", "")
	restored := ops["ops"].([]any)[0].(map[string]any)
	require.Equal(t, "restore", restored["clientId"])

	for _, tt := range []struct {
		room, body string
		status     int
		code       string
	}{
		{ro, `{"revision":1,"id":"restore-2"}`, 403, "forbidden"},
		{id, `{"revision":2,"id":"restore-1"}`, 409, "conflict"}, // the id names another restore
		{id, `{"revision":9,"id":"restore-3"}`, 400, "revision_out_of_range"},
		{id, `{"revision":-1,"id":"restore-3"}`, 400, "revision_out_of_range"},
		{id, `{"id":"restore-3"}`, 400, "bad_message"},
		{id, `{"revision":1}`, 400, "bad_message"},
		{id, `{"revision":1,"id":""}`, 400, "bad_message"},
		{id, `{"revision":"1","id":"x"}`, 400, "bad_message"},
		{"nosuchroomnosuchroom12", `{"revision":1,"id":"x"}`, 404, "not_found"},
	} {
		status, body := call(t, srv, "POST", "/api/rooms/"+tt.room+"/restore", tt.body)
		require.Equal(t, tt.status, status, "%s: %v", tt.body, body)
		require.Equal(t, tt.code, errorCode(body), tt.body)
	}
	_, room = call(t, srv, "GET", "/api/rooms/"+id, "")
	require.Equal(t, 5.0, room["revision"], "refused restores change nothing")

	// Restoring the head's own content is a revision whose operation only
	// retains, as docs/protocol.md says.
	status, same := call(t, srv, "POST", "/api/rooms/"+id+"/restore", `{"revision":5,"id":"restore-head"}`)
	require.Equal(t, http.StatusOK, status, "%v", same)
	require.Equal(t, 6.0, same["revision"])
	require.Equal(t, []any{12.0}, same["op"])
	_, room = call(t, srv, "GET", "/api/rooms/"+id, "")
	require.Equal(t, "hello world!", room["content"])
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func jsonString(s string) string { return jsonOf(s) }

// A restore reaches every member as an ordinary op, and its resubmission
// while members watch adds nothing.
func TestRestoreReachesMembersAsAnOp(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := createRoom(t, srv.URL, "one").str("id")
	a := dial(t, srv.URL, id, "ann")
	a.send(msg{"type": "op", "revision": 0, "op": []any{3, " two"}, "id": "a-1"})
	require.Equal(t, 1, a.readType("ack").num("revision"))

	for range 2 {
		resp, err := http.Post(srv.URL+"/api/rooms/"+id+"/restore", "application/json", strings.NewReader(`{"revision":0,"id":"r-1"}`))
		require.NoError(t, err)
		var ack map[string]any
		require.NoError(t, jsonDecode(resp, &ack))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", ack)
		require.Equal(t, 2.0, ack["revision"])
	}
	op := a.readType("op")
	require.Equal(t, 2, op.num("revision"))
	require.Equal(t, "restore", op.str("clientId"))
	require.Equal(t, []any{3.0, -4.0}, op["op"])
	a.send(msg{"type": "op", "revision": 2, "op": []any{"!", 3}, "id": "a-2"})
	require.Equal(t, 3, a.readType("ack").num("revision"), "the resubmitted restore made no revision")
	room := getJSON(t, srv.URL+"/api/rooms/"+id, 200)
	require.Equal(t, "!one", room["content"])
}

func TestBlame(t *testing.T) {
	srv := newAPI(t, api.Options{})
	id, ro := newHistoryRoom(t, srv, "hello", []any{5, " 😀world"}, []any{"> ", 13}, []any{2, -5, "HEY", 8})
	span := func(start, end, rev int, client string) map[string]any {
		return map[string]any{"start": float64(start), "end": float64(end), "revision": float64(rev), "clientId": client}
	}
	_, ops := call(t, srv, "GET", "/api/rooms/"+id+"/ops", "")
	client := func(i int) string { return ops["ops"].([]any)[i].(map[string]any)["clientId"].(string) }

	status, head := call(t, srv, "GET", "/api/rooms/"+ro+"/blame", "")
	require.Equal(t, http.StatusOK, status, "%v", head)
	// "> HEY 😀world": "> " by 2, "HEY" by 3, " 😀world" by 1.
	require.Equal(t, map[string]any{"revision": 3.0, "spans": []any{
		span(0, 2, 2, client(1)), span(2, 5, 3, client(2)), span(5, 13, 1, client(0)),
	}}, head)

	status, old := call(t, srv, "GET", "/api/rooms/"+id+"/blame?revision=1", "")
	require.Equal(t, http.StatusOK, status, "%v", old)
	require.Equal(t, map[string]any{"revision": 1.0, "spans": []any{span(0, 5, 0, ""), span(5, 13, 1, client(0))}}, old)

	for _, q := range []string{"?revision=4", "?revision=-1", "?revision=x"} {
		status, body := call(t, srv, "GET", "/api/rooms/"+id+"/blame"+q, "")
		require.Equal(t, http.StatusBadRequest, status, q)
		require.Contains(t, []string{"revision_out_of_range", "bad_message"}, errorCode(body), q)
	}
	status, body := call(t, srv, "GET", "/api/rooms/nosuchroomnosuchroom12/blame", "")
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "not_found", errorCode(body))
}
