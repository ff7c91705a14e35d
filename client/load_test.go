package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testserver"
)

func TestRunLoadConvergesAndMeasures(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	rep, err := client.RunLoad(context.Background(), client.LoadConfig{
		URL: srv.URL, Rooms: 2, Clients: 3, Rate: 50, Warmup: 100 * time.Millisecond, Duration: 500 * time.Millisecond, Seed: 7,
	})
	require.NoError(t, err)
	require.Zero(t, rep.Diverged)
	require.Empty(t, rep.Errors)
	require.Positive(t, rep.Acks)
	require.Positive(t, rep.SubmitAck.Count)
	require.Positive(t, rep.SubmitBroadcast.Count)
	require.LessOrEqual(t, rep.SubmitAck.P50, rep.SubmitAck.P99)
	require.LessOrEqual(t, rep.SubmitAck.P99, rep.SubmitAck.Max)
}

// BenchmarkRoom50Clients drives one room with 50 WebSocket clients typing
// 20 edits/s each (1,000 edits/s offered) against an in-process server for
// 5 s after a 1 s warmup.
func BenchmarkRoom50Clients(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{})
	for i := range b.N {
		rep, err := client.RunLoad(context.Background(), client.LoadConfig{
			URL: srv.URL, Rooms: 1, Clients: 50, Rate: 20, Warmup: time.Second, Duration: 5 * time.Second, Seed: uint64(i + 1),
		})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Diverged != 0 {
			b.Fatalf("%d rooms diverged", rep.Diverged)
		}
		rep.Metrics(b.ReportMetric)
	}
}
