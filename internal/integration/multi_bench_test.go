package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
)

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
