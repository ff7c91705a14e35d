package rediscache_test

import (
	"context"
	"testing"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/ot"
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

// A batch written after Redis forgot its scripts (SCRIPT FLUSH, a restart)
// still lands: the rooms whose pipelined script was unknown are written on
// their own, which loads it.
func TestWriteBatchAfterScriptFlush(t *testing.T) {
	c, err := rediscache.Open(context.Background(), testenv.RedisURL(t), rediscache.Options{Prefix: testenv.RedisPrefix(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Client().ScriptFlush(ctx).Err(); err != nil {
		t.Fatalf("SCRIPT FLUSH: %v", err)
	}
	room := services.RoomIDOf("flushed")
	head := services.Head{Revision: 1, Content: "x"}
	var op ot.Operation
	op.Insert("x")
	ops := []services.CommittedOp{{Revision: 1, Op: op, ClientID: "c", OpID: "c-1", Digest: "d"}}
	for i, err := range c.WriteBatch(ctx, []services.CacheWrite{{RoomID: room, Ops: ops, Head: &head}, {RoomID: services.RoomIDOf("other"), Head: &head}}) {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if got, err := c.Head(ctx, room); err != nil || got != head {
		t.Errorf("Head = %+v, %v; want %+v", got, err, head)
	}
	if got, err := c.Ops(ctx, room, 0, 1); err != nil || len(got) != 1 {
		t.Errorf("Ops = %v, %v; want one", got, err)
	}
}
