package rediscache

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// Options configure a Cache. Zero fields take the defaults.
type Options struct {
	// Prefix starts every key ("tandem:"). It must not contain '{'.
	Prefix string
	// TTL is how long a room's keys live after their last write (1 hour).
	TTL time.Duration
	// Window is how many of a room's newest operations are kept (1000).
	Window int
	// WindowBytes bounds the encoded bytes of a room's window
	// (DefaultWindowBytes): the oldest operations go first, and an
	// operation larger than it is not kept.
	WindowBytes int64
}

// DefaultWindowBytes is the default bound of one room's window: without it
// a window of 1000 operations of 1 MiB would hold a gigabyte of Redis per
// room. Loading reads from the window only the operations after the cached
// head, which is written every second, so 4 MiB (four of the largest
// messages) is plenty.
const DefaultWindowBytes = 4 << 20

// Cache is a services.HeadCache over Redis.
type Cache struct {
	client redis.UniversalClient
	opts   Options
}

var _ services.HeadCache = (*Cache)(nil)

// New returns a cache over client, which it owns from now on.
func New(client redis.UniversalClient, opts Options) *Cache {
	if opts.Prefix == "" {
		opts.Prefix = "tandem:"
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Hour
	}
	if opts.Window <= 0 {
		opts.Window = 1000
	}
	if opts.WindowBytes <= 0 {
		opts.WindowBytes = DefaultWindowBytes
	}
	return &Cache{client: client, opts: opts}
}

// Open connects to the Redis of redisURL (see NewClient for the accepted
// forms) and checks that it answers.
func Open(ctx context.Context, redisURL string, opts Options) (*Cache, error) {
	client, err := NewClient(redisURL)
	if err != nil {
		return nil, err
	}
	c := New(client, opts)
	if err := c.Ping(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the client.
func (c *Cache) Close() error { return c.client.Close() }

// Client is the cache's Redis client, for a FanOut to share.
func (c *Cache) Client() redis.UniversalClient { return c.client }

// Ping checks that Redis answers.
func (c *Cache) Ping(ctx context.Context) error {
	if err := c.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

func (c *Cache) headKey(roomID services.RoomID) string {
	return c.opts.Prefix + "{" + roomID.Reveal() + "}:head"
}

func (c *Cache) opsKey(roomID services.RoomID) string {
	return c.opts.Prefix + "{" + roomID.Reveal() + "}:ops"
}

// opsBytesKey holds the sum of the lengths of the members of opsKey.
func (c *Cache) opsBytesKey(roomID services.RoomID) string {
	return c.opts.Prefix + "{" + roomID.Reveal() + "}:opsbytes"
}

// setHead stores ARGV (revision, content) unless the cached head is as new,
// and renews the TTL (ARGV[3], milliseconds) either way.
var setHead = redis.NewScript(`
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local cur = redis.call('HGET', KEYS[1], 'rev')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'content', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// Head returns the cached head. Returns services.ErrCacheMiss.
func (c *Cache) Head(ctx context.Context, roomID services.RoomID) (services.Head, error) {
	vals, err := c.client.HMGet(ctx, c.headKey(roomID), "rev", "content").Result()
	if err != nil {
		return services.Head{}, fmt.Errorf("redis head room=%s: %w", roomID, err)
	}
	rev, ok1 := vals[0].(string)
	content, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return services.Head{}, services.ErrCacheMiss
	}
	n, err := strconv.Atoi(rev)
	if err != nil {
		return services.Head{}, fmt.Errorf("redis head room=%s: revision %q: %w", roomID, rev, err)
	}
	return services.Head{Revision: n, Content: content}, nil
}

// SetHead replaces the cached head if h is newer than it.
func (c *Cache) SetHead(ctx context.Context, roomID services.RoomID, h services.Head) error {
	err := setHead.Run(ctx, c.client, []string{c.headKey(roomID)}, h.Revision, h.Content, c.opts.TTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis set head room=%s rev=%d: %w", roomID, h.Revision, err)
	}
	return nil
}

// appendOps adds (revision, member) pairs from ARGV[4] on to the sorted set
// KEYS[1], replacing the member of a revision already present; then drops
// the oldest members while there are more than ARGV[1] or their lengths add
// up to more than ARGV[3] bytes, and renews the TTL (ARGV[2], milliseconds).
// KEYS[2] keeps the sum of the members' lengths, so that trimming reads only
// what it removes. Should it drift (one key evicted without the other), it
// is clamped at 0 and reset when the set empties; the count bound holds
// regardless.
var appendOps = redis.NewScript(`
local bytes = tonumber(redis.call('GET', KEYS[2]) or '0')
for i = 4, #ARGV, 2 do
  for _, old in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i])) do
    bytes = bytes - #old
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i])
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i+1])
  bytes = bytes + #ARGV[i+1]
