package memory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// ClusterHub is an in-process services.Cluster for the instances of one
// process, for tests: room leases kept in a map with the wall clock's
// expiry, and messages delivered as unreliably as FanOutOptions say. Expire
// ends a lease at once and Cut makes an instance unable to reach the hub, so
// a test can move rooms between owners and cut one off. It is safe for
// concurrent use.
type ClusterHub struct {
	opts FanOutOptions
	term time.Duration

	mu        sync.Mutex
	rng       *rand.Rand
	leases    map[services.RoomID]lease
	listeners map[string]func(services.ClusterMessage)
	cut       map[string]bool
	next      int

	sent, dropped, duplicated atomic.Int64
}

type lease struct {
	owner   string
	expires time.Time
}

// ErrCut is what a cut-off instance's calls return.
var ErrCut = errors.New("memory cluster: instance is cut off")

// NewClusterHub returns a hub whose leases last term.
func NewClusterHub(term time.Duration, opts FanOutOptions) *ClusterHub {
	return &ClusterHub{
		opts: opts, term: term, rng: rand.New(rand.NewPCG(opts.Seed, 0x636c)),
		leases: map[services.RoomID]lease{}, listeners: map[string]func(services.ClusterMessage){}, cut: map[string]bool{},
	}
}

// Endpoint returns a new instance's connection to the hub.
func (h *ClusterHub) Endpoint() *Cluster {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	return &Cluster{hub: h, self: fmt.Sprintf("instance-%d", h.next)}
}

// Owner returns the room's owner now ("" when none).
func (h *ClusterHub) Owner(roomID services.RoomID) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if l, ok := h.leases[roomID]; ok && time.Now().Before(l.expires) {
		return l.owner
	}
	return ""
}

// Expire ends the room's lease now, as if its owner had stopped renewing
// it a term ago.
func (h *ClusterHub) Expire(roomID services.RoomID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.leases, roomID)
}

// Cut cuts an instance off from the hub (or reconnects it): its claims and
// sends fail, and nothing reaches it.
func (h *ClusterHub) Cut(instance string, off bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cut[instance] = off
}

// ClusterStats counts the messages a hub carried.
type ClusterStats struct{ Sent, Dropped, Duplicated int64 }

// Stats returns the hub's counters.
func (h *ClusterHub) Stats() ClusterStats {
	return ClusterStats{Sent: h.sent.Load(), Dropped: h.dropped.Load(), Duplicated: h.duplicated.Load()}
}

// Cluster is one instance's endpoint on a ClusterHub.
type Cluster struct {
	hub  *ClusterHub
	self string
}

var _ services.Cluster = (*Cluster)(nil)

// Self implements services.Cluster.
func (c *Cluster) Self() string { return c.self }

// LeaseTerm implements services.Cluster.
func (c *Cluster) LeaseTerm() time.Duration { return c.hub.term }

// Claim implements services.Cluster.
func (c *Cluster) Claim(_ context.Context, roomIDs []services.RoomID) ([]string, error) {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cut[c.self] {
		return nil, ErrCut
	}
	now := time.Now()
	owners := make([]string, len(roomIDs))
	for i, id := range roomIDs {
		l, ok := h.leases[id]
		if !ok || !now.Before(l.expires) || l.owner == c.self {
			l = lease{owner: c.self, expires: now.Add(h.term)}
			h.leases[id] = l
		}
		owners[i] = l.owner
	}
	return owners, nil
}

// Release implements services.Cluster.
func (c *Cluster) Release(_ context.Context, roomIDs []services.RoomID) error {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cut[c.self] {
		return ErrCut
	}
	for _, id := range roomIDs {
		if h.leases[id].owner == c.self {
			delete(h.leases, id)
		}
	}
	return nil
}

// Send implements services.Cluster: each message is dropped, doubled or
// delayed as the hub's options draw.
func (c *Cluster) Send(_ context.Context, msgs []services.ClusterMessage) error {
	h := c.hub
	h.mu.Lock()
	if h.cut[c.self] {
		h.mu.Unlock()
		return ErrCut
	}
	type delivery struct {
		m       services.ClusterMessage
		to      func(services.ClusterMessage)
		copies  int
		delay   time.Duration
		cutAway string
	}
	out := make([]delivery, 0, len(msgs))
	for _, m := range msgs {
		d := delivery{m: m, to: h.listeners[m.To], cutAway: m.To}
		d.copies, d.delay = h.opts.draw(h.rng)
		out = append(out, d)
	}
	h.mu.Unlock()
	for _, d := range out {
		h.sent.Add(1)
		switch {
		case d.to == nil || d.copies == 0:
			h.dropped.Add(1)
			continue
		case d.copies == 2:
			h.duplicated.Add(1)
		}
		deliver := func() {
			h.mu.Lock()
			off := h.cut[d.cutAway]
			h.mu.Unlock()
			for range d.copies {
				if !off {
					d.to(d.m)
				}
			}
		}
		if d.delay == 0 && h.opts.MaxDelay == 0 {
			deliver()
		} else {
			time.AfterFunc(d.delay, deliver)
		}
	}
	return nil
}

// Listen implements services.Cluster.
func (c *Cluster) Listen(deliver func(services.ClusterMessage)) (func(), error) {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listeners[c.self] = deliver
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.listeners, c.self)
	}, nil
}
