package rediscache

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tandem-editor/tandem/services"
)

// FanOut is a services.FanOut over Redis pub/sub: one channel per room
// (with the room's hash tag), one subscription connection per process.
// Pub/sub delivers at most once; rooms fill gaps from the database.
//
// A room whose clients are all on this instance is not published: when a
// PUBLISH on its channel reached this instance's own subscription and no
// other, the channel goes solo and the next operations are not sent (nor
// echoed back to be dropped), until another instance speaks on it. An
// instance that subscribes to a channel says so on it (Announce: a message
// with no operations), and any message from another instance ends solo.
// What an instance misses before it is heard (the moment between
// subscribing and being heard; a subscription Redis restored after a
// reconnect, which announces nothing) is what a dropped pub/sub message
// would be: the room's gap filling and the head watcher repair it, and the
// head watcher announces the rooms it found behind. Redis Cluster counts a
// PUBLISH's receivers on one node only, so a cluster client always
// publishes.
type FanOut struct {
	client redis.UniversalClient
	prefix string
	origin string
	log    *slog.Logger
	ps     *redis.PubSub
	// counts: a PUBLISH's reply counts every subscriber (not a cluster).
	counts bool

	mu   sync.Mutex
	subs map[string]map[int]subscriber
	// heard: channels on which this instance's subscription delivered one
	// of its own messages, so that a PUBLISH there counts it; solo:
	// channels on which it was the only subscriber at its last PUBLISH.
	heard, solo map[string]bool
	next        int
	done        chan struct{}
	skipped     atomic.Int64
}

var _ services.FanOut = (*FanOut)(nil)

// fanOutMessage is what one Publish (or PublishMetadata, Announce) sends.
// Versions before metadata was published took any message without
// operations for an announcement, as they still may.
type fanOutMessage struct {
	Origin   string   `json:"origin"`
	Ops      []wireOp `json:"ops"`
	Metadata bool     `json:"metadata,omitempty"`
}

// subscriber is one Subscribe's callbacks.
type subscriber struct {
	deliver func([]services.CommittedOp)
	changed func()
}

// NewFanOut starts a fan-out on client (which the caller keeps owning) with
// keys under prefix ("tandem:" when empty). Close stops it.
func NewFanOut(client redis.UniversalClient, prefix string, log *slog.Logger) *FanOut {
	prefix, log, origin := instance(prefix, log)
	f := &FanOut{
		client: client, prefix: prefix, origin: origin, log: log,
		ps:     client.Subscribe(context.Background()),
		subs:   map[string]map[int]subscriber{},
		heard:  map[string]bool{},
		solo:   map[string]bool{},
		done:   make(chan struct{}),
		counts: !isCluster(client),
	}
	go f.receive()
	return f
}

func (f *FanOut) channel(roomID services.RoomID) string {
	return f.prefix + "{" + roomID.Reveal() + "}:committed"
}

// roomOf is the room id of a channel, for logs: the channel's name holds
// the whole id, so it is never logged itself.
func (f *FanOut) roomOf(channel string) services.RoomID {
	id := strings.TrimPrefix(channel, f.prefix+"{")
	return services.RoomIDOf(strings.TrimSuffix(id, "}:committed"))
}

// Publish implements services.FanOut.
func (f *FanOut) Publish(ctx context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	return f.PublishBatch(ctx, []services.Batch{{RoomID: roomID, Ops: ops}})[0]
}

// PublishBatch implements services.BatchFanOut: one PUBLISH per room, all
// in one pipeline (one round trip).
func (f *FanOut) PublishBatch(ctx context.Context, batches []services.Batch) []error {
	pipe := f.client.Pipeline()
	collect := f.queuePublish(ctx, pipe, batches)
	_, _ = pipe.Exec(ctx)
	return collect()
}

// queuePublish queues batches' PUBLISH commands on pipe, but for solo
// channels; once it has run, collect returns one error per batch.
func (f *FanOut) queuePublish(ctx context.Context, pipe redis.Pipeliner, batches []services.Batch) (collect func() []error) {
	errs := make([]error, len(batches))
	cmds := make([]*redis.IntCmd, len(batches))
	channels := make([]string, len(batches))
	f.mu.Lock()
	for i, b := range batches {
		channels[i] = f.channel(b.RoomID)
		if f.solo[channels[i]] {
			channels[i] = ""
		}
	}
	f.mu.Unlock()
	for i, b := range batches {
		if channels[i] == "" {
			f.skipped.Add(1)
			continue
		}
		m := fanOutMessage{Origin: f.origin, Ops: make([]wireOp, len(b.Ops))}
		for k, op := range b.Ops {
			m.Ops[k] = toWire(op)
		}
		msg, err := json.Marshal(m)
		if err != nil {
			errs[i] = fmt.Errorf("encode fan-out message: %w", err)
			continue
		}
		cmds[i] = pipe.Publish(ctx, channels[i], msg)
	}
	return func() []error {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, cmd := range cmds {
			switch {
			case cmd == nil:
			case cmd.Err() != nil:
				errs[i] = fmt.Errorf("publish room=%s: %w", batches[i].RoomID, cmd.Err())
			case f.counts && cmd.Val() <= 1 && f.heard[channels[i]]:
				f.solo[channels[i]] = true
			}
		}
		return errs
	}
}

