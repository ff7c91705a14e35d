package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// settableClock is wall-clock timers with a Now the test moves.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *settableClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func (c *settableClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// The REST answers before a room's retention horizon: 400
// revision_out_of_range naming it; a pinned version, the horizon itself and
// a restore's resubmission still answer.
func TestRetentionAnswers(t *testing.T) {
	clock := &settableClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cfg := services.DefaultConfig()
	cfg.Clock = clock
	cfg.Retention = services.RetentionConfig{RetainOps: time.Hour, Every: 48 * time.Hour}
	store := memory.NewStore()
	rooms := services.NewRooms(store, nil, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	t.Cleanup(func() { rooms.Close(context.Background()) })
	srv := newAPI(t, api.Options{Rooms: rooms})

	status, room := call(t, srv, "POST", "/api/rooms", `{"content":"hello"}`)
	require.Equal(t, http.StatusCreated, status)
	id, ro := room["id"].(string), room["readOnlyId"].(string)
	post := func(rev int, op []any, opID string) (int, map[string]any) {
		return call(t, srv, "POST", "/api/rooms/"+id+"/ops", jsonOf(map[string]any{"revision": rev, "op": op, "id": opID}))
	}
	for i, l := range []string{"a", "b", "c"} {
		status, ack := post(i, []any{5 + i, l}, "op-"+l)
		require.Equal(t, http.StatusOK, status, "%v", ack)
	}
	status, v := call(t, srv, "POST", "/api/rooms/"+id+"/versions", `{"name":"one","revision":1}`)
	require.Equal(t, http.StatusCreated, status, "%v", v)
	status, ack := call(t, srv, "POST", "/api/rooms/"+id+"/restore", `{"revision":1,"id":"restore-1"}`)
	require.Equal(t, http.StatusOK, status, "%v", ack)
	require.Equal(t, 4.0, ack["revision"])
	clock.advance(2 * time.Hour)
	status, ack = post(4, []any{6, "z"}, "op-z")
	require.Equal(t, http.StatusOK, status, "%v", ack)
	n, err := rooms.Compact(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)

	for _, path := range []string{
		"/api/rooms/" + id + "?revision=2",
		"/api/rooms/" + ro + "?revision=0",
		"/api/rooms/" + id + "/blame?revision=3",
		"/api/rooms/" + id + "/ops?from=1",
	} {
		status, body := call(t, srv, "GET", path, "")
		require.Equal(t, http.StatusBadRequest, status, "%s: %v", path, body)
		require.Equal(t, "revision_out_of_range", errorCode(body), path)
		require.Contains(t, body["error"].(map[string]any)["message"], "retention horizon 4", path)
	}
	for path, content := range map[string]string{"?revision=1": "helloa", "?revision=4": "helloa", "": "helloaz"} {
		status, body := call(t, srv, "GET", "/api/rooms/"+id+path, "")
		require.Equal(t, http.StatusOK, status, "%s: %v", path, body)
		require.Equal(t, content, body["content"], path)
	}
	status, blame := call(t, srv, "GET", "/api/rooms/"+id+"/blame", "")
	require.Equal(t, http.StatusOK, status, "%v", blame)
	require.Equal(t, []any{
		map[string]any{"start": 0.0, "end": 6.0, "revision": 4.0, "clientId": ""},
		map[string]any{"start": 6.0, "end": 7.0, "revision": 5.0, "clientId": blame["spans"].([]any)[1].(map[string]any)["clientId"]},
	}, blame["spans"])
	status, page := call(t, srv, "GET", "/api/rooms/"+id+"/ops?from=4", "")
	require.Equal(t, http.StatusOK, status, "%v", page)

	// Resubmissions: a compacted op that the room's window still holds is
	// answered with its original ack (api's rooms keep 1000 in memory);
	// the restore too, from its kept row.
	status, body := post(1, []any{6, "b"}, "op-b")
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, 2.0, body["revision"], "the original ack")
	status, ack = call(t, srv, "POST", "/api/rooms/"+id+"/restore", `{"revision":1,"id":"restore-1"}`)
	require.Equal(t, http.StatusOK, status, "%v", ack)
	require.Equal(t, 4.0, ack["revision"], "the original restore")
	// Reloaded (another instance, a restart), the room has no window
	// below its head: the compacted op is refused.
	fresh := services.NewRooms(store, nil, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	t.Cleanup(func() { fresh.Close(context.Background()) })
	other := newAPI(t, api.Options{Rooms: fresh})
	status, body = call(t, other, "POST", "/api/rooms/"+id+"/ops", jsonOf(map[string]any{"revision": 1, "op": []any{6, "b"}, "id": "op-b"}))
	require.Equal(t, http.StatusBadRequest, status, "%v", body)
	require.Equal(t, "revision_out_of_range", errorCode(body))
	require.Contains(t, body["error"].(map[string]any)["message"], "may be committed")
	status, ack = call(t, other, "POST", "/api/rooms/"+id+"/restore", `{"revision":1,"id":"restore-1"}`)
	require.Equal(t, http.StatusOK, status, "%v", ack)
	require.Equal(t, 4.0, ack["revision"], "the original restore")
	status, body = call(t, srv, "POST", "/api/rooms/"+id+"/versions", `{"name":"two","revision":2}`)
	require.Equal(t, http.StatusBadRequest, status, "%v", body)
	require.Equal(t, "revision_out_of_range", errorCode(body))
	_, room = call(t, srv, "GET", "/api/rooms/"+id, "")
	require.Equal(t, 5.0, room["revision"], "refused requests change nothing")
	require.Equal(t, "helloaz", room["content"])
}
