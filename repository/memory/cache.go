package memory

import (
	"container/list"
	"context"
	"sort"
	"sync"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// CacheOptions bound the in-process cache. Zero fields take the defaults.
type CacheOptions struct {
	// Window is how many of a room's newest operations are kept (1000).
	Window int
	// WindowBytes bounds the bytes of a room's window (DefaultWindowBytes):
	// the oldest operations go first, and an operation larger than it is
	// not kept.
	WindowBytes int64
	// MaxBytes bounds the bytes of everything cached (DefaultCacheBytes):
	// least recently used rooms go first, and a room larger than it is not
	// kept.
	MaxBytes int64
	// MaxRooms is how many rooms are kept; the least recently used goes
	// first (1024).
	MaxRooms int
	// TTL drops a room not written for this long (1 hour).
	TTL time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
}

// DefaultCacheBytes is the default budget of the in-process cache. The cache
// only speeds up loading a room that was unloaded a moment ago (with SQLite
// on the same disk, a load without it is a few reads); 64 MiB keeps thousands
// of ordinary documents, or 16 of the largest (4 MiB), without the cache
// outweighing the rooms that are loaded.
const DefaultCacheBytes = 64 << 20

// DefaultWindowBytes is the default bound of one room's window of operations:
// loading reads from the window only the operations after the cached head,
// which is written every second, so it rarely needs much; 4 MiB holds four of
// the largest messages.
const DefaultWindowBytes = 4 << 20

// Sizes are approximations of what an entry keeps on the heap, the same for
// every entry: the bytes of its strings plus a fixed overhead per structure.
const (
	// roomOverhead covers a room's list element, map entry and cached
	// struct.
	roomOverhead = 256
	// opOverhead covers a services.CommittedOp in the window's array.
	opOverhead = 144
	// componentOverhead covers one component of an operation (an int and a
	// string header).
	componentOverhead = 24
)

// Cache is the in-process services.HeadCache: per room, the head and a
// window of the newest operations, for at most MaxRooms rooms and MaxBytes
// bytes.
type Cache struct {
	opts  CacheOptions
	mu    sync.Mutex
	rooms map[services.RoomID]*list.Element // of *cached
	lru   list.List                         // front: most recently used
	bytes int64                             // sum of the rooms' sizes
}

type cached struct {
	roomID  services.RoomID
	head    services.Head
	hasHead bool
	ops     []services.CommittedOp // ascending revisions, no duplicates
	opBytes int64                  // sum of opSize over ops
	size    int64                  // what the room counts in Cache.bytes
	expires time.Time
}

var _ services.HeadCache = (*Cache)(nil)

// NewCache returns an empty cache.
func NewCache(opts CacheOptions) *Cache {
	if opts.Window <= 0 {
		opts.Window = 1000
	}
	if opts.WindowBytes <= 0 {
		opts.WindowBytes = DefaultWindowBytes
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultCacheBytes
	}
	if opts.MaxRooms <= 0 {
		opts.MaxRooms = 1024
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{opts: opts, rooms: map[services.RoomID]*list.Element{}}
}

// Bytes is the size of everything cached, as the cache accounts it against
// MaxBytes.
func (c *Cache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Len is the number of rooms cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// opSize approximates the heap bytes a cached operation keeps.
func opSize(op services.CommittedOp) int64 {
	n := int64(opOverhead + len(op.ClientID) + len(op.OpID) + len(op.Digest))
	for _, comp := range op.Op.Components() {
		n += componentOverhead + int64(len(comp.Insert))
	}
	return n
}

// get returns the room's live entry, or nil. Call with mu held.
func (c *Cache) get(roomID services.RoomID) *cached {
	e, ok := c.rooms[roomID]
	if !ok {
		return nil
	}
	r := e.Value.(*cached)
	if !c.opts.Now().Before(r.expires) {
		c.remove(e)
		return nil
	}
	c.lru.MoveToFront(e)
	return r
}

// remove forgets a room. Call with mu held.
func (c *Cache) remove(e *list.Element) {
	r := e.Value.(*cached)
	c.lru.Remove(e)
	delete(c.rooms, r.roomID)
	c.bytes -= r.size
}

// write returns the room's entry for writing, creating it if needed, with
// its expiry renewed. Call settle when done with it.
func (c *Cache) write(roomID services.RoomID) *cached {
	r := c.get(roomID)
	if r == nil {
		r = &cached{roomID: roomID}
		c.rooms[roomID] = c.lru.PushFront(r)
	}
	r.expires = c.opts.Now().Add(c.opts.TTL)
	return r
}

// settle accounts r's new size and evicts, least recently used first, until
// the cache is within MaxRooms and MaxBytes: r itself goes when it alone
// is larger than MaxBytes. Call with mu held.
func (c *Cache) settle(r *cached) {
	size := int64(roomOverhead+2*len(r.roomID.Reveal())+len(r.head.Content)) + r.opBytes
	c.bytes += size - r.size
	r.size = size
	// Rooms expired at the back are freed first, whatever the budget.
	now := c.opts.Now()
	for e := c.lru.Back(); e != nil && e.Value != r && !now.Before(e.Value.(*cached).expires); e = c.lru.Back() {
		c.remove(e)
	}
	for c.lru.Len() > 0 && (c.lru.Len() > c.opts.MaxRooms || c.bytes > c.opts.MaxBytes) {
		c.remove(c.lru.Back())
	}
}

// Head returns the cached head. Returns services.ErrCacheMiss.
func (c *Cache) Head(_ context.Context, roomID services.RoomID) (services.Head, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.get(roomID)
	if r == nil || !r.hasHead {
		return services.Head{}, services.ErrCacheMiss
	}
	return r.head, nil
}

// SetHead replaces the cached head if h is newer.
func (c *Cache) SetHead(_ context.Context, roomID services.RoomID, h services.Head) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.write(roomID)
	if !r.hasHead || h.Revision > r.head.Revision {
		r.head, r.hasHead = h, true
	}
	c.settle(r)
	return nil
}

// AppendOps adds ops to the room's window, replacing any cached operation
// of the same revision, and drops the oldest beyond Window and WindowBytes.
func (c *Cache) AppendOps(_ context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	if len(ops) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.write(roomID)
	for _, op := range ops {
		r.opBytes += opSize(op)
		n := len(r.ops)
		if n == 0 || op.Revision > r.ops[n-1].Revision {
			r.ops = append(r.ops, op)
			continue
		}
		i := sort.Search(n, func(i int) bool { return r.ops[i].Revision >= op.Revision })
		if r.ops[i].Revision == op.Revision {
			r.opBytes -= opSize(r.ops[i])
			r.ops[i] = op
			continue
		}
		r.ops = append(r.ops, services.CommittedOp{})
		copy(r.ops[i+1:], r.ops[i:])
		r.ops[i] = op
	}
	extra := max(len(r.ops)-c.opts.Window, 0)
	for _, op := range r.ops[:extra] {
		r.opBytes -= opSize(op)
	}
	for ; extra < len(r.ops) && r.opBytes > c.opts.WindowBytes; extra++ {
		r.opBytes -= opSize(r.ops[extra])
	}
	if extra > 0 {
		// Copy rather than reslice so the dropped operations can be freed.
		r.ops = append(make([]services.CommittedOp, 0, len(r.ops)-extra+len(ops)), r.ops[extra:]...)
	}
	c.settle(r)
	return nil
}

// Ops returns the operations after from up to and including to.
// Returns services.ErrCacheMiss unless every one of them is cached.
func (c *Cache) Ops(_ context.Context, roomID services.RoomID, from, to int) ([]services.CommittedOp, error) {
	if from >= to {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.get(roomID)
	if r == nil {
		return nil, services.ErrCacheMiss
	}
	i := sort.Search(len(r.ops), func(i int) bool { return r.ops[i].Revision > from })
	j := i + (to - from)
	// Revisions ascend without duplicates: the first and last being right
	// means none is missing.
	if j > len(r.ops) || r.ops[i].Revision != from+1 || r.ops[j-1].Revision != to {
		return nil, services.ErrCacheMiss
	}
	return append([]services.CommittedOp(nil), r.ops[i:j]...), nil
}

// Ping implements services.HeadCache; the in-process cache always answers.
func (c *Cache) Ping(context.Context) error { return nil }
