package memory_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/cachetest"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

func TestCacheConformance(t *testing.T) {
	cachetest.Run(t, func(_ *testing.T, cfg cachetest.Config) services.HeadCache {
		return memory.NewCache(memory.CacheOptions{Window: cfg.Window, WindowBytes: cfg.WindowBytes, TTL: cfg.TTL})
	})
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	c := memory.NewCache(memory.CacheOptions{MaxRooms: 3})
	for i := range 3 {
		c.SetHead(ctx, services.RoomIDOf(fmt.Sprint("r", i)), services.Head{Revision: i})
	}
	c.Head(ctx, services.RoomIDOf("r0"))                                // r0 is now the most recently used
	c.SetHead(ctx, services.RoomIDOf("r3"), services.Head{Revision: 3}) // evicts r1
	requireEvicted(t, c, "r1", "r0", "r2", "r3")
}

func TestCacheExpiresOnInjectedClock(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	c := memory.NewCache(memory.CacheOptions{TTL: time.Minute, Now: func() time.Time { return now }})
	c.SetHead(ctx, services.RoomIDOf("r"), services.Head{Revision: 1})
	now = now.Add(59 * time.Second)
	if _, err := c.Head(ctx, services.RoomIDOf("r")); err != nil {
		t.Fatalf("Head before the TTL: %v", err)
	}
	c.SetHead(ctx, services.RoomIDOf("r"), services.Head{Revision: 2}) // renews the TTL
	now = now.Add(59 * time.Second)
	if _, err := c.Head(ctx, services.RoomIDOf("r")); err != nil {
		t.Fatalf("Head within the renewed TTL: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := c.Head(ctx, services.RoomIDOf("r")); !errors.Is(err, services.ErrCacheMiss) {
		t.Fatalf("Head after the TTL = %v, want ErrCacheMiss", err)
	}
}

// TestCacheBoundedByBytes caches 60 heads of 2 MiB, as 60 rooms unloading
// do, in a cache of 16 MiB: the accounted bytes and the heap it retains
// stay within the budget, the newest rooms stay and the oldest are gone.
func TestCacheBoundedByBytes(t *testing.T) {
	ctx := context.Background()
	const budget, rooms, headSize = 16 << 20, 60, 2 << 20
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	c := memory.NewCache(memory.CacheOptions{MaxBytes: budget})
	for i := range rooms {
		room := fmt.Sprint("r", i)
		content := strings.Repeat(string(rune('a'+i%26)), headSize)
		c.SetHead(ctx, services.RoomIDOf(room), services.Head{Revision: 1, Content: content})
		var op ot.Operation
		op.Retain(headSize).Insert("x")
		c.AppendOps(ctx, services.RoomIDOf(room), []services.CommittedOp{{Revision: 2, Op: op, ClientID: "c"}})
		if got := c.Bytes(); got > budget {
			t.Fatalf("after %d rooms: %d bytes accounted, budget %d", i+1, got, budget)
		}
	}
	retained := int64(heap()) - int64(before)
	t.Logf("%d rooms of %d bytes: %d rooms, %d bytes accounted, heap +%d bytes", rooms, headSize, c.Len(), c.Bytes(), retained)
	if retained > budget+budget/8 {
		t.Errorf("heap +%d bytes after GC, budget %d", retained, budget)
	}
	if n := c.Len(); n < budget/headSize-1 || n > budget/headSize {
		t.Errorf("%d rooms cached, want %d or %d", n, budget/headSize-1, budget/headSize)
	}
	for _, room := range []string{"r0", "r1", fmt.Sprint("r", rooms-c.Len()-1)} {
		if _, err := c.Head(ctx, services.RoomIDOf(room)); !errors.Is(err, services.ErrCacheMiss) {
			t.Errorf("Head(%s) = %v, want ErrCacheMiss (evicted)", room, err)
		}
	}
	for i := rooms - c.Len(); i < rooms; i++ {
		if _, err := c.Head(ctx, services.RoomIDOf(fmt.Sprint("r", i))); err != nil {
			t.Errorf("Head(r%d) = %v, want a hit", i, err)
		}
	}
	runtime.KeepAlive(c)
}

// TestCacheEvictsByBytesLeastRecentlyUsed: a room read recently survives
// the eviction that a new room's bytes cause; the least recently used goes.
func TestCacheEvictsByBytesLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	c := memory.NewCache(memory.CacheOptions{MaxBytes: 3500})
	for i := range 3 {
		c.SetHead(ctx, services.RoomIDOf(fmt.Sprint("r", i)), services.Head{Revision: 1, Content: strings.Repeat("x", 800)})
	}
	c.Head(ctx, services.RoomIDOf("r0"))
	c.SetHead(ctx, services.RoomIDOf("r3"), services.Head{Revision: 1, Content: strings.Repeat("x", 800)}) // evicts r1
	requireEvicted(t, c, "r1", "r0", "r2", "r3")
	if got := c.Bytes(); got > 3500 {
		t.Errorf("Bytes() = %d, want at most 3500", got)
	}
	c.SetHead(ctx, services.RoomIDOf("huge"), services.Head{Revision: 1, Content: strings.Repeat("x", 4000)})
	if _, err := c.Head(ctx, services.RoomIDOf("huge")); !errors.Is(err, services.ErrCacheMiss) {
		t.Errorf("Head(huge), larger than the whole cache, = %v; want ErrCacheMiss", err)
	}
}

// requireEvicted checks that the cache misses gone and hits every kept room.
func requireEvicted(t *testing.T, c *memory.Cache, gone string, kept ...string) {
	t.Helper()
	for _, room := range append([]string{gone}, kept...) {
		_, err := c.Head(context.Background(), services.RoomIDOf(room))
		if hit := err == nil; hit != (room != gone) {
			t.Errorf("Head(%s) = %v, want hit %v", room, err, room != gone)
		}
	}
}
