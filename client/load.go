package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// LoadConfig describes a load run: Rooms rooms × Clients clients each, every
// client typing Rate edits per second for Warmup + Duration.
type LoadConfig struct {
	// URL is the server's base URL.
	URL string
	// URLs, when set, are the base URLs of several instances of one
	// deployment (sharing the database): client j of a room connects to
	// URLs[j%len(URLs)]; rooms are created and checked on URLs[0]. URL is
	// then not used.
	URLs []string
	// Token is the bearer token room creation may need.
	Token          string
	Rooms, Clients int
	// Rate is edits per second per client.
	Rate float64
	// Warmup runs before the measured Duration; what is sent during it is
	// not measured.
	Warmup, Duration time.Duration
	// Seed fixes the rooms' starting content and every client's sequence of
	// edits: a run with the same seed makes the same edits (the same kinds,
	// relative positions and texts; absolute positions follow the document
	// each client sees).
	Seed uint64
	// ContentSize is the length of each room's starting content (default 2000).
	ContentSize int
	// Settle bounds the wait for clients to finish after typing stops
	// (default 15 s).
	Settle time.Duration
}

// Latency summarizes a latency distribution, in milliseconds. Percentiles
// are accurate to about 1%.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50Ms"`
	P90   float64 `json:"p90Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// LoadReport is the outcome of a load run.
type LoadReport struct {
	Rooms    int     `json:"rooms"`
	Clients  int     `json:"clientsPerRoom"`
	Rate     float64 `json:"ratePerClient"`
	Seed     uint64  `json:"seed"`
	Duration float64 `json:"durationSeconds"`
	// Edits counts local edits made in the measured window; Acks the
	// acknowledgements received in it (buffered edits travel composed, so
	// Acks may be fewer than Edits).
	Edits         int     `json:"edits"`
	Acks          int     `json:"acks"`
	AcksPerSecond float64 `json:"acksPerSecond"`
	// SubmitAck is send → ack at the sender; SubmitBroadcast is send (at
	// the sender) → receipt of the operation at each other client.
	SubmitAck       Latency        `json:"submitToAck"`
	SubmitBroadcast Latency        `json:"submitToBroadcast"`
	Errors          map[string]int `json:"errors"`
	Reconnects      int            `json:"reconnects"`
	Resyncs         int            `json:"resyncs"`
	// Desyncs counts content hashes that differed from the server's.
	Desyncs int `json:"desyncs"`
	// Diverged counts rooms whose clients did not all end with the server's
	// content.
	Diverged int `json:"divergedRooms"`
}

// Metrics hands report the headline figures, in the units the benchmarks
// quote (testing.B.ReportMetric fits): acks/s, the p50 and p99 of
// submit→ack and submit→broadcast in ms, and errors (error answers plus
// resyncs).
func (r LoadReport) Metrics(report func(value float64, unit string)) {
	report(r.AcksPerSecond, "acks/s")
	report(r.SubmitAck.P50, "ack-p50-ms")
	report(r.SubmitAck.P99, "ack-p99-ms")
	report(r.SubmitBroadcast.P50, "bcast-p50-ms")
	report(r.SubmitBroadcast.P99, "bcast-p99-ms")
	errors := r.Resyncs + r.Desyncs
	for _, n := range r.Errors {
		errors += n
	}
	report(float64(errors), "errors")
}

// RunLoad creates the rooms, connects the clients, types, waits for every
// client to settle, checks convergence and reports. Everything is bounded in
// time by the config and ctx.
//
// Errors: room creation and connection failures, ctx's error.
func RunLoad(ctx context.Context, cfg LoadConfig) (LoadReport, error) {
	if cfg.Rooms < 1 || cfg.Clients < 1 || cfg.Rate <= 0 || cfg.Duration <= 0 {
		return LoadReport{}, errors.New("loadgen: rooms, clients, rate and duration must be positive")
	}
	if cfg.ContentSize <= 0 {
		cfg.ContentSize = 2000
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 15 * time.Second
	}
	urls := cfg.URLs
	if len(urls) == 0 {
		urls = []string{cfg.URL}
	}
	rest := NewREST(urls[0])
	rest.Token = cfg.Token
	seedRand := rand.New(rand.NewPCG(cfg.Seed, 0))

	var stats loadStats
	stats.errors = map[string]int{}
	rooms := make([]*loadRoom, cfg.Rooms)
	var all []*Client
	defer func() {
		for _, c := range all {
			_ = c.Close()
		}
	}()
	for i := range rooms {
		room, err := rest.CreateRoom(ctx, NewRoom{Name: fmt.Sprintf("loadgen %d", i), Language: "go", Content: seededText(seedRand, cfg.ContentSize)})
		if err != nil {
			return LoadReport{}, fmt.Errorf("create room %d: %w", i, err)
		}
		lr := &loadRoom{id: room.ID, sent: map[int]time.Time{}, waiting: map[int][]time.Time{}, seen: map[int]int{}, receivers: cfg.Clients - 1, stats: &stats}
		rooms[i] = lr
		for j := range cfg.Clients {
			c, err := Dial(ctx, urls[j%len(urls)], room.ID, Options{Name: fmt.Sprintf("load-%d-%d", i, j), OnEvent: lr.onEvent, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second})
			if err != nil {
				return LoadReport{}, fmt.Errorf("connect client %d of room %d: %w", j, i, err)
			}
			lr.clients = append(lr.clients, c)
			all = append(all, c)
		}
	}

	start := time.Now()
	stats.from = start.Add(cfg.Warmup)
	stats.to = stats.from.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, stats.to)
	defer cancel()
	var wg sync.WaitGroup
	period := time.Duration(float64(time.Second) / cfg.Rate)
	for i, lr := range rooms {
		for j, c := range lr.clients {
			r := rand.New(rand.NewPCG(cfg.Seed, uint64(1+i*cfg.Clients+j)))
			offset := time.Duration(r.Int64N(int64(period)))
			wg.Go(func() {
				next := start.Add(offset)
				for {
					select {
					case <-runCtx.Done():
						return
					case <-time.After(time.Until(next)):
					}
					edit := randomTyping(r)
					if err := c.EditFunc(edit); err == nil {
						stats.edit(time.Now())
					}
					next = next.Add(period)
				}
			})
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return LoadReport{}, err
	}

	settle, cancelSettle := context.WithTimeout(ctx, cfg.Settle)
	defer cancelSettle()
	diverged := 0
	for _, lr := range rooms {
		if !lr.converged(settle, rest) {
			diverged++
		}
	}
	return stats.report(cfg, diverged), nil
}

// seededText is ASCII text of n characters: words, spaces and newlines.
func seededText(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		switch k := r.IntN(40); {
		case k == 0:
			b[i] = '\n'
		case k < 7:
			b[i] = ' '
		default:
			b[i] = byte('a' + r.IntN(26))
		}
	}
	return string(b)
}

// randomTyping draws one edit intent: mostly inserts of 1-3 characters, some
// deletes of 1-3, at a relative position that is mapped onto the document
// when the edit is made.
func randomTyping(r *rand.Rand) func(doc string) (ot.Operation, *ot.Selection, error) {
	del := r.IntN(10) < 3
	frac := r.Float64()
	n := 1 + r.IntN(3)
	text := make([]byte, n)
	for i := range text {
		text[i] = byte('a' + r.IntN(26))
	}
	return func(doc string) (ot.Operation, *ot.Selection, error) {
		var op ot.Operation
		l := ot.UTF16Len(doc)
		pos := int(frac * float64(l))
		if del && l > 0 {
			if pos+n > l {
				pos = max(0, l-n)
			}
			k := min(n, l-pos)
			op.Retain(pos).Delete(k).Retain(l - pos - k)
		} else {
			op.Retain(pos).Insert(string(text)).Retain(l - pos)
		}
		sel := &ot.Selection{Ranges: []ot.Range{{Anchor: pos, Head: pos}}}
		return op, sel, op.Err()
	}
}

// loadRoom correlates one room's sends and receipts by revision.
type loadRoom struct {
	id        string
	clients   []*Client
	stats     *loadStats
	receivers int

	mu      sync.Mutex
	sent    map[int]time.Time   // revision → when its operation was sent
	waiting map[int][]time.Time // revision → receipts before the ack was seen
	seen    map[int]int         // revision → receipts so far
}

func (lr *loadRoom) onEvent(ev Event) {
	switch ev.Kind {
	case EventAck:
		lr.stats.ack(ev.Sent, ev.Time)
		lr.mu.Lock()
		for _, at := range lr.waiting[ev.Revision] {
			lr.stats.broadcast(ev.Sent, at)
		}
		delete(lr.waiting, ev.Revision)
		if lr.seen[ev.Revision] < lr.receivers {
			lr.sent[ev.Revision] = ev.Sent
		} else {
			delete(lr.seen, ev.Revision)
		}
		lr.mu.Unlock()
	case EventRemoteOp:
		lr.mu.Lock()
		if sent, ok := lr.sent[ev.Revision]; ok {
			lr.stats.broadcast(sent, ev.Time)
		} else {
			lr.waiting[ev.Revision] = append(lr.waiting[ev.Revision], ev.Time)
		}
		lr.seen[ev.Revision]++
		if lr.seen[ev.Revision] >= lr.receivers {
			if _, ok := lr.sent[ev.Revision]; ok {
				delete(lr.sent, ev.Revision)
				delete(lr.seen, ev.Revision)
			}
		}
		lr.mu.Unlock()
	case EventError:
		lr.stats.error(ErrorCode(ev.Err))
	case EventResync:
		lr.stats.error("resync")
	case EventDesync:
		lr.stats.error("desync")
	case EventState:
		if ev.State == Connecting {
			lr.stats.error("reconnect")
		}
	}
}

// converged waits for the room's clients to settle and compares them with
// the server. With several instances, the one asked may be behind the
// clients for a moment (fan-out is asynchronous): it asks again until ctx
// ends.
func (lr *loadRoom) converged(ctx context.Context, rest *REST) bool {
	for _, c := range lr.clients {
		if c.WaitSynced(ctx) != nil {
			return false
		}
	}
	for {
		if lr.matches(ctx, rest) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// matches reports whether every client shows the server's head.
func (lr *loadRoom) matches(ctx context.Context, rest *REST) bool {
	room, err := rest.Room(ctx, lr.id)
	if err != nil {
		return false
	}
	for _, c := range lr.clients {
		if c.WaitRevision(ctx, room.Revision) != nil {
			return false
		}
		if content, rev, pending := c.Snapshot(); pending || rev != room.Revision || content != room.Content {
			return false
		}
	}
	return true
}

// loadStats accumulates a run's measurements.
type loadStats struct {
	from, to time.Time

	mu         sync.Mutex
	edits      int
	acks       int
	ackLat     histogram
	castLat    histogram
	errors     map[string]int
	reconnects int
	resyncs    int
	desyncs    int
}

func (s *loadStats) in(t time.Time) bool { return !t.Before(s.from) && t.Before(s.to) }

func (s *loadStats) edit(at time.Time) {
	if s.in(at) {
		s.mu.Lock()
		s.edits++
		s.mu.Unlock()
	}
}

func (s *loadStats) ack(sent, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.in(at) {
		s.acks++
	}
	if s.in(sent) {
		s.ackLat.record(at.Sub(sent))
	}
}

func (s *loadStats) broadcast(sent, at time.Time) {
	if s.in(sent) {
		s.mu.Lock()
		s.castLat.record(at.Sub(sent))
		s.mu.Unlock()
	}
}

func (s *loadStats) error(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch code {
	case "reconnect":
		s.reconnects++
	case "resync":
		s.resyncs++
	case "desync":
		s.desyncs++
	default:
		s.errors[code]++
	}
}

func (s *loadStats) report(cfg LoadConfig, diverged int) LoadReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	secs := s.to.Sub(s.from).Seconds()
	return LoadReport{
		Rooms: cfg.Rooms, Clients: cfg.Clients, Rate: cfg.Rate, Seed: cfg.Seed, Duration: secs,
		Edits: s.edits, Acks: s.acks, AcksPerSecond: float64(s.acks) / secs,
		SubmitAck: s.ackLat.summary(), SubmitBroadcast: s.castLat.summary(),
		Errors: s.errors, Reconnects: s.reconnects, Resyncs: s.resyncs, Desyncs: s.desyncs, Diverged: diverged,
	}
}

// histogram counts durations in logarithmic buckets 1% wide.
type histogram struct {
	counts []int64
	n      int
	max    time.Duration
}

var logStep = math.Log(1.01)

func (h *histogram) record(d time.Duration) {
	if d < 1 {
		d = 1
	}
	i := int(math.Log(float64(d)) / logStep)
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]int64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

// quantile returns the upper bound of the bucket holding the q-quantile.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(math.Exp(float64(i+1)*logStep)), h.max)
		}
	}
	return h.max
}

func (h *histogram) summary() Latency {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return Latency{Count: h.n, P50: ms(h.quantile(0.5)), P90: ms(h.quantile(0.9)), P99: ms(h.quantile(0.99)), Max: ms(h.max)}
}
