package services

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Work none of which is urgent waits for the linger; urgent work takes the
// lingering work with it at once, and close flushes what lingers.
func TestGathererLingersUntilUrgent(t *testing.T) {
	rounds := make(chan []int, 8)
	g := newGatherer(func(q []int) []int { rounds <- q; return nil }, time.Hour)
	g.add(1, false)
	g.add(2, false)
	select {
	case r := <-rounds:
		t.Fatalf("lazy work ran at once: %v", r)
	case <-time.After(50 * time.Millisecond):
	}
	g.add(3, true)
	select {
	case r := <-rounds:
		require.Equal(t, []int{1, 2, 3}, r)
	case <-time.After(5 * time.Second):
		t.Fatal("urgent work did not cut the linger short")
	}
	g.add(4, false)
	g.close()
	require.Equal(t, []int{4}, <-rounds, "close did not flush what lingered")
}
