package rediscache_test

import (
	"context"
	"testing"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/repository/cachetest"
	"github.com/tandem-editor/tandem/repository/rediscache"
	"github.com/tandem-editor/tandem/services"
)

func TestConformance(t *testing.T) {
	testenv.RedisURL(t)
	cachetest.Run(t, func(t *testing.T, cfg cachetest.Config) services.HeadCache {
		prefix := testenv.RedisPrefix(t)
		c, err := rediscache.Open(context.Background(), testenv.RedisURL(t), rediscache.Options{Prefix: prefix, TTL: cfg.TTL, Window: cfg.Window, WindowBytes: cfg.WindowBytes})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	})
}
