package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisURL is the server RedisURL uses unless TEST_REDIS_URL is set.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

var redisProbe probe

// RedisURL returns the test Redis server's URL. It skips or fails t when the
// server is unreachable. Tests share the server: use RedisPrefix for keys.
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := envOr("TEST_REDIS_URL", DefaultRedisURL)
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	where := opts.Addr
	redisProbe.require(t, "Redis", where, func() error {
		opts.DialTimeout = time.Second
		opts.MaxRetries = -1
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	})
	return raw
}

// RedisPrefix returns a key prefix of this test's own on the server of
// RedisURL, and deletes every key under it when the test ends.
func RedisPrefix(t testing.TB) string {
	t.Helper()
	raw := RedisURL(t)
	prefix := "tandemtest:" + randomHex(8) + ":"
	t.Cleanup(func() {
		opts, err := redis.ParseURL(raw)
		if err != nil {
			t.Errorf("TEST_REDIS_URL: %v", err)
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("delete test keys %s*: %v", prefix, err)
		}
	})
	return prefix
}
