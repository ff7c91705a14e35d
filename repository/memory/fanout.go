package memory

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// FanOutOptions make a FanOutHub as unreliable as the services.FanOut
// contract allows, for tests. The zero value delivers everything at once,
// in order.
type FanOutOptions struct {
	// Drop is the probability that one delivery (one message to one
	// subscriber) is lost.
	Drop float64
	// Duplicate is the probability that a delivery happens twice.
	Duplicate float64
	// MaxDelay, when positive, delays each delivery by a random time up to
	// it, on its own goroutine: deliveries may then arrive out of order.
	MaxDelay time.Duration
	// Seed fixes the random choices (which deliveries are dropped, doubled
	// and how long each waits); goroutine scheduling still varies.
	Seed uint64
}

// draw decides one delivery's fate: how many copies arrive (0, 1 or 2)
// and after what delay.
func (o FanOutOptions) draw(rng *rand.Rand) (copies int, delay time.Duration) {
	copies = 1
	if o.Drop > 0 && rng.Float64() < o.Drop {
		copies = 0
	} else if o.Duplicate > 0 && rng.Float64() < o.Duplicate {
		copies = 2
	}
	if o.MaxDelay > 0 {
		delay = time.Duration(rng.Int64N(int64(o.MaxDelay) + 1))
	}
	return copies, delay
}

// FanOutHub connects the server instances of one process: several
// services.Rooms sharing a Store, each with its own endpoint (Endpoint), as
// if each were a process on Redis pub/sub. It is safe for concurrent use.
type FanOutHub struct {
	opts FanOutOptions

	mu   sync.Mutex
	rng  *rand.Rand
	subs map[services.RoomID]map[*subscription]bool // by room id
	next int

	published, delivered, dropped, duplicated atomic.Int64
}

// FanOutStats counts what a hub did. Deliveries count messages handed to
// subscribers, duplicates included.
type FanOutStats struct {
	Published, Delivered, Dropped, Duplicated int64
}

type subscription struct {
	seq      int
	endpoint int
	deliver  func([]services.CommittedOp)
	changed  func()
	active   atomic.Bool
}

// NewFanOutHub returns a hub with no endpoints.
func NewFanOutHub(opts FanOutOptions) *FanOutHub {
	return &FanOutHub{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, 0x6661)), subs: map[services.RoomID]map[*subscription]bool{}}
}

// Endpoint returns a new instance's connection to the hub: what it
// publishes reaches every other endpoint's subscribers, never its own.
func (h *FanOutHub) Endpoint() *FanOut {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	return &FanOut{hub: h, id: h.next}
}

// Stats returns the hub's counters.
func (h *FanOutHub) Stats() FanOutStats {
	return FanOutStats{
		Published: h.published.Load(), Delivered: h.delivered.Load(),
		Dropped: h.dropped.Load(), Duplicated: h.duplicated.Load(),
	}
}

// FanOut is one instance's endpoint on a FanOutHub; it implements
// services.FanOut. Without delay, deliveries run on the publisher's
// goroutine, in publication order.
type FanOut struct {
	hub *FanOutHub
	id  int
}

var _ services.FanOut = (*FanOut)(nil)

// delivery is one message for one subscriber, with its fate drawn.
type delivery struct {
	sub    *subscription
	copies int
	delay  time.Duration
}

// Publish implements services.FanOut. It never fails.
func (f *FanOut) Publish(_ context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	msg := append([]services.CommittedOp(nil), ops...)
	f.publish(roomID, func(s *subscription) { s.deliver(msg) })
	return nil
}

// PublishMetadata implements services.FanOut. It never fails.
func (f *FanOut) PublishMetadata(_ context.Context, roomID services.RoomID) error {
	f.publish(roomID, func(s *subscription) {
		if s.changed != nil {
			s.changed()
		}
	})
	return nil
}

// publish hands one message to every other endpoint's subscribers of the
// room, through deliver, as unreliably as the hub's options say.
func (f *FanOut) publish(roomID services.RoomID, deliver func(*subscription)) {
	h := f.hub
	h.published.Add(1)
	h.mu.Lock()
	subs := make([]*subscription, 0, len(h.subs[roomID]))
	for s := range h.subs[roomID] {
		subs = append(subs, s)
	}
	// In subscription order, so that a seed draws the same fates.
	slices.SortFunc(subs, func(a, b *subscription) int { return a.seq - b.seq })
	var out []delivery
	for _, s := range subs {
		if s.endpoint == f.id {
			continue
		}
		d := delivery{sub: s}
		d.copies, d.delay = h.opts.draw(h.rng)
		out = append(out, d)
	}
	h.mu.Unlock()
	for _, d := range out {
		switch d.copies {
		case 0:
			h.dropped.Add(1)
			continue
		case 2:
			h.duplicated.Add(1)
		}
		if d.delay == 0 && h.opts.MaxDelay == 0 {
			h.deliver(d, deliver)
			continue
		}
		time.AfterFunc(d.delay, func() { h.deliver(d, deliver) })
	}
}

func (h *FanOutHub) deliver(d delivery, deliver func(*subscription)) {
	for range d.copies {
		if !d.sub.active.Load() {
			return
		}
		h.delivered.Add(1)
		deliver(d.sub)
	}
}

// Subscribe implements services.FanOut. It never fails.
func (f *FanOut) Subscribe(roomID services.RoomID, deliver func([]services.CommittedOp), changed func()) (func(), error) {
	h := f.hub
	s := &subscription{endpoint: f.id, deliver: deliver, changed: changed}
	s.active.Store(true)
	h.mu.Lock()
	h.next++
	s.seq = h.next
	if h.subs[roomID] == nil {
		h.subs[roomID] = map[*subscription]bool{}
	}
	h.subs[roomID][s] = true
	h.mu.Unlock()
	return func() {
		s.active.Store(false)
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[roomID], s)
		if len(h.subs[roomID]) == 0 {
			delete(h.subs, roomID)
		}
	}, nil
}
