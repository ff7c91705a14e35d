package integration

import (
	"context"
	"fmt"
	"io"
	"net"
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
// Redis key prefix: instances that may serve the same rooms.
func startInstances(t *testing.T, n int) []*testserver.Process {
	t.Helper()
	args := []string{
		"--data-dir", t.TempDir(),
		"--database-url", testenv.PostgresURL(t),
		"--redis-url", testenv.RedisURL(t),
		"--redis-prefix", testenv.RedisPrefix(t),
	}
	procs := make([]*testserver.Process, n)
	for i := range procs {
		procs[i] = testserver.StartProcess(t, testserver.FreeAddr(t), args...)
	}
	return procs
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
	var routes []*balancer
	for i := range 6 {
		lb := newBalancer(t, procs[i%3].Addr)
		routes = append(routes, lb)
		typists = append(typists, newCountingTypist(t, "http://"+lb.Addr(), roomID, fmt.Sprint("typist", i), &stats))
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

// newCountingTypist is newTypist that also counts reconnects, resyncs and
// errors into stats.
func newCountingTypist(t *testing.T, baseURL, roomID, name string, stats *clientStats) *typist {
	t.Helper()
	ty := &typist{acked: map[int]bool{}, ids: map[string]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	ty.c, err = client.Dial(ctx, baseURL, roomID, client.Options{
		Name: name, MinBackoff: 20 * time.Millisecond, MaxBackoff: 300 * time.Millisecond,
		OnEvent: func(ev client.Event) {
			ty.mu.Lock()
			defer ty.mu.Unlock()
			switch {
			case ev.Kind == client.EventAck:
				ty.acked[ev.Revision] = true
			case ev.Kind == client.EventState && ev.State == client.Connected:
				ty.ids[ty.c.ClientID()] = true
			case ev.Kind == client.EventState && ev.State == client.Connecting:
				stats.reconnects.Add(1)
			case ev.Kind == client.EventResync:
				stats.resyncs.Add(1)
			case ev.Kind == client.EventError:
				stats.error(client.ErrorCode(ev.Err))
			}
		},
	})
	require.NoError(t, err)
	ty.mu.Lock()
	ty.ids[ty.c.ClientID()] = true
	ty.mu.Unlock()
	t.Cleanup(func() { _ = ty.c.Close() })
	return ty
}

// balancer is a TCP load balancer's view for one client: new connections go
// to the backend of the moment, so a client whose instance died reconnects,
// at the same address, to the one Route names.
type balancer struct {
	ln      net.Listener
	backend atomic.Value // string
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]bool
}

func newBalancer(t *testing.T, backend string) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b := &balancer{ln: ln, conns: map[net.Conn]bool{}}
	b.backend.Store(backend)
	b.wg.Add(1)
	go b.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		b.mu.Lock()
		for c := range b.conns {
			_ = c.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return b
}

// Addr is the balancer's "host:port".
func (b *balancer) Addr() string { return b.ln.Addr().String() }

// Route sends new connections to backend ("host:port").
func (b *balancer) Route(backend string) { b.backend.Store(backend) }

func (b *balancer) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", b.backend.Load().(string))
		if err != nil {
			_ = c.Close()
			continue
		}
		b.mu.Lock()
		b.conns[c], b.conns[up] = true, true
		b.mu.Unlock()
		b.wg.Add(2)
		go b.pipe(c, up)
		go b.pipe(up, c)
	}
}

func (b *balancer) pipe(dst, src net.Conn) {
	defer b.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	b.mu.Lock()
	delete(b.conns, dst)
	delete(b.conns, src)
	b.mu.Unlock()
}
