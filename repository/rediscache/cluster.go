package rediscache

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// Cluster is a services.Cluster on Redis. A room's owner is the value of
// its key PREFIX{room}:owner, set with SET NX PX (a lease of LeaseTerm) and
// extended by its holder only (one script checks the holder and sets the
// expiry, so a lease that changed hands is never extended by the old
// owner). Instances talk over pub/sub, one channel per instance
// (PREFIX instance:NAME), at most once: requests carry ids and
// submissions their operation ids, and the room service sends again what
// goes unanswered.
//
// The lease is not the fence: PostgreSQL's head compare-and-set is. An
// instance whose lease lapsed while it paused (GC, a stalled network) may
// still send a commit, and that commit fails if the new owner moved the
// head; nothing needs a fencing token checked by the store.
type Cluster struct {
	client redis.UniversalClient
	prefix string
	self   string
	term   time.Duration
	log    *slog.Logger
}

var _ services.Cluster = (*Cluster)(nil)

// NewCluster joins this instance to the cluster of the instances that use
// client with prefix ("tandem:" when empty), with leases of term.
func NewCluster(client redis.UniversalClient, prefix string, term time.Duration, log *slog.Logger) *Cluster {
	prefix, log, name := instance(prefix, log)
	return &Cluster{client: client, prefix: prefix, self: name, term: term, log: log}
}