// Unheard implements services.QuietFanOut: the room's channel is solo.
func (f *FanOut) Unheard(roomID services.RoomID) bool {
	ch := f.channel(roomID)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.solo[ch]
}

// Skipped is the number of batches not published because their room had
// no subscriber on another instance.
func (f *FanOut) Skipped() int64 { return f.skipped.Load() }

func isCluster(c redis.UniversalClient) bool {
	_, ok := c.(*redis.ClusterClient)
	return ok
}

// Subscribe implements services.FanOut.
func (f *FanOut) Subscribe(roomID services.RoomID, deliver func([]services.CommittedOp), changed func()) (func(), error) {
	ch := f.channel(roomID)
	f.mu.Lock()
	first := f.subs[ch] == nil
	if first {
		if err := f.ps.Subscribe(context.Background(), ch); err != nil {
			f.mu.Unlock()
			return nil, fmt.Errorf("subscribe room=%s: %w", roomID, err)
		}
		f.subs[ch] = map[int]subscriber{}
	}
	id := f.next
	f.next++
	f.subs[ch][id] = subscriber{deliver: deliver, changed: changed}
	f.mu.Unlock()
	if first {
		// The instances already there may have gone solo.
		f.Announce(roomID)
	}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs[ch], id)
		if len(f.subs[ch]) == 0 {
			delete(f.subs, ch)
			delete(f.heard, ch)
			delete(f.solo, ch)
			_ = f.ps.Unsubscribe(context.Background(), ch)
		}
	}, nil
}

// PublishMetadata implements services.FanOut. It publishes also on a solo
// channel: a metadata change is rare, and an instance that loaded the room
// a moment ago may not have been heard yet.
func (f *FanOut) PublishMetadata(ctx context.Context, roomID services.RoomID) error {
	msg, _ := json.Marshal(fanOutMessage{Origin: f.origin, Ops: []wireOp{}, Metadata: true})
	if err := f.client.Publish(ctx, f.channel(roomID), msg).Err(); err != nil {
		return fmt.Errorf("publish metadata room=%s: %w", roomID, err)
	}
	return nil
}

// Announce implements services.QuietFanOut: a message with no operations on
// the room's channel, which has every other instance publish the room's
// operations again.
func (f *FanOut) Announce(roomID services.RoomID) {
	hello, _ := json.Marshal(fanOutMessage{Origin: f.origin, Ops: []wireOp{}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := f.client.Publish(ctx, f.channel(roomID), hello).Err(); err != nil {
		f.log.Warn("fan-out: could not announce a subscription; other instances may not publish the room's operations until the next head check", "room", roomID, "err", err)
	}
}

// receive delivers other instances' messages until Close, every room's
// from this one goroutine: the rooms' deliver functions do not block
// (services.FanOut), so one busy room holds up no other.
func (f *FanOut) receive() {
	defer close(f.done)
	for msg := range f.ps.Channel() {
		var m fanOutMessage
		if err := json.Unmarshal([]byte(msg.Payload), &m); err != nil {
			f.log.Warn("fan-out message", "room", f.roomOf(msg.Channel), "err", err)
			continue
		}
		f.mu.Lock()
		if m.Origin == f.origin {
			if f.subs[msg.Channel] != nil {
				f.heard[msg.Channel] = true
			}
			f.mu.Unlock()
			continue
		}
		delete(f.solo, msg.Channel)
		if len(m.Ops) == 0 && !m.Metadata { // another instance subscribed
			f.mu.Unlock()
			continue
		}
		targets := make([]subscriber, 0, len(f.subs[msg.Channel]))
		for _, s := range f.subs[msg.Channel] {
			targets = append(targets, s)
		}
		f.mu.Unlock()
		if m.Metadata {
			for _, s := range targets {
				if s.changed != nil {
					s.changed()
				}
			}
			continue
		}
		ops := make([]services.CommittedOp, len(m.Ops))
		for i, w := range m.Ops {
			ops[i] = fromWire(w)
		}
		for _, s := range targets {
			s.deliver(ops)
		}
	}
}

// Close stops receiving.
func (f *FanOut) Close() error {
	err := f.ps.Close()
	<-f.done
	return err
}