end
local n = redis.call('ZCARD', KEYS[1])
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[3])
while n > 0 and (n > window or bytes > limit) do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  bytes = bytes - #popped[1]
  n = n - 1
end
if n == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
redis.call('SET', KEYS[2], math.max(bytes, 0), 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
`)

// AppendOps adds ops to the room's window and trims it to the newest Window
// operations and WindowBytes bytes.
func (c *Cache) AppendOps(ctx context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	if len(ops) == 0 {
		return nil
	}
	args, err := c.appendArgs(roomID, ops)
	if err != nil {
		return err
	}
	if err := appendOps.Run(ctx, c.client, []string{c.opsKey(roomID), c.opsBytesKey(roomID)}, args...).Err(); err != nil {
		return fmt.Errorf("redis append room=%s revs=%d..%d: %w", roomID, ops[0].Revision, ops[len(ops)-1].Revision, err)
	}
	return nil
}

// appendArgs are appendOps' arguments for ops.
func (c *Cache) appendArgs(roomID services.RoomID, ops []services.CommittedOp) ([]any, error) {
	args := make([]any, 0, 3+2*len(ops))
	args = append(args, c.opts.Window, c.opts.TTL.Milliseconds(), c.opts.WindowBytes)
	for _, op := range ops {
		member, err := encodeOp(op)
		if err != nil {
			return nil, fmt.Errorf("redis append room=%s rev=%d: %w", roomID, op.Revision, err)
		}
		args = append(args, op.Revision, member)
	}
	return args, nil
}

// WriteBatch implements services.BatchCache: every room's operations and
// head in one pipeline (one round trip). A script Redis does not know yet
// (NOSCRIPT, after a restart or a flush) is written again on its own,
// which loads it.
func (c *Cache) WriteBatch(ctx context.Context, writes []services.CacheWrite) []error {
	pipe := c.client.Pipeline()
	collect := c.queueWrites(ctx, pipe, writes)
	_, _ = pipe.Exec(ctx)
	return collect()
}

// PublishAndWrite implements services.PublishingCache: when f is a FanOut
// on this cache's client, the publishes and then the writes go in one
// pipeline, one round trip for both.
func (c *Cache) PublishAndWrite(ctx context.Context, f services.FanOut, batches []services.Batch, writes []services.CacheWrite) (pubErrs, cacheErrs []error, ok bool) {
	fo, ok := f.(*FanOut)
	if !ok || fo.client != c.client {
		return nil, nil, false
	}
	pipe := c.client.Pipeline()
	published := fo.queuePublish(ctx, pipe, batches)
	written := c.queueWrites(ctx, pipe, writes)
	_, _ = pipe.Exec(ctx)
	return published(), written(), true
}

// queueWrites queues writes' scripts on pipe; once it has run, collect
// returns one error per write.
func (c *Cache) queueWrites(ctx context.Context, pipe redis.Pipeliner, writes []services.CacheWrite) (collect func() []error) {
	errs := make([]error, len(writes))
	type pending struct{ ops, head *redis.Cmd }
	cmds := make([]pending, len(writes))
	for i, w := range writes {
		if len(w.Ops) > 0 {
			args, err := c.appendArgs(w.RoomID, w.Ops)
			if err != nil {
				errs[i] = err
				continue
			}
			cmds[i].ops = appendOps.EvalSha(ctx, pipe, []string{c.opsKey(w.RoomID), c.opsBytesKey(w.RoomID)}, args...)
		}
		if w.Head != nil {
			cmds[i].head = setHead.EvalSha(ctx, pipe, []string{c.headKey(w.RoomID)}, w.Head.Revision, w.Head.Content, c.opts.TTL.Milliseconds())
		}
	}
	return func() []error {
		for i, p := range cmds {
			if errs[i] != nil {
				continue
			}
			var err error
			for _, cmd := range []*redis.Cmd{p.ops, p.head} {
				if cmd != nil && cmd.Err() != nil && err == nil {
					err = cmd.Err()
				}
			}
			switch {
			case err != nil && redis.HasErrorPrefix(err, "NOSCRIPT"):
				errs[i] = services.WriteOne(ctx, c, writes[i])
			case err != nil:
				errs[i] = fmt.Errorf("redis write room=%s: %w", writes[i].RoomID, err)
			}
		}
		return errs
	}
}

// Ops returns the operations after from up to and including to.
// Returns services.ErrCacheMiss unless every one of them is cached.
func (c *Cache) Ops(ctx context.Context, roomID services.RoomID, from, to int) ([]services.CommittedOp, error) {
	if from >= to {
		return nil, nil
	}
	members, err := c.client.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: c.opsKey(roomID), Start: "(" + strconv.Itoa(from), Stop: strconv.Itoa(to), ByScore: true,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("redis ops room=%s (%d,%d]: %w", roomID, from, to, err)
	}
	if len(members) != to-from {
		return nil, services.ErrCacheMiss
	}
	ops := make([]services.CommittedOp, len(members))
	for i, m := range members {
		op, err := decodeOp(m)
		if err != nil {
			return nil, fmt.Errorf("redis ops room=%s: %w", roomID, err)
		}
		if op.Revision != from+1+i {
			return nil, services.ErrCacheMiss
		}
		ops[i] = op
	}
	return ops, nil
}

// wireOp is a committed operation as the sorted set holds it.
type wireOp struct {
	Revision int          `json:"r"`
	Op       ot.Operation `json:"o"`
	ClientID string       `json:"c,omitempty"`
	OpID     string       `json:"i,omitempty"`
	Base     int          `json:"b"`
	Digest   string       `json:"d,omitempty"`
	// CreatedAt is in Unix nanoseconds; 0 is the zero time.
	CreatedAt int64 `json:"t,omitempty"`
}

func toWire(op services.CommittedOp) wireOp {
	w := wireOp{Revision: op.Revision, Op: op.Op, ClientID: op.ClientID, OpID: op.OpID, Base: op.BaseRevision, Digest: op.Digest}
	if !op.CreatedAt.IsZero() {
		w.CreatedAt = op.CreatedAt.UnixNano()
	}
	return w
}

func fromWire(w wireOp) services.CommittedOp {
	op := services.CommittedOp{Revision: w.Revision, Op: w.Op, ClientID: w.ClientID, OpID: w.OpID, BaseRevision: w.Base, Digest: w.Digest}
	if w.CreatedAt != 0 {
		op.CreatedAt = time.Unix(0, w.CreatedAt).UTC()
	}
	return op
}

func encodeOp(op services.CommittedOp) (string, error) {
	b, err := json.Marshal(toWire(op))
	return string(b), err
}

func decodeOp(member string) (services.CommittedOp, error) {
	var w wireOp
	if err := json.Unmarshal([]byte(member), &w); err != nil {
		return services.CommittedOp{}, fmt.Errorf("decode cached op: %w", err)
	}
	return fromWire(w), nil
}
