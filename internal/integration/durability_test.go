package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
)

const initialText = "package main\n\nfunc main() {}\n"

func createRoom(t *testing.T, baseURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	room, err := client.NewREST(baseURL).CreateRoom(ctx, client.NewRoom{Name: "durable", Language: "go", Content: initialText})
	require.NoError(t, err)
	return room.ID
}

func startTypists(t *testing.T, baseURL, roomID string, n int) []*typist {
	typists := make([]*typist, n)
	for i := range typists {
		typists[i] = newTypist(t, baseURL, roomID, fmt.Sprint("typist", i), nil)
	}
	return typists
}

// kill -9 during heavy editing, then a restart: every acknowledged operation
// is there, revisions are contiguous, and clients reconnect and converge.
func TestKillDuringEditingLosesNothingAcknowledged(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			args := []string{"--data-dir", t.TempDir()}
			if backend == "postgres" {
				args = append(args, "--database-url", testenv.PostgresURL(t))
			}
			addr := testserver.FreeAddr(t)
			p := testserver.StartProcess(t, addr, args...)
			roomID := createRoom(t, p.URL)
			typists := startTypists(t, p.URL, roomID, 4)

			done := make(chan struct{})
			go func() {
				defer close(done)
				typeTogether(typists, 1500*time.Millisecond, 1)
			}()
			time.Sleep(700 * time.Millisecond)
			p.Kill()
			time.Sleep(100 * time.Millisecond)
			p = testserver.StartProcess(t, addr, args...)
			<-done
			typeTogether(typists, 300*time.Millisecond, 100)
			checkConverged(t, p.URL, roomID, initialText, typists)
		})
	}
}

// PostgreSQL cut off mid-session: operations are answered unavailable (the
// client keeps them and resubmits), readiness fails, and service resumes by
// itself when the database is back.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	proxy := testenv.NewProxy(t, "127.0.0.1:5432")
	p := testserver.StartProcess(t, testserver.FreeAddr(t), "--data-dir", t.TempDir(),
		"--database-url", replaceHost(t, dbURL, proxy.Addr()))
	roomID := createRoom(t, p.URL)
	typists := startTypists(t, p.URL, roomID, 3)
	typeTogether(typists, 300*time.Millisecond, 1)

	proxy.Cut()
	typeTogether(typists, 500*time.Millisecond, 2)
	resp, err := http.Get(p.URL + "/readyz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	for _, ty := range typists {
		_, _, pending := ty.c.Snapshot()
		require.True(t, pending, "edits made during the outage must be pending")
	}

	proxy.Restore()
	typeTogether(typists, 300*time.Millisecond, 3)
	checkConverged(t, p.URL, roomID, initialText, typists)
	// Room ids are capabilities: the outage's log lines name rooms by a prefix.
	require.Contains(t, p.Log(), roomID[:8])
	require.NotContains(t, p.Log(), roomID)
}

// Redis stopped (cut off) and back mid-session: editing and joining go on,
// served from the database; the cache is used again afterwards.
func TestRedisOutageMidSession(t *testing.T) {
	testenv.RedisURL(t)
	proxy := testenv.NewProxy(t, "127.0.0.1:6379")
	p := testserver.StartProcess(t, testserver.FreeAddr(t), "--data-dir", t.TempDir(),
		"--redis-url", "redis://"+proxy.Addr()+"/0", "--room-idle-timeout", "200ms")
	roomID := createRoom(t, p.URL)
	typists := startTypists(t, p.URL, roomID, 3)
	typeTogether(typists, 300*time.Millisecond, 1)

	proxy.Cut()
	typeTogether(typists, 400*time.Millisecond, 2)
	late := newTypist(t, p.URL, roomID, "late", nil)
	typists = append(typists, late)
	typeTogether(typists, 300*time.Millisecond, 3)
	checkConverged(t, p.URL, roomID, initialText, typists)

	// Unload the room, load it again (cache down: from the database).
	for _, ty := range typists {
		_ = ty.c.Close()
	}
	time.Sleep(600 * time.Millisecond)
	proxy.Restore()
	again := startTypists(t, p.URL, roomID, 2)
	typeTogether(again, 300*time.Millisecond, 4)
	content := checkConverged(t, p.URL, roomID, initialText, again)
	require.NotEmpty(t, content)
}

// SIGTERM during editing: the server finishes the commits in flight, closes
// every socket with a going-away close frame, and after a restart the
// clients converge with nothing acknowledged lost.
func TestGracefulShutdownDuringEditing(t *testing.T) {
	args := []string{"--data-dir", t.TempDir()}
	addr := testserver.FreeAddr(t)
	p := testserver.StartProcess(t, addr, args...)
	roomID := createRoom(t, p.URL)
	typists := startTypists(t, p.URL, roomID, 3)
	watcher, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/rooms/"+roomID+"/ws?name=watcher", nil)
	require.NoError(t, err)
	defer watcher.Close()
	closed := make(chan error, 1)
	go func() {
		for {
			_ = watcher.SetReadDeadline(time.Now().Add(20 * time.Second))
			if _, _, err := watcher.ReadMessage(); err != nil {
				closed <- err
				return
			}
		}
	}()

	done := make(chan struct{})
	go func() {
		defer close(done)
		typeTogether(typists, time.Second, 9)
	}()
	time.Sleep(500 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	stopping := time.Now()
	require.NoError(t, p.Stop(ctx))
	t.Logf("graceful stop took %v", time.Since(stopping).Round(time.Millisecond))
	var ce *websocket.CloseError
	require.ErrorAs(t, <-closed, &ce)
	require.Equal(t, websocket.CloseGoingAway, ce.Code)

	p = testserver.StartProcess(t, addr, args...)
	<-done
	checkConverged(t, p.URL, roomID, initialText, typists)
}
