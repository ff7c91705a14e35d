package cachetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// Config is what the suite asks of a new cache.
type Config struct {
	// Window is how many of a room's newest operations the cache keeps.
	Window int
	// WindowBytes bounds the bytes of a room's window (0: the cache's
	// default). Caches count an operation's bytes their own way, but at
	// least the bytes of its inserted text.
	WindowBytes int64
	// TTL is how long an unwritten room stays cached.
	TTL time.Duration
}

// defaultConfig leaves the window and TTL out of the way.
var defaultConfig = Config{Window: 1000, TTL: time.Hour}

// Run runs the suite; newCache returns a new, empty cache for each subtest.
func Run(t *testing.T, newCache func(t *testing.T, cfg Config) services.HeadCache) {
	tests := []struct {
		name string
		cfg  Config
		run  func(t *testing.T, c services.HeadCache)
	}{
		{"HeadMiss", defaultConfig, testHeadMiss},
		{"SetHead", defaultConfig, testSetHead},
		{"SetHeadOnlyNewer", defaultConfig, testSetHeadOnlyNewer},
		{"SetHeadConcurrent", defaultConfig, testSetHeadConcurrent},
		{"Ops", defaultConfig, testOps},
		{"WindowTrim", Config{Window: 10, TTL: time.Hour}, testWindowTrim},
		{"WindowBytesTrim", Config{Window: 1000, WindowBytes: 8 << 10, TTL: time.Hour}, testWindowBytesTrim},
		{"OpLargerThanWindowBytes", Config{Window: 1000, WindowBytes: 8 << 10, TTL: time.Hour}, testOpLargerThanWindow},
		{"GapIsMiss", defaultConfig, testGap},
		{"AppendReplacesRevision", defaultConfig, testAppendReplaces},
		{"RoundTrip", defaultConfig, testRoundTrip},
		{"RoomsAreSeparate", defaultConfig, testRoomsAreSeparate},
		{"TTL", Config{Window: 1000, TTL: 150 * time.Millisecond}, testTTL},
		{"Ping", defaultConfig, testPing},
		{"WriteBatch", defaultConfig, testWriteBatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newCache(t, tt.cfg)) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// The rooms the tests use.
var room1, room2, noRoom = services.RoomIDOf("r1"), services.RoomIDOf("r2"), services.RoomIDOf("nope")

// ops returns the operations of revisions from+1..to, each inserting one
// letter at the end of "hello" plus one letter per revision.
func ops(from, to int, client string) []services.CommittedOp {
	var out []services.CommittedOp
	for rev := from + 1; rev <= to; rev++ {
		var op ot.Operation
		op.Retain(rev - 1 + 5).Insert(string(rune('a' + rev%26)))
		out = append(out, services.CommittedOp{
			Revision: rev, Op: op, ClientID: client, OpID: fmt.Sprintf("%s-%d", client, rev),
			BaseRevision: rev - 1, Digest: fmt.Sprintf("d%d", rev),
			CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC).Add(time.Duration(rev) * time.Second),
		})
	}
	return out
}

func appendOps(t *testing.T, c services.HeadCache, room services.RoomID, ops []services.CommittedOp) {
	t.Helper()
	if err := c.AppendOps(ctx(t), room, ops); err != nil {
		t.Fatalf("AppendOps(%s): %v", room, err)
	}
}

func setHead(t *testing.T, c services.HeadCache, room services.RoomID, h services.Head) {
	t.Helper()
	if err := c.SetHead(ctx(t), room, h); err != nil {
		t.Fatalf("SetHead(%s, %d): %v", room, h.Revision, err)
	}
}

func requireHead(t *testing.T, c services.HeadCache, room services.RoomID, want services.Head) {
	t.Helper()
	got, err := c.Head(ctx(t), room)
	if err != nil {
		t.Fatalf("Head(%s): %v", room, err)
	}
	if got != want {
		t.Fatalf("Head(%s) = %+v, want %+v", room, got, want)
	}
}

func requireMiss(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, services.ErrCacheMiss) {
		t.Fatalf("got %v, want ErrCacheMiss", err)
	}
}

func requireOps(t *testing.T, got, want []services.CommittedOp) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d ops, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Revision != w.Revision || !g.Op.Equal(w.Op) || g.ClientID != w.ClientID || g.OpID != w.OpID ||
			g.BaseRevision != w.BaseRevision || g.Digest != w.Digest || !g.CreatedAt.Equal(w.CreatedAt) {
			t.Fatalf("op %d = %+v (op %v), want %+v (op %v)", i, g, g.Op, w, w.Op)
		}
	}
}

func testHeadMiss(t *testing.T, c services.HeadCache) {
	_, err := c.Head(ctx(t), noRoom)
	requireMiss(t, err)
	appendOps(t, c, room1, ops(0, 2, "c"))
	_, err = c.Head(ctx(t), room1)
	requireMiss(t, err)
}

func testSetHead(t *testing.T, c services.HeadCache) {
	want := services.Head{Revision: 3, Content: "hello"}
	setHead(t, c, room1, want)
	requireHead(t, c, room1, want)
	empty := services.Head{Revision: 0, Content: ""}
	setHead(t, c, room2, empty)
	requireHead(t, c, room2, empty)
}

