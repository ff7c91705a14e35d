package rediscache_test

import (
	"context"
	"testing"
	"time"

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

// PublishAndWrite sends a fan-out on the cache's own client and the
// cache's writes in one pipeline: another instance hears the operations
// and the cache holds them. A fan-out on another client is declined, with
// nothing sent.
func TestPublishAndWrite(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	c, err := rediscache.Open(context.Background(), testenv.RedisURL(t), rediscache.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mine := newFanOut(t, c.Client(), prefix, nil)
	other := newFanOut(t, c.Client(), prefix, nil) // another instance: another origin
	room := services.NewRoomID()
	heard := make(chan []services.CommittedOp, 64)
	subscribe(t, other, room, func(ops []services.CommittedOp) { heard <- ops })

	var op ot.Operation
	op.Insert("x")
	ops := []services.CommittedOp{{Revision: 1, Op: op, ClientID: "c", OpID: "c-1", Digest: "d"}}
	head := services.Head{Revision: 1, Content: "x"}
	// The subscription becomes active asynchronously: send until heard.
	for got := false; !got; {
		pub, wrote, ok := c.PublishAndWrite(ctx, mine, []services.Batch{{RoomID: room, Ops: ops}},
			[]services.CacheWrite{{RoomID: room, Ops: ops, Head: &head}})
		if !ok || len(pub) != 1 || pub[0] != nil || len(wrote) != 1 || wrote[0] != nil {
			t.Fatalf("PublishAndWrite = %v, %v, %v", pub, wrote, ok)
		}
		select {
		case h := <-heard:
			got = true
			if len(h) != 1 || h[0].Revision != 1 || h[0].OpID != "c-1" {
				t.Errorf("heard %+v", h)
			}
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("the other instance heard nothing in 10s")
		}
	}
	if got, err := c.Head(ctx, room); err != nil || got != head {
		t.Errorf("Head = %+v, %v; want %+v", got, err, head)
	}
	if got, err := c.Ops(ctx, room, 0, 1); err != nil || len(got) != 1 {
		t.Errorf("Ops = %v, %v; want one", got, err)
	}

	apart := newFanOut(t, newClient(t), prefix, nil)
	if _, _, ok := c.PublishAndWrite(ctx, apart, []services.Batch{{RoomID: room, Ops: ops}}, nil); ok {
		t.Error("PublishAndWrite took a fan-out on another client")
	}
}
