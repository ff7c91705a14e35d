package integration

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/ot"
)

// typist is one editing client that remembers what the server acknowledged.
type typist struct {
	c     *client.Client
	mu    sync.Mutex
	acked map[int]bool    // revisions acknowledged to this client
	ids   map[string]bool // the client ids it had, one per connection
}

// newTypist dials a client into the room; with stats non-nil it also counts
// the client's reconnects, resyncs and errors there.
func newTypist(t *testing.T, baseURL, roomID, name string, stats *clientStats) *typist {
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
			if ev.Kind == client.EventAck {
				ty.acked[ev.Revision] = true
			}
			if ev.Kind == client.EventState && ev.State == client.Connected {
				// From the event: this may run before Dial has returned ty.c.
				ty.ids[ev.ClientID] = true
			}
			if stats != nil {
				stats.count(ev)
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

// typeFor makes random small edits every few milliseconds until ctx ends.
// Edits are local first: they go on while the connection is down.
func (ty *typist) typeFor(ctx context.Context, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	tick := time.NewTicker(3 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		_ = ty.c.EditFunc(func(doc string) (ot.Operation, *ot.Selection, error) {
			n := ot.UTF16Len(doc)
			var op ot.Operation
			pos := rng.IntN(n + 1)
			if n > 20 && rng.IntN(3) == 0 {
				del := 1
				// Stay on whole characters: retain to a rune boundary.
				pos, del = runeSpan(doc, pos)
				op.Retain(pos).Delete(del).Retain(n - pos - del)
			} else {
				pos, _ = runeSpan(doc, pos)
				op.Retain(pos).Insert([]string{"a", "é", "😀", "xy", "\n"}[rng.IntN(5)]).Retain(n - pos)
			}
			return op, nil, nil
		})
	}
}

// runeSpan moves pos (UTF-16) back to a character boundary and returns the
// length of the character there (0 at the end).
func runeSpan(doc string, pos int) (int, int) {
	units := 0
	for _, r := range doc {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if units+w > pos {
			return units, w
		}
		units += w
	}
	return units, 0
}

// typeTogether runs every typist for d, each with its own seed.
func typeTogether(typists []*typist, d time.Duration, seed uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for i, ty := range typists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ty.typeFor(ctx, seed+uint64(i))
		}()
	}
	wg.Wait()
}

// checkConverged waits until every typist has nothing pending, then checks
// that the server's history is contiguous, replays from initial to the
// server's content, holds every acknowledged revision under a client id of
// the typist it was acknowledged to, and that every typist shows it.
func checkConverged(t *testing.T, baseURL, roomID, initial string, typists []*typist) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, ty := range typists {
		require.NoError(t, ty.c.WaitSynced(ctx), "client did not synchronise")
	}
	rest := client.NewREST(baseURL)
	room, err := rest.Room(ctx, roomID)
	require.NoError(t, err)
	ops, err := rest.OpsRange(ctx, roomID, 0, room.Revision)
	require.NoError(t, err)
	require.Len(t, ops, room.Revision, "history is not contiguous")
	doc := initial
	for _, op := range ops {
		doc, err = op.Op.Apply(doc)
		require.NoError(t, err, "revision %d", op.Revision)
	}
	require.Equal(t, room.Content, doc, "history does not replay to the content")
	acked := 0
	for i, ty := range typists {
		require.NoError(t, ty.c.WaitRevision(ctx, room.Revision))
		require.Equal(t, room.Content, ty.c.Content(), "typist %d diverged", i)
		require.Zero(t, ty.c.Desyncs(), "typist %d found a content hash that differed from the server's", i)
		ty.mu.Lock()
		for rev := range ty.acked {
			require.LessOrEqual(t, rev, room.Revision, "acknowledged revision %d is lost", rev)
			require.True(t, ty.ids[ops[rev-1].ClientID], "revision %d was acknowledged to typist %d but is %s's", rev, i, ops[rev-1].ClientID)
			acked++
		}
		ty.mu.Unlock()
	}
	t.Logf("%d revisions, %d acknowledged to %d typists, all converged", room.Revision, acked, len(typists))
	return room.Content
}
