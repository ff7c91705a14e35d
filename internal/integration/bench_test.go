package integration

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/gormstore"
	"github.com/tandem-editor/tandem/repository/rediscache"
	"github.com/tandem-editor/tandem/services"
)

// benchAuthors are the client ids of largeRoom's operations, in turn.
var benchAuthors = []string{"ada", "bob", "cy", "dee"}

// largeRoom writes, straight to the store, a room whose document is 1 MB
// and whose history holds revisions operations, with a snapshot every 500
// revisions as a room being edited would have. It returns the room's id and
// its head content.
func largeRoom(b *testing.B, store services.Store, revisions int) (string, string) {
	b.Helper()
	ctx := context.Background()
	content := strings.Repeat("func main() { fmt.Println(\"hello, world\") }\n", (1<<20)/45)
	now := time.Now().UTC()
	info := services.RoomInfo{ID: services.NewRoomID(), ReadOnlyID: services.NewRoomID(), Name: "large", Language: "go", CreatedAt: now, UpdatedAt: now}
	if err := store.CreateRoom(ctx, info, content); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	length := len(content)
	var batch []services.CommittedOp
	var since ot.Operation
	for rev := 1; rev <= revisions; rev++ {
		pos := rng.IntN(length + 1)
		var op ot.Operation
		op.Retain(pos).Insert("x").Retain(length - pos)
		length++
		batch = append(batch, services.CommittedOp{Revision: rev, Op: op, ClientID: benchAuthors[rev%len(benchAuthors)], BaseRevision: rev - 1, CreatedAt: now})
		if rev%500 == 1 {
			since = op
		} else {
			var err error
			if since, err = ot.Compose(since, op); err != nil {
				b.Fatal(err)
			}
		}
		if rev%500 == 0 {
			var err error
			if content, err = since.Apply(content); err != nil {
				b.Fatal(err)
			}
			if err := store.AppendOps(ctx, info.ID, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
			if err := store.SaveSnapshot(ctx, services.Snapshot{RoomID: info.ID, Revision: rev, Content: content, CreatedAt: now}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return info.ID.Reveal(), content
}

// BenchmarkJoinLargeRoom measures how long a client waits, from dialling to
// holding the document, to join a room of 1 MB with 100,000 revisions on
// PostgreSQL and Redis: the room not loaded yet (from the database, or from
// the cache), and loaded already.
//
//	go test ./internal/integration -run '^$' -bench JoinLargeRoom -benchtime 20x
func BenchmarkJoinLargeRoom(b *testing.B) {
	ctx := context.Background()
	store, err := gormstore.Open(ctx, testenv.PostgresURL(b), "", gormstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	cache, err := rediscache.Open(ctx, testenv.RedisURL(b), rediscache.Options{Prefix: testenv.RedisPrefix(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()
	roomID, content := largeRoom(b, store, 100_000)
	b.Logf("room of %d bytes at revision 100000", len(content))

	var total time.Duration
	join := func(b *testing.B, url string) {
		b.Helper()
		start := time.Now()
		c, err := client.Dial(ctx, url, roomID, client.Options{Name: "joiner"})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		if c.Revision() != 100_000 || len(c.Content()) != len(content) {
			b.Fatalf("joined at revision %d with %d bytes", c.Revision(), len(c.Content()))
		}
		_ = c.Close()
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "join-ms")
		total = 0
	}
	b.Run("cold-from-database", func(b *testing.B) {
		for range b.N {
			srv := testserver.Start(b, testserver.Options{Store: store})
			join(b, srv.URL)
			srv.Stop()
		}
		report(b)
	})
	b.Run("cold-from-cache", func(b *testing.B) {
		if err := cache.SetHead(ctx, services.RoomIDOf(roomID), services.Head{Revision: 100_000, Content: content}); err != nil {
			b.Fatal(err)
		}
		for range b.N {
			srv := testserver.Start(b, testserver.Options{Store: store, Cache: cache})
			join(b, srv.URL)
			srv.Stop()
		}
		report(b)
	})
	b.Run("warm", func(b *testing.B) {
		srv := testserver.Start(b, testserver.Options{Store: store, Cache: cache})
		first, err := client.Dial(ctx, srv.URL, roomID, client.Options{Name: "first"})
		if err != nil {
			b.Fatal(err)
		}
		defer first.Close()
		for range b.N {
			join(b, srv.URL)
		}
		report(b)
	})
}

// BenchmarkHistoryLargeRoom measures the history calls on a room of 1 MB
// with 100,000 revisions (single-character inserts at random places by four
// authors, a snapshot every 500) on PostgreSQL, over HTTP from a running
// server whose room is loaded: GET /api/rooms/{id}?revision=R and
// GET /api/rooms/{id}/blame?revision=R at random revisions, each request's
// latency from sending to the whole body read (issue #17: p50 within
// 50 ms). The first blame of the room, which starts from revision 0, is
// reported on its own.
//
//	go test ./internal/integration -run '^$' -bench HistoryLargeRoom -benchtime 100x
func BenchmarkHistoryLargeRoom(b *testing.B) {
	ctx := context.Background()
	store, err := gormstore.Open(ctx, testenv.PostgresURL(b), "", gormstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	const revisions = 100_000
	roomID, _ := largeRoom(b, store, revisions)
	srv := testserver.Start(b, testserver.Options{Store: store})
	defer srv.Stop()
	get := func(b *testing.B, path string) (time.Duration, int) {
		b.Helper()
		start := time.Now()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
		}
		return time.Since(start), int(n)
	}
	first, size := get(b, fmt.Sprintf("/api/rooms/%s/blame?revision=%d", roomID, revisions))
	b.Logf("first blame (from revision 0 to the head): %v, %d bytes of JSON", first, size)
	for _, bc := range []struct{ name, path string }{
		{"content-at", "/api/rooms/%s?revision=%d"},
		{"blame", "/api/rooms/%s/blame?revision=%d"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			var lat []time.Duration
			bytes := 0
			for b.Loop() {
				d, n := get(b, fmt.Sprintf(bc.path, roomID, rng.IntN(revisions+1)))
				lat = append(lat, d)
				bytes += n
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(bytes)/float64(len(lat)), "bytes/req")
		})
	}
	b.ReportMetric(float64(first.Microseconds())/1000, "first-blame-ms")
}

// BenchmarkRoomSpreadOverInstances drives one room with 50 WebSocket
// clients typing 20 edits/s each (1,000 edits/s offered) for 5 s after a
// 1 s warmup, against three server processes on one PostgreSQL schema and
// one Redis prefix: all clients on one instance, then spread over the three.
// lost-races/s counts the instances' "group commit failed" warnings: commits
// that lost the race for a revision to another instance.
func BenchmarkRoomSpreadOverInstances(b *testing.B) {
	args := []string{
		"--data-dir", b.TempDir(),
		"--database-url", testenv.PostgresURL(b),
		"--redis-url", testenv.RedisURL(b),
		"--redis-prefix", testenv.RedisPrefix(b),
		"--requests-per-minute", "0",
	}
	procs := make([]*testserver.Process, 3)
	urls := make([]string, len(procs))
	for i := range procs {
		procs[i] = testserver.StartProcess(b, testserver.FreeAddr(b), args...)
		urls[i] = procs[i].URL
	}
	lostRaces := func() int {
		n := 0
		for _, p := range procs {
			n += strings.Count(p.Log(), "group commit failed")
		}
		return n
	}
	for _, bc := range []struct {
		name string
		urls []string
	}{
		{"one-instance", urls[:1]},
		{"three-instances", urls},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := range b.N {
				before := lostRaces()
				rep, err := client.RunLoad(context.Background(), client.LoadConfig{
					URLs: bc.urls, Rooms: 1, Clients: 50, Rate: 20,
					Warmup: time.Second, Duration: 5 * time.Second, Seed: uint64(i + 1),
				})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Diverged != 0 {
					b.Fatalf("%d rooms diverged", rep.Diverged)
				}
				rep.Metrics(b.ReportMetric)
				b.ReportMetric(float64(lostRaces()-before)/7, "lost-races/s")
				b.Logf("%+v", rep)
			}
		})
	}
}
