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
	// MaxRooms is how many rooms are kept; the least recently used goes
	// first (1024).
	MaxRooms int
	// TTL drops a room not written for this long (1 hour).
	TTL time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Cache is the in-process services.HeadCache: per room, the head and a
// window of the newest operations, for at most MaxRooms rooms.
type Cache struct {
	opts  CacheOptions
	mu    sync.Mutex
	rooms map[string]*list.Element // of *cached
	lru   list.List                // front: most recently used
}

type cached struct {
	roomID  string
	head    services.Head
	hasHead bool
	ops     []services.CommittedOp // ascending revisions, no duplicates
	expires time.Time
}

var _ services.HeadCache = (*Cache)(nil)

// NewCache returns an empty cache.
func NewCache(opts CacheOptions) *Cache {
	if opts.Window <= 0 {
		opts.Window = 1000
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
	return &Cache{opts: opts, rooms: map[string]*list.Element{}}
}

// get returns the room's live entry, or nil. Call with mu held.
func (c *Cache) get(roomID string) *cached {
	e, ok := c.rooms[roomID]
	if !ok {
		return nil
	}
	r := e.Value.(*cached)
	if !c.opts.Now().Before(r.expires) {
		c.lru.Remove(e)
		delete(c.rooms, roomID)
		return nil
	}
	c.lru.MoveToFront(e)
	return r
}

// write returns the room's entry for writing, creating it and evicting the
// least recently used room if needed, with its expiry renewed.
func (c *Cache) write(roomID string) *cached {
	r := c.get(roomID)
	if r == nil {
		r = &cached{roomID: roomID}
		c.rooms[roomID] = c.lru.PushFront(r)
		for c.lru.Len() > c.opts.MaxRooms {
			old := c.lru.Back()
			c.lru.Remove(old)
			delete(c.rooms, old.Value.(*cached).roomID)
		}
	}
	r.expires = c.opts.Now().Add(c.opts.TTL)
	return r
}

// Head returns the cached head. Returns services.ErrCacheMiss.
func (c *Cache) Head(_ context.Context, roomID string) (services.Head, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.get(roomID)
	if r == nil || !r.hasHead {
		return services.Head{}, services.ErrCacheMiss
	}
	return r.head, nil
}

// SetHead replaces the cached head if h is newer.
func (c *Cache) SetHead(_ context.Context, roomID string, h services.Head) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.write(roomID)
	if !r.hasHead || h.Revision > r.head.Revision {
		r.head, r.hasHead = h, true
	}
	return nil
}

// AppendOps adds ops to the room's window, replacing any cached operation
// of the same revision, and drops the oldest beyond the window.
func (c *Cache) AppendOps(_ context.Context, roomID string, ops []services.CommittedOp) error {
	if len(ops) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.write(roomID)
	for _, op := range ops {
		n := len(r.ops)
		if n == 0 || op.Revision > r.ops[n-1].Revision {
			r.ops = append(r.ops, op)
			continue
		}
		i := sort.Search(n, func(i int) bool { return r.ops[i].Revision >= op.Revision })
		if r.ops[i].Revision == op.Revision {
			r.ops[i] = op
			continue
		}
		r.ops = append(r.ops, services.CommittedOp{})
		copy(r.ops[i+1:], r.ops[i:])
		r.ops[i] = op
	}
	if extra := len(r.ops) - c.opts.Window; extra > 0 {
		// Copy rather than reslice so the dropped operations can be freed.
		r.ops = append(make([]services.CommittedOp, 0, c.opts.Window+len(ops)), r.ops[extra:]...)
	}
	return nil
}

// Ops returns the operations after from up to and including to.
// Returns services.ErrCacheMiss unless every one of them is cached.
func (c *Cache) Ops(_ context.Context, roomID string, from, to int) ([]services.CommittedOp, error) {
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
