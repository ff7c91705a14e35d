package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
	"github.com/tandem-editor/tandem/services/autocomplete"
)

// newAPI builds a server (no listener) for requests through App().Test;
// the room service is closed in t.Cleanup.
func newAPI(t *testing.T, o api.Options) *api.Server {
	t.Helper()
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Rooms == nil {
		o.Rooms = services.NewRooms(memory.NewStore(), nil, services.DefaultConfig(), o.Log, nil)
		t.Cleanup(func() { o.Rooms.Close(context.Background()) })
	}
	if o.Completer == nil {
		o.Completer = autocomplete.NewRules()
	}
	if o.Limits == (api.Limits{}) {
		o.Limits = api.DefaultLimits()
	}
	return api.New(o)
}

// call sends one request through the app and returns the status and the
// decoded JSON body.
func call(t *testing.T, srv *api.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.App().Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v), "body %q", b)
	return resp.StatusCode, v
}

// errorCode is the code of a REST error body.
func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

type panickingCompleter struct{}

func (panickingCompleter) Complete(context.Context, autocomplete.Request) ([]autocomplete.Suggestion, error) {
	panic("completer bug: secret detail")
}

// A panic in a REST handler is answered with 500 and the contract's
// internal error, logged with its detail, and the server goes on.
func TestPanicInHandlerIsAnInternalError(t *testing.T) {
	var logs testenv.LogBuffer
	srv := newAPI(t, api.Options{Completer: panickingCompleter{}, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	status, body := call(t, srv, "POST", "/api/autocomplete", `{"language":"go","content":"x","offset":1}`)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, map[string]any{"error": map[string]any{"code": "internal", "message": "internal error"}}, body)
	require.Contains(t, logs.String(), "completer bug: secret detail")
	require.Contains(t, logs.String(), "/api/autocomplete")

	status, _ = call(t, srv, "GET", "/healthz", "")
	require.Equal(t, http.StatusOK, status)
}

// /readyz names the dependency that is down and nothing more; the error's
// detail (hosts, users) goes to the log.
func TestReadyzNamesTheFailingDependencyWithoutItsError(t *testing.T) {
	var logs testenv.LogBuffer
	secret := `dial tcp 10.1.2.3:5432: password authentication failed for user "tandem_admin"`
	ok := func(context.Context) error { return nil }
	srv := newAPI(t, api.Options{Log: slog.New(slog.NewTextHandler(&logs, nil)), Ready: []api.ReadyCheck{
		{Name: "database", Check: func(context.Context) error { return errors.New(secret) }},
		{Name: "cache", Check: ok},
	}})
	status, body := call(t, srv, "GET", "/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, map[string]any{"status": "unavailable", "failing": []any{"database"}}, body)
	require.Contains(t, logs.String(), "10.1.2.3")

	srv = newAPI(t, api.Options{Ready: []api.ReadyCheck{{Name: "database", Check: ok}, {Name: "cache", Check: ok}}})
	status, body = call(t, srv, "GET", "/readyz", "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, map[string]any{"status": "ready"}, body)
}

// Strings in REST bodies must be valid text: encoding/json would turn a
// lone surrogate or invalid UTF-8 into U+FFFD and store that silently.
func TestRESTBodyStringsMustBeValidText(t *testing.T) {
	srv := newAPI(t, api.Options{})
	status, room := call(t, srv, "POST", "/api/rooms", `{"content":"ab"}`)
	require.Equal(t, http.StatusCreated, status)
	id := room["id"].(string)
	cases := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string
	}{
		{"lone high surrogate in content", "POST", "/api/rooms", `{"content":"a\ud800b"}`, 400, "bad_message"},
		{"lone low surrogate in name", "POST", "/api/rooms", `{"name":"\udc00"}`, 400, "bad_message"},
		{"high surrogate then not a low one", "POST", "/api/rooms", `{"content":"\ud800\u0041"}`, 400, "bad_message"},
		{"high surrogate at the end", "POST", "/api/rooms", `{"content":"x\ud83d"}`, 400, "bad_message"},
		{"invalid UTF-8 in content", "POST", "/api/rooms", "{\"content\":\"a\xffb\"}", 400, "bad_message"},
		{"lone surrogate in a rename", "PATCH", "/api/rooms/" + id, `{"name":"x\ud800"}`, 400, "bad_message"},
		{"lone surrogate in a language", "PATCH", "/api/rooms/" + id, `{"language":"\ud800"}`, 400, "bad_message"},
		{"lone surrogate in autocomplete content", "POST", "/api/autocomplete", `{"language":"go","content":"\ud800","offset":0}`, 400, "bad_message"},
		{"name not a string", "POST", "/api/rooms", `{"name":5}`, 400, "bad_message"},
		{"a pair is one character", "POST", "/api/rooms", `{"name":"\ud83d\ude00","content":"\ud83d\ude00\\\"\n"}`, 201, ""},
		{"an escaped backslash before u starts no escape", "POST", "/api/rooms", `{"name":"\\ud800"}`, 201, ""},
		{"null fields are absent", "POST", "/api/rooms", `{"name":null,"content":null}`, 201, ""},
		{"lone surrogate in an operation stays invalid_op", "POST", "/api/rooms/" + id + "/ops", `{"revision":0,"op":[2,"\ud800"]}`, 400, "invalid_op"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, srv, tc.method, tc.path, tc.body)
			require.Equal(t, tc.wantStatus, status, "%v", body)
			require.Equal(t, tc.wantCode, errorCode(body))
		})
	}
	_, got := call(t, srv, "POST", "/api/rooms", `{"name":"\ud83d\ude00","content":"\ud83d\ude00\\\"\n"}`)
	require.Equal(t, "😀", got["name"])
	require.Equal(t, "😀\\\"\n", got["content"])
}

// Room names refuse control and bidirectional formatting characters,
// which let a name display as another; right-to-left letters are fine.
func TestRoomNamesRefuseControlAndBidiCharacters(t *testing.T) {
	srv := newAPI(t, api.Options{})
	status, room := call(t, srv, "POST", "/api/rooms", `{"name":"notes"}`)
	require.Equal(t, http.StatusCreated, status)
	id := room["id"].(string)
	for _, name := range []string{`gnp.\u202eexe`, `a\u2066b\u2069`, `bell\u0007`, `two\nlines`, `c1\u0085`, `mark\u200f`} {
		t.Run(name, func(t *testing.T) {
			status, body := call(t, srv, "POST", "/api/rooms", `{"name":"`+name+`"}`)
			require.Equal(t, http.StatusBadRequest, status)
			require.Equal(t, "bad_message", errorCode(body))
			status, body = call(t, srv, "PATCH", "/api/rooms/"+id, `{"name":"`+name+`"}`)
			require.Equal(t, http.StatusBadRequest, status)
			require.Equal(t, "bad_message", errorCode(body))
		})
	}
	status, body := call(t, srv, "PATCH", "/api/rooms/"+id, `{"name":"שלום 👩‍💻"}`)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "שלום 👩‍💻", body["name"])
}
