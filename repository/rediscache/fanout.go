package rediscache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/tandem-editor/tandem/services"
)

// FanOut is a services.FanOut over Redis pub/sub: one channel per room
// (with the room's hash tag), one subscription connection per process.
// Pub/sub delivers at most once; rooms fill gaps from the database.
type FanOut struct {
	client redis.UniversalClient
	prefix string
	origin string
	log    *slog.Logger
	ps     *redis.PubSub

	mu   sync.Mutex
	subs map[string]map[int]func([]services.CommittedOp)
	next int
	done chan struct{}
}

var _ services.FanOut = (*FanOut)(nil)

// fanOutMessage is what one Publish sends.
type fanOutMessage struct {
	Origin string   `json:"origin"`
	Ops    []wireOp `json:"ops"`
}

// NewFanOut starts a fan-out on client (which the caller keeps owning) with
// keys under prefix ("tandem:" when empty). Close stops it.
func NewFanOut(client redis.UniversalClient, prefix string, log *slog.Logger) *FanOut {
	if prefix == "" {
		prefix = "tandem:"
	}
	if log == nil {
		log = slog.Default()
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	f := &FanOut{
		client: client, prefix: prefix, origin: hex.EncodeToString(id[:]), log: log,
		ps:   client.Subscribe(context.Background()),
		subs: map[string]map[int]func([]services.CommittedOp){},
		done: make(chan struct{}),
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

// queuePublish queues batches' PUBLISH commands on pipe; once it has run,
// collect returns one error per batch.
func (f *FanOut) queuePublish(ctx context.Context, pipe redis.Pipeliner, batches []services.Batch) (collect func() []error) {
	errs := make([]error, len(batches))
	cmds := make([]*redis.IntCmd, len(batches))
	for i, b := range batches {
		m := fanOutMessage{Origin: f.origin, Ops: make([]wireOp, len(b.Ops))}
		for k, op := range b.Ops {
			m.Ops[k] = toWire(op)
		}
		msg, err := json.Marshal(m)
		if err != nil {
			errs[i] = fmt.Errorf("encode fan-out message: %w", err)
			continue
		}
		cmds[i] = pipe.Publish(ctx, f.channel(b.RoomID), msg)
	}
	return func() []error {
		for i, cmd := range cmds {
			if cmd != nil && cmd.Err() != nil {
				errs[i] = fmt.Errorf("publish room=%s: %w", batches[i].RoomID, cmd.Err())
			}
		}
		return errs
	}
}

// Subscribe implements services.FanOut.
func (f *FanOut) Subscribe(roomID services.RoomID, deliver func([]services.CommittedOp)) (func(), error) {
	ch := f.channel(roomID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs[ch] == nil {
		if err := f.ps.Subscribe(context.Background(), ch); err != nil {
			return nil, fmt.Errorf("subscribe room=%s: %w", roomID, err)
		}
		f.subs[ch] = map[int]func([]services.CommittedOp){}
	}
	id := f.next
	f.next++
	f.subs[ch][id] = deliver
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs[ch], id)
		if len(f.subs[ch]) == 0 {
			delete(f.subs, ch)
			_ = f.ps.Unsubscribe(context.Background(), ch)
		}
	}, nil
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
		if m.Origin == f.origin {
			continue
		}
		ops := make([]services.CommittedOp, len(m.Ops))
		for i, w := range m.Ops {
			ops[i] = fromWire(w)
		}
		f.mu.Lock()
		targets := make([]func([]services.CommittedOp), 0, len(f.subs[msg.Channel]))
		for _, d := range f.subs[msg.Channel] {
			targets = append(targets, d)
		}
		f.mu.Unlock()
		for _, d := range targets {
			d(ops)
		}
	}
}

// Close stops receiving.
func (f *FanOut) Close() error {
	err := f.ps.Close()
	<-f.done
	return err
}
