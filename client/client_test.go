package client_test

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

func newRoom(t *testing.T, base, content string) string {
	t.Helper()
	room, err := client.NewREST(base).CreateRoom(context.Background(), client.NewRoom{Name: "test", Language: "go", Content: content})
	require.NoError(t, err)
	return room.ID
}

func dial(t *testing.T, base, roomID string, opts client.Options) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if opts.MinBackoff == 0 {
		opts.MinBackoff, opts.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	}
	c, err := client.Dial(ctx, base, roomID, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// randomEdit makes a small random edit (ASCII inserts and deletes).
func randomEdit(r *rand.Rand) func(doc string) (ot.Operation, *ot.Selection, error) {
	kind, frac, n := r.IntN(3), r.Float64(), 1+r.IntN(3)
	text := string(rune('a' + r.IntN(26)))
	return func(doc string) (ot.Operation, *ot.Selection, error) {
		var op ot.Operation
		l := ot.UTF16Len(doc)
		pos := int(frac * float64(l))
		if kind == 0 && l > 0 {
			n = min(n, l-pos)
			if n == 0 {
				pos, n = l-1, 1
			}
			op.Retain(pos).Delete(n).Retain(l - pos - n)
			return op, nil, op.Err()
		}
		op.Retain(pos).Insert(text).Retain(l - pos)
		return op, nil, op.Err()
	}
}

// requireConverged waits for every client to be synced and checks that all
// hold the server's content at the server's revision.
func requireConverged(t *testing.T, base, roomID string, clients ...*client.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i, c := range clients {
		require.NoError(t, c.WaitSynced(ctx), "client %d", i)
	}
	// Nothing is pending anywhere now: the server's head is final.
	room, err := client.NewREST(base).Room(ctx, roomID)
	require.NoError(t, err)
	for i, c := range clients {
		require.NoError(t, c.WaitRevision(ctx, room.Revision), "client %d", i)
	}
	for i, c := range clients {
		content, rev, pending := c.Snapshot()
		require.False(t, pending, "client %d", i)
		require.Equal(t, room.Revision, rev, "client %d revision", i)
		require.Equal(t, room.Content, content, "client %d content", i)
	}
	return room.Content
}

func TestClientEditsAreAckedAndBroadcast(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := newRoom(t, srv.URL, "héllo 😀")
	var remote []client.Event
	var mu sync.Mutex
	a := dial(t, srv.URL, id, client.Options{Name: "ann"})
	b := dial(t, srv.URL, id, client.Options{Name: "bob", OnEvent: func(ev client.Event) {
		if ev.Kind == client.EventRemoteOp {
			mu.Lock()
			remote = append(remote, ev)
			mu.Unlock()
		}
	}})
	require.Equal(t, "héllo 😀", b.Content())
	require.NoError(t, a.Insert(8, "!"))
	require.Equal(t, "héllo 😀!", a.Content())
	require.Equal(t, "héllo 😀!", requireConverged(t, srv.URL, id, a, b))
	// The event reaches OnEvent after b's document has changed: wait for
	// it (and never fail holding mu, which OnEvent needs).
	got := func() []client.Event {
		mu.Lock()
		defer mu.Unlock()
		return append([]client.Event(nil), remote...)
	}
	require.Eventually(t, func() bool { return len(got()) >= 1 }, 5*time.Second, time.Millisecond)
	events := got()
	require.Len(t, events, 1)
	require.Equal(t, 1, events[0].Revision)
	require.Equal(t, a.ClientID(), events[0].ClientID)
}

func TestClientsConvergeUnderConcurrentEdits(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := newRoom(t, srv.URL, "package main\n")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	clients := make([]*client.Client, 4)
	for i := range clients {
		clients[i] = dial(t, srv.URL, id, client.Options{})
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			for range 60 {
				require.NoError(t, c.EditFunc(randomEdit(r)))
				if r.IntN(4) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	requireConverged(t, srv.URL, id, clients...)
}

func TestPresenceAndRemoteSelections(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := newRoom(t, srv.URL, "abcdef")
	a := dial(t, srv.URL, id, client.Options{Name: "ann", EventBuffer: 64})
	b := dial(t, srv.URL, id, client.Options{Name: "bob"})
	ev := waitEvent(t, a, client.EventJoin)
	require.Equal(t, b.ClientID(), ev.ClientID)
	require.Equal(t, "bob", ev.Name)

	require.NoError(t, b.Select(&ot.Selection{Ranges: []ot.Range{{Anchor: 4, Head: 4}}}))
	ev = waitEvent(t, a, client.EventSelection)
	require.Equal(t, []ot.Range{{Anchor: 4, Head: 4}}, ev.Selection.Ranges)

	// A local insert before bob's cursor moves it.
	require.NoError(t, a.Insert(0, "xy"))
	requireConverged(t, srv.URL, id, a, b)
	peers := a.Peers()
	require.Len(t, peers, 1)
	require.Equal(t, []ot.Range{{Anchor: 6, Head: 6}}, peers[0].Selection.Ranges)

	require.NoError(t, b.Close())
	ev = waitEvent(t, a, client.EventLeave)
	require.Equal(t, "bob", ev.Name)
	require.Empty(t, a.Peers())
}

func waitEvent(t *testing.T, c *client.Client, kind client.EventKind) client.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-c.Events():
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %v event", kind)
		}
	}
}

