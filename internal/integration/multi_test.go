package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
)

// startInstances runs n server processes on one PostgreSQL schema and one
// Redis key prefix (instances that may serve the same rooms), with extra
// flags.
func startInstances(t *testing.T, n int, extra ...string) []*testserver.Process {
	t.Helper()
	args := instanceArgs(t, extra...)
	procs := make([]*testserver.Process, n)
	for i := range procs {
		procs[i] = testserver.StartProcess(t, testserver.FreeAddr(t), args...)
	}
	return procs
}

// instanceArgs are the flags of an instance of the test's cluster: its
// PostgreSQL schema and Redis key prefix, then extra.
func instanceArgs(t *testing.T, extra ...string) []string {
	t.Helper()
	return append([]string{
		"--data-dir", t.TempDir(),
		"--database-url", testenv.PostgresURL(t),
		"--redis-url", testenv.RedisURL(t),
		"--redis-prefix", testenv.RedisPrefix(t),
	}, extra...)
}

// withRedis is args with another --redis-url.
func withRedis(args []string, url string) []string {
	out := slices.Clone(args)
	for i := range out {
		if out[i] == "--redis-url" {
			out[i+1] = url
		}
	}
	return out
}

// Clients of one room spread over three instances edit concurrently and
// converge on one contiguous history. Then one instance is killed (kill -9)
// while they type: its clients, behind a load balancer, reconnect to the
// other two by themselves, and again everything converges and every
// acknowledged revision is kept.
func TestThreeInstancesOneRoom(t *testing.T) {
	procs := startInstances(t, 3)
	roomID := createRoom(t, procs[0].URL)
	var stats clientStats
	var typists []*typist
	var routes []*testenv.Proxy
	for i := range 6 {
		lb := testenv.NewProxy(t, procs[i%3].Addr)
		routes = append(routes, lb)
		typists = append(typists, newTypist(t, "http://"+lb.Addr(), roomID, fmt.Sprint("typist", i), &stats))
	}

	typeTogether(typists, 1500*time.Millisecond, 1)
	settle(t, procs, roomID, typists)
	checkConverged(t, procs[1].URL, roomID, initialText, typists)

	done := make(chan struct{})
	go func() {
		defer close(done)
		typeTogether(typists, 2*time.Second, 100)
	}()
	time.Sleep(800 * time.Millisecond)
	for i, lb := range routes {
		if i%3 == 2 {
			lb.Route(procs[i%2].Addr)
		}
	}
	procs[2].Kill()
	<-done
	typeTogether(typists, 300*time.Millisecond, 200)
	settle(t, procs[:2], roomID, typists)
	checkConverged(t, procs[0].URL, roomID, initialText, typists)

	t.Logf("clients: %d reconnects, %d resyncs, errors %v", stats.reconnects.Load(), stats.resyncs.Load(), stats.errorCodes())
	for i, p := range procs {
		t.Logf("instance %d: %d lost commit races (group commit failed)", i, strings.Count(p.Log(), "group commit failed"))
	}
	require.Zero(t, stats.resyncs.Load(), "a client had to drop its pending edits and resync")
}

// settle waits until the typists have nothing pending and every instance
// and every typist is at the same revision. checkConverged reads the room
// from one instance, which may not have applied the newest revisions yet
// (fan-out is asynchronous).
func settle(t *testing.T, procs []*testserver.Process, roomID string, typists []*typist) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, ty := range typists {
		require.NoError(t, ty.c.WaitSynced(ctx), "client did not synchronise")
	}
	var revs []int
	for ctx.Err() == nil {
		revs = revs[:0]
		for _, p := range procs {
			room, err := client.NewREST(p.URL).Room(ctx, roomID)
			require.NoError(t, err)
			revs = append(revs, room.Revision)
		}
		for _, ty := range typists {
			revs = append(revs, ty.c.Revision())
		}
		if slices.Min(revs) == slices.Max(revs) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("instances and typists did not reach one revision: %v", revs)
}

// clientStats counts what typists went through.
type clientStats struct {
	reconnects, resyncs atomic.Int64
	mu                  sync.Mutex
	errors              map[string]int
}

func (s *clientStats) error(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errors == nil {
		s.errors = map[string]int{}
	}
	s.errors[code]++
}

func (s *clientStats) errorCodes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errors
}

// count counts ev if it is a reconnect, a resync or an error.
func (s *clientStats) count(ev client.Event) {
	switch {
	case ev.Kind == client.EventState && ev.State == client.Connecting:
		s.reconnects.Add(1)
	case ev.Kind == client.EventResync:
		s.resyncs.Add(1)
	case ev.Kind == client.EventError:
		s.error(client.ErrorCode(ev.Err))
	}
}

// A rename and a language change through one instance are served at once
// by another instance that has the room loaded (not only once it unloads
// the room, a minute later).
func TestMetadataChangeReachesOtherInstances(t *testing.T) {
	procs := startInstances(t, 2)
	roomID := createRoom(t, procs[0].URL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	other := client.NewREST(procs[1].URL)
	before, err := other.Room(ctx, roomID) // loads the room there
	require.NoError(t, err)
	name, lang := "renamed", "rust"
	changed, err := client.NewREST(procs[0].URL).UpdateRoom(ctx, roomID, client.RoomChange{Name: &name, Language: &lang})
	require.NoError(t, err)
	require.Equal(t, name, changed.Name)
	require.NotEqual(t, before.Name, changed.Name)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := other.Room(ctx, roomID)
		require.NoError(t, err)
		if got.Name == name && got.Language == lang && got.UpdatedAt.Equal(changed.UpdatedAt) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other instance still serves %q in %q, 5s after the change to %q in %q", got.Name, got.Language, name, lang)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
