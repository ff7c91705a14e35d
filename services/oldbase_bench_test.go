package services_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/gormstore"
	"github.com/tandem-editor/tandem/services"
)

// BenchmarkOldBaseSubmissions: ten submissions based on revision 0 of a
// 3 MiB, 300-revision history on SQLite, as a client back from a long
// disconnection sends them. It reports the heap's peak growth while they
// are answered and how many were not acked.
//
//	go test ./services -run '^$' -bench OldBaseSubmissions -benchtime 3x
func BenchmarkOldBaseSubmissions(b *testing.B) {
	st, err := gormstore.Open(context.Background(), "", b.TempDir(), gormstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rs := services.NewRooms(st, nil, windowConfig(10), discardLog, nil)
	defer rs.Close(context.Background())
	ctx := context.Background()
	info, err := rs.Create(ctx, services.RoomCreate{RoomPatch: services.RoomPatch{Name: new("bench"), Language: new("go")}, Content: "ab"})
	if err != nil {
		b.Fatal(err)
	}
	h, err := rs.Open(ctx, info.ID)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Release()
	chunk := strings.Repeat("x", 10<<10)
	answer := func(sub services.Submission) services.Result {
		ch := make(chan services.Result, 1)
		h.Submit(sub, func(r services.Result) { ch <- r })
		return <-ch
	}
	for i := range 300 {
		inf, content, _ := h.State(ctx)
		if r := answer(services.Submission{ClientID: "w", OpID: fmt.Sprint("w", i), Base: inf.Revision, Op: insertAt(len(content), len(content), chunk)}); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	var peakMiB, failed float64
	b.ResetTimer()
	for n := range b.N {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Microsecond):
				}
				runtime.ReadMemStats(&m)
				peak.Store(max(peak.Load(), m.HeapInuse))
			}
		}()
		chs := make([]chan services.Result, 10)
		for i := range chs {
			chs[i] = make(chan services.Result, 1)
			h.Submit(services.Submission{ClientID: "old", OpID: fmt.Sprintf("o%d-%d", n, i), Base: 0, Op: insertAt(2, 1, "y")}, func(r services.Result) { chs[i] <- r })
		}
		for _, ch := range chs {
			if r := <-ch; r.Err != nil {
				failed++
			}
		}
		close(stop)
		<-sampled
		peakMiB += float64(peak.Load()-min(peak.Load(), base)) / (1 << 20)
	}
	b.ReportMetric(peakMiB/float64(b.N), "peak-heap-MiB")
	b.ReportMetric(failed/float64(b.N), "not-acked")
}