// instance gives a fan-out or cluster of this process its defaults (the
// "tandem:" prefix, the default logger) and a random name.
func instance(prefix string, log *slog.Logger) (string, *slog.Logger, string) {
	if prefix == "" {
		prefix = "tandem:"
	}
	if log == nil {
		log = slog.Default()
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	return prefix, log, hex.EncodeToString(id[:])
}

// Self implements services.Cluster: a random name, new with every start.
func (c *Cluster) Self() string { return c.self }

// LeaseTerm implements services.Cluster.
func (c *Cluster) LeaseTerm() time.Duration { return c.term }

func (c *Cluster) ownerKey(roomID services.RoomID) string {
	return c.prefix + "{" + roomID.Reveal() + "}:owner"
}

func (c *Cluster) channel(instance string) string { return c.prefix + "instance:" + instance }

// claimScript takes the lease when nobody holds it, extends it when the
// caller does, and returns the holder.
var claimScript = redis.NewScript(`
local owner = redis.call('GET', KEYS[1])
if not owner or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return owner`)

// releaseScript ends the lease if the caller holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// Claim implements services.Cluster: one script per room, all in one
// pipeline (one round trip).
func (c *Cluster) Claim(ctx context.Context, roomIDs []services.RoomID) ([]string, error) {
	cmds, err := c.runAll(ctx, claimScript, roomIDs, c.self, c.term.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim %d rooms: %w", len(roomIDs), err)
	}
	owners := make([]string, len(cmds))
	for i, cmd := range cmds {
		if owners[i], err = cmd.Text(); err != nil {
			return nil, fmt.Errorf("claim room=%s: %w", roomIDs[i], err)
		}
	}
	return owners, nil
}

// Release implements services.Cluster.
func (c *Cluster) Release(ctx context.Context, roomIDs []services.RoomID) error {
	if _, err := c.runAll(ctx, releaseScript, roomIDs, c.self); err != nil {
		return fmt.Errorf("release %d rooms: %w", len(roomIDs), err)
	}
	return nil
}

// runAll runs script once per room in one pipeline, by its hash, loading
// it first when Redis does not know it (a new or restarted server).
func (c *Cluster) runAll(ctx context.Context, script *redis.Script, roomIDs []services.RoomID, args ...any) ([]*redis.Cmd, error) {
	run := func(byHash bool) ([]*redis.Cmd, error) {
		pipe := c.client.Pipeline()
		cmds := make([]*redis.Cmd, len(roomIDs))
		for i, id := range roomIDs {
			keys := []string{c.ownerKey(id)}
			if byHash {
				cmds[i] = script.EvalSha(ctx, pipe, keys, args...)
			} else {
				cmds[i] = script.Eval(ctx, pipe, keys, args...)
			}
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run(true)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		cmds, err = run(false)
	}
	return cmds, err
}

// clusterMessage is a services.ClusterMessage on the wire.
type clusterMessage struct {
	From     string        `json:"f"`
	Request  uint64        `json:"q"`
	Room     string        `json:"r"`
	Sub      *wireSub      `json:"s,omitempty"`
	Revision int           `json:"v,omitempty"`
	Op       *ot.Operation `json:"o,omitempty"`
	Code     string        `json:"c,omitempty"`
	Message  string        `json:"m,omitempty"`
	Moved    bool          `json:"mv,omitempty"`
	Owner    string        `json:"w,omitempty"`
}

type wireSub struct {
	ClientID  string        `json:"c"`
	OpID      string        `json:"i,omitempty"`
	Base      int           `json:"b"`
	Op        ot.Operation  `json:"o"`
	Selection *ot.Selection `json:"s,omitempty"`
	Restore   *int          `json:"r,omitempty"`
}

func encodeMessage(m services.ClusterMessage) ([]byte, error) {
	w := clusterMessage{
		From: m.From, Request: m.Request, Room: m.RoomID.Reveal(), Revision: m.Revision,
		Code: string(m.Code), Message: m.Message, Moved: m.Moved, Owner: m.Owner,
	}
	if m.Sub != nil {
		w.Sub = &wireSub{ClientID: m.Sub.ClientID, OpID: m.Sub.OpID, Base: m.Sub.Base, Op: m.Sub.Op, Selection: m.Sub.Selection, Restore: m.Sub.Restore}
	} else if !m.Moved && m.Code == "" {
		w.Op = &m.Op
	}
	return json.Marshal(w)
}

func decodeMessage(b []byte) (services.ClusterMessage, error) {
	var w clusterMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return services.ClusterMessage{}, err
	}
	m := services.ClusterMessage{
		From: w.From, Request: w.Request, RoomID: services.RoomIDOf(w.Room), Revision: w.Revision,
		Code: services.Code(w.Code), Message: w.Message, Moved: w.Moved, Owner: w.Owner,
	}
	switch {
	case w.Sub != nil:
		m.Sub = &services.Submission{ClientID: w.Sub.ClientID, OpID: w.Sub.OpID, Base: w.Sub.Base, Op: w.Sub.Op, Selection: w.Sub.Selection, Restore: w.Sub.Restore}
	case w.Op != nil:
		m.Op = *w.Op
	case !w.Moved && w.Code == "":
		return services.ClusterMessage{}, errors.New("an answer with neither an operation, a code nor moved")
	}
	if m.From == "" || m.RoomID.IsZero() {
		return services.ClusterMessage{}, errors.New("a message without its sender or room")
	}
	return m, nil
}

// Send implements services.Cluster: one PUBLISH per instance, holding
// its messages as one JSON array, all in one pipeline.
func (c *Cluster) Send(ctx context.Context, msgs []services.ClusterMessage) error {
	var order []string
	batches := map[string][]json.RawMessage{}
	for _, m := range msgs {
		b, err := encodeMessage(m)
		if err != nil {
			return fmt.Errorf("encode cluster message room=%s: %w", m.RoomID, err)
		}
		if _, ok := batches[m.To]; !ok {
			order = append(order, m.To)
		}
		batches[m.To] = append(batches[m.To], b)
	}
	pipe := c.client.Pipeline()
	for _, to := range order {
		b, err := json.Marshal(batches[to])
		if err != nil {
			return fmt.Errorf("encode cluster messages: %w", err)
		}
		pipe.Publish(ctx, c.channel(to), b)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("send %d cluster messages: %w", len(msgs), err)
	}
	return nil
}

// decodeBatch decodes one PUBLISH's messages; it returns those that decode
// and the first error.
func decodeBatch(b []byte) ([]services.ClusterMessage, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	msgs := make([]services.ClusterMessage, 0, len(raw))
	var first error
	for _, r := range raw {
		m, err := decodeMessage(r)
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		msgs = append(msgs, m)
	}
	return msgs, first
}

// Listen implements services.Cluster: this instance's channel, on its own
// subscription connection, delivered from one goroutine.
func (c *Cluster) Listen(deliver func(services.ClusterMessage)) (func(), error) {
	ps := c.client.Subscribe(context.Background(), c.channel(c.self))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		return nil, fmt.Errorf("subscribe to the cluster: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range ps.Channel() {
			msgs, err := decodeBatch([]byte(msg.Payload))
			if err != nil {
				c.log.Warn("cluster message", "err", err, "bytes", len(msg.Payload))
			}
			for _, m := range msgs {
				deliver(m)
			}
		}
	}()
	return func() {
		_ = ps.Close()
		<-done
	}, nil
}