func TestDialUnknownRoomFails(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	_, err := client.Dial(context.Background(), srv.URL, "0123456789abcdef0123456789abcdef", client.Options{})
	require.Error(t, err)
	require.Equal(t, "not_found", client.ErrorCode(err))
}

// A room id is a capability: the client's errors, which end up in logs and
// bug reports, name a room by its first 8 characters only, whether the
// server refused (WebSocket, REST) or could not be reached.
func TestErrorsHoldNoWholeRoomID(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	_, dialErr := client.Dial(ctx, srv.URL, id, client.Options{})
	_, restErr := (&client.REST{BaseURL: srv.URL}).Ops(ctx, id, 0, 10)
	_, downErr := (&client.REST{BaseURL: "http://127.0.0.1:1"}).Room(ctx, id)
	for _, err := range []error{dialErr, restErr, downErr} {
		require.Error(t, err)
		require.NotContains(t, err.Error(), id)
		require.Contains(t, err.Error(), "01234567…")
	}
	require.Equal(t, "not_found", client.ErrorCode(restErr), "the error is still the server's")
}

// TestReconnectMidEditConverges drops one client's socket again and again
// while both clients type; the documents must converge with the server's.
func TestReconnectMidEditConverges(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := newRoom(t, srv.URL, "0123456789")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	var resyncs atomic.Int32
	onEvent := func(ev client.Event) {
		if ev.Kind == client.EventResync {
			resyncs.Add(1)
			t.Logf("resync: %v", ev.Err)
		}
	}
	a := dial(t, srv.URL, id, client.Options{Name: "a", OnEvent: onEvent})
	b := dial(t, srv.URL, id, client.Options{Name: "b", OnEvent: onEvent})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range []*client.Client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				require.NoError(t, c.EditFunc(randomEdit(r)))
				time.Sleep(time.Duration(r.IntN(3)) * time.Millisecond)
			}
		}()
	}
	for range 15 {
		time.Sleep(30 * time.Millisecond)
		a.Reconnect()
	}
	close(stop)
	wg.Wait()
	requireConverged(t, srv.URL, id, a, b)
	require.Zero(t, resyncs.Load())
}

