package services

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/internal/spare"
)

// A mailbox runs its closures one at a time, in order, on a goroutine that
// exists only while there is work.
func TestMailboxRunsInOrderAndIdlesWithoutAGoroutine(t *testing.T) {
	var running sync.WaitGroup
	box := newMailbox(4, spare.Go, func(f func()) { f() })
	var got []int
	var mu sync.Mutex // held by the closure running: a second one would find it taken
	overlapped := false
	for round := range 3 {
		running.Add(100)
		for i := range 100 {
			require.True(t, box.post(func() {
				if !mu.TryLock() {
					overlapped = true
					return
				}
				got = append(got, round*100+i)
				mu.Unlock()
				running.Done()
			}, true))
		}
		running.Wait()
		require.Eventually(t, func() bool {
			box.mu.Lock()
			defer box.mu.Unlock()
			return !box.running && box.queue == nil
		}, 5*time.Second, time.Millisecond, "an idle mailbox keeps its goroutine or its queue")
	}
	require.False(t, overlapped, "closures overlapped")
	for i, v := range got {
		require.Equal(t, i, v)
	}
}

// A full mailbox makes post wait and tryPost fail; a closed one takes
// nothing, never runs what it held, and runs its onClose functions once.
func TestMailboxBoundsAndClose(t *testing.T) {
	release := make(chan struct{})
	box := newMailbox(2, spare.Go, func(f func()) { f() })
	started := make(chan struct{})
	require.True(t, box.post(func() { close(started); <-release }, true))
	<-started // the first closure runs and has given its slot back
	ran := 0
	require.True(t, box.post(func() { ran++ }, false))
	require.True(t, box.post(func() { ran++ }, false))
	require.False(t, box.post(func() { ran++ }, false), "a full mailbox took a closure")

	closed := 0
	box.onClose(func() { closed++ })
	waited := make(chan bool)
	go func() { waited <- box.post(func() { ran++ }, true) }()
	select {
	case <-waited:
		t.Fatal("post did not wait for space")
	case <-time.After(20 * time.Millisecond):
	}
	box.close()
	require.False(t, <-waited, "a post waiting on a closed mailbox succeeded")
	close(release)
	require.Eventually(t, func() bool {
		box.mu.Lock()
		defer box.mu.Unlock()
		return !box.running
	}, 5*time.Second, time.Millisecond)
	require.Zero(t, ran, "a closed mailbox ran what it held")
	require.Equal(t, 1, closed)
	box.close()
	box.onClose(func() { closed++ })
	require.Equal(t, 2, closed, "onClose on a closed mailbox runs at once")
	require.False(t, box.post(func() {}, true))
}
