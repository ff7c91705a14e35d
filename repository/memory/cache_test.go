package memory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/cachetest"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

func TestCacheConformance(t *testing.T) {
	cachetest.Run(t, func(_ *testing.T, cfg cachetest.Config) services.HeadCache {
		return memory.NewCache(memory.CacheOptions{Window: cfg.Window, TTL: cfg.TTL})
	})
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	c := memory.NewCache(memory.CacheOptions{MaxRooms: 3})
	for i := range 3 {
		c.SetHead(ctx, fmt.Sprint("r", i), services.Head{Revision: i})
	}
	c.Head(ctx, "r0")                                // r0 is now the most recently used
	c.SetHead(ctx, "r3", services.Head{Revision: 3}) // evicts r1
	tests := []struct {
		room string
		hit  bool
	}{{"r0", true}, {"r1", false}, {"r2", true}, {"r3", true}}
	for _, tt := range tests {
		_, err := c.Head(ctx, tt.room)
		if got := err == nil; got != tt.hit {
			t.Errorf("Head(%s) = %v, want hit %v", tt.room, err, tt.hit)
		}
	}
}

func TestCacheExpiresOnInjectedClock(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	c := memory.NewCache(memory.CacheOptions{TTL: time.Minute, Now: func() time.Time { return now }})
	c.SetHead(ctx, "r", services.Head{Revision: 1})
	now = now.Add(59 * time.Second)
	if _, err := c.Head(ctx, "r"); err != nil {
		t.Fatalf("Head before the TTL: %v", err)
	}
	c.SetHead(ctx, "r", services.Head{Revision: 2}) // renews the TTL
	now = now.Add(59 * time.Second)
	if _, err := c.Head(ctx, "r"); err != nil {
		t.Fatalf("Head within the renewed TTL: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := c.Head(ctx, "r"); !errors.Is(err, services.ErrCacheMiss) {
		t.Fatalf("Head after the TTL = %v, want ErrCacheMiss", err)
	}
}