func testSetHeadOnlyNewer(t *testing.T, c services.HeadCache) {
	setHead(t, c, room1, services.Head{Revision: 5, Content: "five"})
	tests := []struct {
		set, want services.Head
	}{
		{services.Head{Revision: 3, Content: "three"}, services.Head{Revision: 5, Content: "five"}},
		{services.Head{Revision: 5, Content: "other five"}, services.Head{Revision: 5, Content: "five"}},
		{services.Head{Revision: 7, Content: "seven"}, services.Head{Revision: 7, Content: "seven"}},
		{services.Head{Revision: 6, Content: "six"}, services.Head{Revision: 7, Content: "seven"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.set.Revision), func(t *testing.T) {
			setHead(t, c, room1, tt.set)
			requireHead(t, c, room1, tt.want)
		})
	}
}

func testSetHeadConcurrent(t *testing.T, c services.HeadCache) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	revs := rand.New(rand.NewPCG(seed, seed)).Perm(40)
	var wg sync.WaitGroup
	for _, rev := range revs {
		wg.Go(func() {
			if err := c.SetHead(ctx(t), room1, services.Head{Revision: rev, Content: fmt.Sprint(rev)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	requireHead(t, c, room1, services.Head{Revision: 39, Content: "39"})
}

func testOps(t *testing.T, c services.HeadCache) {
	all := ops(0, 5, "c")
	appendOps(t, c, room1, all[:2])
	appendOps(t, c, room1, all[2:])
	requireRanges(t, c, all, []opsRange{
		{0, 5, true}, {2, 4, true}, {4, 5, true}, {0, 1, true},
		{0, 6, false}, {5, 6, false}, {-1, 5, false},
	})
	t.Run("unknown room", func(t *testing.T) {
		_, err := c.Ops(ctx(t), noRoom, 0, 1)
		requireMiss(t, err)
	})
	t.Run("empty range", func(t *testing.T) {
		got, err := c.Ops(ctx(t), room1, 5, 5)
		if err != nil || len(got) != 0 {
			t.Fatalf("Ops(5, 5) = %v, %v; want nothing", got, err)
		}
	})
}

func testWindowTrim(t *testing.T, c services.HeadCache) {
	requireTrimmed(t, c, ops(0, 25, "c"), 7, 15, 14) // a window of 10
}

// requireTrimmed appends all to room1, batch operations at a time, then
// checks that the window still holds those after revision kept and no
// longer holds the one after revision gone (gone < kept).
func requireTrimmed(t *testing.T, c services.HeadCache, all []services.CommittedOp, batch, kept, gone int) {
	t.Helper()
	for i := 0; i < len(all); i += batch {
		appendOps(t, c, room1, all[i:min(i+batch, len(all))])
	}
	got, err := c.Ops(ctx(t), room1, kept, len(all))
	if err != nil {
		t.Fatalf("Ops(%d, %d), the newest operations: %v", kept, len(all), err)
	}
	requireOps(t, got, all[kept:])
	_, err = c.Ops(ctx(t), room1, gone, len(all))
	requireMiss(t, err)
}

// bigOps returns the operations of revisions from+1..to, each inserting size
// bytes at the start of the document.
func bigOps(from, to, size int) []services.CommittedOp {
	out := ops(from, to, "big")
	for i := range out {
		var op ot.Operation
		op.Insert(strings.Repeat(string(rune('a'+i%26)), size)).Retain(from + i)
		out[i].Op = op
	}
	return out
}

// testWindowBytesTrim fills a window of 8 KiB with operations of 1 KiB:
// the newest few stay, the oldest go, whatever the count window says.
func testWindowBytesTrim(t *testing.T, c services.HeadCache) {
	requireTrimmed(t, c, bigOps(0, 40, 1<<10), 3, 36, 31) // 4 KiB of the newest kept
}

// testOpLargerThanWindow appends an operation larger than the whole
// window: it is not kept, and neither is what it pushed out.
func testOpLargerThanWindow(t *testing.T, c services.HeadCache) {
	appendOps(t, c, room1, ops(0, 3, "c"))
	appendOps(t, c, room1, bigOps(3, 4, 16<<10))
	_, err := c.Ops(ctx(t), room1, 3, 4)
	requireMiss(t, err)
	_, err = c.Ops(ctx(t), room1, 0, 3)
	requireMiss(t, err)
}

func testGap(t *testing.T, c services.HeadCache) {
	all := ops(0, 7, "c")
	appendOps(t, c, room1, all[:3])
	appendOps(t, c, room1, all[5:])
	requireRanges(t, c, all, []opsRange{{0, 7, false}, {3, 7, false}, {2, 4, false}, {4, 7, false}, {5, 7, true}, {0, 3, true}})
}

// opsRange is a read of the operations (from, to] that the cache answers
// (hit) or misses.
type opsRange struct {
	from, to int
	hit      bool
}

// requireRanges reads each range of room1, whose operations from revision
// 1 on are all, in a subtest: a hit must return all[from:to].
func requireRanges(t *testing.T, c services.HeadCache, all []services.CommittedOp, ranges []opsRange) {
	t.Helper()
	for _, r := range ranges {
		t.Run(fmt.Sprintf("(%d,%d]", r.from, r.to), func(t *testing.T) {
			got, err := c.Ops(ctx(t), room1, r.from, r.to)
			if !r.hit {
				requireMiss(t, err)
				return
			}
			if err != nil {
				t.Fatalf("Ops: %v", err)
			}
			requireOps(t, got, all[r.from:r.to])
		})
	}
}

func testAppendReplaces(t *testing.T, c services.HeadCache) {
	want := ops(0, 3, "first")
	appendOps(t, c, room1, want)
	again := ops(1, 2, "second")
	appendOps(t, c, room1, again)
	want[1] = again[0]
	got, err := c.Ops(ctx(t), room1, 0, 3)
	if err != nil {
		t.Fatalf("Ops: %v", err)
	}
	requireOps(t, got, want)
}

func testRoundTrip(t *testing.T, c services.HeadCache) {
	texts := []string{"😀", "𝄞", "e\u0301", "\u2028", "\"\\\n\t", "中文", "\U0010FFFF", "\x00"}
	var want []services.CommittedOp
	length := 0
	for i, text := range texts {
		var op ot.Operation
		op.Retain(length).Insert(text)
		want = append(want, services.CommittedOp{
			Revision: i + 1, Op: op, ClientID: "c😀" + text, OpID: "id" + text, BaseRevision: i,
			Digest: "sha:" + text, CreatedAt: time.Date(2025, 6, 7, 8, 9, 10, 123456000, time.UTC),
		})
		for _, r := range text {
			length++
			if r > 0xffff {
				length++
			}
		}
	}
	want[0].CreatedAt = time.Time{}
	want[0].OpID = ""
	appendOps(t, c, services.RoomIDOf("r😀"), want)
	got, err := c.Ops(ctx(t), services.RoomIDOf("r😀"), 0, len(want))
	if err != nil {
		t.Fatalf("Ops: %v", err)
	}
	requireOps(t, got, want)
	head := services.Head{Revision: len(want), Content: "😀𝄞e\u0301\u2028\"\\\n\t中文\U0010FFFF\x00"}
	setHead(t, c, services.RoomIDOf("r😀"), head)
	requireHead(t, c, services.RoomIDOf("r😀"), head)
}

func testRoomsAreSeparate(t *testing.T, c services.HeadCache) {
	a, b := ops(0, 3, "a"), ops(0, 2, "b")
	appendOps(t, c, room1, a)
	appendOps(t, c, room2, b)
	setHead(t, c, room1, services.Head{Revision: 3, Content: "a"})
	setHead(t, c, room2, services.Head{Revision: 2, Content: "b"})
	got, err := c.Ops(ctx(t), room2, 0, 2)
	if err != nil {
		t.Fatalf("Ops(r2): %v", err)
	}
	requireOps(t, got, b)
	requireHead(t, c, room1, services.Head{Revision: 3, Content: "a"})
	_, err = c.Ops(ctx(t), room2, 0, 3)
	requireMiss(t, err)
}

func testTTL(t *testing.T, c services.HeadCache) {
	setHead(t, c, room1, services.Head{Revision: 1, Content: "x"})
	appendOps(t, c, room1, ops(0, 1, "c"))
	time.Sleep(400 * time.Millisecond)
	_, err := c.Head(ctx(t), room1)
	requireMiss(t, err)
	_, err = c.Ops(ctx(t), room1, 0, 1)
	requireMiss(t, err)
}

func testPing(t *testing.T, c services.HeadCache) {
	if err := c.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// A cache that writes several rooms at once (services.BatchCache) leaves
// each room as the plain methods would.
func testWriteBatch(t *testing.T, c services.HeadCache) {
	bc, ok := c.(services.BatchCache)
	if !ok {
		t.Skip("not a services.BatchCache")
	}
	r1, r2 := services.RoomIDOf("r1"), services.RoomIDOf("r2")
	head := services.Head{Revision: 3, Content: "abc"}
	errs := bc.WriteBatch(ctx(t), []services.CacheWrite{
		{RoomID: r1, Ops: ops(0, 3, "c1"), Head: &head},
		{RoomID: r2, Ops: ops(0, 2, "c2")},
		{RoomID: r1, Ops: ops(3, 4, "c1")},
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	got, err := c.Ops(ctx(t), r1, 0, 4)
	if err != nil {
		t.Fatalf("Ops(r1): %v", err)
	}
	requireOps(t, got, ops(0, 4, "c1"))
	if got, err = c.Ops(ctx(t), r2, 0, 2); err != nil {
		t.Fatalf("Ops(r2): %v", err)
	}
	requireOps(t, got, ops(0, 2, "c2"))
	requireHead(t, c, r1, head)
	if _, err := c.Head(ctx(t), r2); !errors.Is(err, services.ErrCacheMiss) {
		t.Errorf("Head(r2) = %v, want a miss", err)
	}
}