// TestReconnectAfterServerRestart stops the server while a client has
// unsent and unacknowledged edits, and restarts it on the same port with the
// same store.
func TestReconnectAfterServerRestart(t *testing.T) {
	store := memory.NewStore()
	srv := testserver.Start(t, testserver.Options{Store: store})
	id := newRoom(t, srv.URL, "start")
	a := dial(t, srv.URL, id, client.Options{})
	b := dial(t, srv.URL, id, client.Options{})
	require.NoError(t, a.Insert(5, " a1"))
	requireConverged(t, srv.URL, id, a, b)

	srv.Stop()
	require.NoError(t, a.Insert(0, "offline "))
	require.NoError(t, a.Insert(0, "more "))
	require.NoError(t, b.Insert(ot.UTF16Len(b.Content()), " b-offline"))

	var ln net.Listener
	require.Eventually(t, func() bool {
		var err error
		ln, err = net.Listen("tcp", srv.Addr())
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	srv2 := testserver.Start(t, testserver.Options{Store: store, Listener: ln})
	got := requireConverged(t, srv2.URL, id, a, b)
	require.Equal(t, "more offline start a1 b-offline", got)
}

// TestResubmissionOfCommittedOpIsAnAckInThePast: the server commits an
// operation but its ack is lost with the connection; meanwhile another
// client commits more. After the reconnect the resubmission is answered with
// the original revision, below the new connection's init revision, and the
// operation is applied exactly once.
func TestResubmissionOfCommittedOpIsAnAckInThePast(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := newRoom(t, srv.URL, "abc")
	p := testenv.NewProxy(t, srv.Addr())
	var acks []int
	var mu sync.Mutex
	a := dial(t, "http://"+p.Addr(), id, client.Options{OnEvent: func(ev client.Event) {
		if ev.Kind == client.EventAck {
			mu.Lock()
			acks = append(acks, ev.Revision)
			mu.Unlock()
		}
	}})
	b := dial(t, srv.URL, id, client.Options{})
	rest := client.NewREST(srv.URL)

	p.Blackhole(true)
	require.NoError(t, a.Insert(0, "A"))
	require.Eventually(t, func() bool {
		room, err := rest.Room(context.Background(), id)
		return err == nil && room.Revision == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, b.WaitRevision(context.Background(), 1))
	require.NoError(t, b.Insert(4, "B"))
	require.NoError(t, b.Insert(0, "C"))
	require.NoError(t, b.WaitSynced(context.Background()))
	require.Equal(t, 0, a.Revision(), "a must not have seen its ack")
	require.Equal(t, ot.AwaitingConfirm, a.SyncState())

	require.NoError(t, a.Insert(2, "x")) // buffered behind the lost ack
	p.Blackhole(false)
	p.Cut() // the connection and the ack with it
	p.Restore()

	got := requireConverged(t, srv.URL, id, a, b)
	require.Equal(t, "CAaxbcB", got)
	// Events reach OnEvent after the state changed: wait for them, and never
	// fail holding mu, which OnEvent needs.
	seen := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), acks...)
	}
	require.Eventually(t, func() bool { return len(seen()) >= 2 }, 5*time.Second, time.Millisecond)
	require.Equal(t, []int{1, 4}, seen())
}

// TestCatchUpOverShortPages runs a server whose pages of history hold one
// operation each, whatever limit asks for: REST.OpsRange, which catching up
// and LoadHistory use, must page on to the end, and clients that reconnect
// while editing must converge without a resync.
func TestCatchUpOverShortPages(t *testing.T) {
	cfg := services.DefaultConfig()
	cfg.Room.MaxPageBytes = 1
	srv := testserver.Start(t, testserver.Options{Config: &cfg})
	id := newRoom(t, srv.URL, "0123456789")
	a := dial(t, srv.URL, id, client.Options{Name: "a"})
	b := dial(t, srv.URL, id, client.Options{Name: "b", OnEvent: func(ev client.Event) {
		if ev.Kind == client.EventResync {
			t.Errorf("resync: %v", ev.Err)
		}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 20 {
		require.NoError(t, a.Insert(0, string(rune('a'+i))))
		require.NoError(t, a.WaitSynced(ctx))
		if i%4 == 0 {
			b.Reconnect()
		}
	}
	requireConverged(t, srv.URL, id, a, b)

	rest := client.NewREST(srv.URL)
	page, err := rest.Ops(ctx, id, 0, 1000)
	require.NoError(t, err)
	require.Len(t, page, 1, "the server's pages hold one operation")
	all, err := rest.OpsRange(ctx, id, 0, 20)
	require.NoError(t, err)
	require.Len(t, all, 20)
	for i, op := range all {
		require.Equal(t, i+1, op.Revision)
	}
}
