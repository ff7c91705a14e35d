package spare

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Work handed over one piece at a time runs on the goroutine that ran the
// piece before: the count of goroutines does not grow with the pieces.
func TestGoReusesAWaitingGoroutine(t *testing.T) {
	done := make(chan struct{})
	Go(func() { close(done) })
	<-done
	waitIdle(t, 1)
	before := runtime.NumGoroutine()
	for range 1000 {
		done := make(chan struct{})
		Go(func() { close(done) })
		<-done
		waitIdle(t, 1)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before)
}

// Every piece runs, also when more arrive at once than goroutines wait,
// and afterwards at most MaxIdle goroutines are left waiting.
func TestGoRunsEveryPieceAndKeepsAtMostMaxIdle(t *testing.T) {
	const n = 4 * MaxIdle
	var wg sync.WaitGroup
	release := make(chan struct{})
	ran := make(chan int, n)
	wg.Add(n)
	for i := range n {
		Go(func() {
			defer wg.Done()
			<-release // all n run at once
			ran <- i
		})
	}
	close(release)
	wg.Wait()
	close(ran)
	seen := make(map[int]bool)
	for i := range ran {
		seen[i] = true
	}
	require.Len(t, seen, n)
	waitIdle(t, MaxIdle)
	require.Equal(t, MaxIdle, Idle())
}

// A reused goroutine runs the piece it is handed, not one it ran before.
func TestGoHandsEachPieceItsOwnClosure(t *testing.T) {
	got := make(chan string, 2)
	for _, s := range []string{"a", "b"} {
		Go(func() { got <- s })
		require.Equal(t, s, <-got)
	}
}

func waitIdle(t *testing.T, atLeast int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for Idle() < atLeast {
		require.True(t, time.Now().Before(deadline), "%d goroutines waiting, want %d", Idle(), atLeast)
		runtime.Gosched()
	}
}
