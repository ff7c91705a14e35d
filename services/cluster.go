package services

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// Cluster decides which instance owns each loaded room, the one whose
// sequencer orders it, and carries messages between instances: an instance
// with clients of a room it does not own forwards their submissions to the
// owner and relays the owner's answers. Ownership is a lease kept in a
// shared engine (Redis); it lasts LeaseTerm from when it was asked for unless
// claimed again. The store's head compare-and-set stays the fence: an
// instance whose lease lapsed without its knowing can lose a commit race,
// never fork a history.
//
// Messages are delivered at most once and may arrive late, twice or out of
// order: the room service tolerates all of it (requests carry ids,
// submissions their operation ids).
type Cluster interface {
	// Self is this instance's name in the cluster.
	Self() string
	// LeaseTerm is how long a claim holds.
	LeaseTerm() time.Duration
	// Claim makes this instance the owner of each room that has none, and
	// extends its lease where it owns the room already. It returns each
	// room's owner, in order.
	Claim(ctx context.Context, roomIDs []RoomID) ([]string, error)
	// Release ends this instance's leases on the rooms it owns among
	// roomIDs.
	Release(ctx context.Context, roomIDs []RoomID) error
	// Send delivers messages to the instances they name (To).
	Send(ctx context.Context, msgs []ClusterMessage) error
	// Listen calls deliver with the messages sent to this instance until
	// cancel is called. deliver does not block.
	Listen(deliver func(ClusterMessage)) (cancel func(), err error)
}

// ClusterMessage is a submission forwarded to a room's owner (Sub set), or
// the owner's answer to one: Revision and Op acknowledge it; Code and
// Message refuse it (it was not committed); Moved says the sender does not
// own the room, and Owner who does as far as it knows ("" when it does not
// know).
type ClusterMessage struct {
	To, From string
	Request  uint64
	RoomID   RoomID
	Sub      *Submission

	Revision int
	Op       ot.Operation
	Code     Code
	Message  string
	Moved    bool
	Owner    string
}

// ClusterMetrics may also be implemented by a Metrics.
type ClusterMetrics interface {
	// Owned tracks the rooms this instance owns (+1 or -1).
	Owned(delta int)
	// Forwarded counts a submission sent to another instance's room.
	Forwarded()
	// LeaseClaims counts claims and renewals sent, and those answered
	// with another owner.
	LeaseClaims(sent, lost int)
	// TakenOver counts a room this instance came to own after another did.
	TakenOver()
	// LostRace counts a group commit refused because another instance had
	// moved the room's head: 0 in steady state.
	LostRace()
}

// An unanswered forward is sent again (to whoever owns the room then)
// after Config.ForwardTimeout, and given up after maxForwardWaits of them
// (its client is then dropped: it reconnects and resubmits by id). A lease
// is renewed every third of its term while its room works. At most
// maxOutbound messages wait for the sender; the ids of the last
// recentInbound id-less forwards are remembered.
const (
	maxForwardWaits = 30
	maxOutbound     = 8192
	recentInbound   = 4096
)

// link is an instance's part in a Cluster: the requests it forwarded and
// awaits, the one sender of its messages, the sweep that resends forwards
// left unanswered, and the renewal of the leases of the rooms it owns.
type link struct {
	c  Cluster
	rs *Rooms
	// timeout is how long a forward waits for its answer before it is
	// sent again.
	timeout time.Duration
	next    atomic.Uint64
	out     chan ClusterMessage
	stop    chan struct{}
	wg      sync.WaitGroup

	mu      sync.Mutex
	pending map[uint64]*pendingForward
	// recent holds the id-less forwards this instance served lately, so a
	// doubled message does not commit one twice.
	recent     map[inboundKey]bool
	recentRing []inboundKey
}

type pendingForward struct {
	room *Room
	sent time.Time
}

// inbound marks a submission another instance forwarded here: it is never
// forwarded on (moved tells the sender who owns the room instead).
type inbound struct {
	from  string
	moved func(owner string)
}

type inboundKey struct {
	from    string
	request uint64
}

func newLink(c Cluster, rs *Rooms) *link {
	return &link{
		c: c, rs: rs, timeout: rs.cfg.ForwardTimeout, out: make(chan ClusterMessage, maxOutbound), stop: make(chan struct{}),
		pending: map[uint64]*pendingForward{}, recent: map[inboundKey]bool{},
	}
}

// start listens and starts the sender, the sweep and the renewal, until
// close.
func (l *link) start() error {
	cancel, err := l.c.Listen(l.deliver)
	if err != nil {
		return err
	}
	l.wg.Add(3)
	go func() {
		defer l.wg.Done()
		<-l.stop
		cancel()
	}()
	go l.send()
	go l.tick()
	return nil
}

// close stops the link once the rooms have stopped: what they answered
// last is sent first.
func (l *link) close() {
	close(l.stop)
	l.wg.Wait()
}

// post queues a message for the sender; false when the queue is full (the
// message is not sent).
func (l *link) post(m ClusterMessage) bool {
	m.From = l.c.Self()
	select {
	case l.out <- m:
		return true
	default:
		return false
	}
}

// send sends what is queued, as many messages at once as are waiting.
func (l *link) send() {
	defer l.wg.Done()
	for {
		var batch []ClusterMessage
		select {
		case <-l.stop:
			if len(l.out) == 0 {
				return
			}
		case m := <-l.out:
			batch = append(batch, m)
		}
		for more := true; more && len(batch) < 256; {
			select {
			case m := <-l.out:
				batch = append(batch, m)
			default:
				more = false
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		if err := l.c.Send(ctx, batch); err != nil {
			// Lost like a dropped message: forwards are sent again, and a
			// lost answer's forward too.
			l.rs.deps.log.Warn("cluster send", "messages", len(batch), "err", err)
		}
		cancel()
	}
}

// tick resends the forwards left unanswered and renews the leases of the
// rooms this instance owns and works in.
func (l *link) tick() {
	defer l.wg.Done()
	every := l.timeout / 4
	renewEvery := l.c.LeaseTerm() / 3
	var lastRenew time.Time
	for {
		select {
		case <-l.stop:
			return
		case <-l.rs.deps.clock.After(every):
		}
		now := l.rs.deps.clock.Now()
		l.sweep(now)
		if now.Sub(lastRenew) >= renewEvery {
			lastRenew = now
			l.renew(now)
		}
	}
}

// sweep tells each room whose forward went unanswered for l.timeout.
func (l *link) sweep(now time.Time) {
	type late struct {
		room    *Room
		request uint64
	}
	var due []late
	l.mu.Lock()
	for req, p := range l.pending {
		if now.Sub(p.sent) >= l.timeout {
			p.sent = now
			due = append(due, late{p.room, req})
		}
	}
	l.mu.Unlock()
	for _, d := range due {
		r, req := d.room, d.request
		go r.do(func() { r.forwardUnanswered(req) })
	}
}

// renew claims again, in one call, the rooms this instance owns that
// submitted or committed within the lease's term; an idle room's lease
// lapses, and its next submission claims it again.
func (l *link) renew(now time.Time) {
	var rooms []*Room
	l.rs.mu.Lock()
	for _, e := range l.rs.rooms {
		if r := e.room; r != nil && r.leaseWanted(now) {
			rooms = append(rooms, r)
		}
	}
	l.rs.mu.Unlock()
	if len(rooms) == 0 {
		return
	}
	ids := make([]RoomID, len(rooms))
	for i, r := range rooms {
		ids[i] = r.id
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	owners, err := l.c.Claim(ctx, ids)
	cancel()
	if err != nil {
		l.rs.deps.log.Warn("renew room leases", "rooms", len(ids), "err", err)
		return
	}
	lost := 0
	for i, r := range rooms {
		owner := owners[i]
		if owner != l.c.Self() {
			lost++
		}
		r.do(func() { r.claimed(owner, now, -1, nil) })
	}
	if m, ok := l.rs.deps.metrics.(ClusterMetrics); ok {
		m.LeaseClaims(len(ids), lost)
	}
}

// await records a forward sent on room's behalf.
func (l *link) await(r *Room, now time.Time) uint64 {
	req := l.next.Add(1)
	l.mu.Lock()
	l.pending[req] = &pendingForward{room: r, sent: now}
	l.mu.Unlock()
	return req
}

// forget drops a forward that was answered or given up.
func (l *link) forget(req uint64) {
	l.mu.Lock()
	delete(l.pending, req)
	l.mu.Unlock()
}

// deliver takes a message from the cluster (the listener's goroutine).
func (l *link) deliver(m ClusterMessage) {
	if m.Sub != nil {
		go l.serve(m)
		return
	}
	l.mu.Lock()
	p := l.pending[m.Request]
	l.mu.Unlock()
	if p == nil {
		return // answered already, or given up
	}
	r := p.room
	f := func() { r.answered(m) }
	if !r.tryDo(f) {
		go r.do(f)
	}
}

// serve submits a forwarded submission to the room here, which answers it
// if this instance owns the room, and says who does otherwise.
func (l *link) serve(m ClusterMessage) {
	if m.Sub.OpID == "" && !l.firstTime(inboundKey{m.From, m.Request}) {
		return
	}
	answer := func(res Result) {
		a := ClusterMessage{To: m.From, Request: m.Request, RoomID: m.RoomID, Revision: res.Revision, Op: res.Op}
		if res.Err != nil {
			a.Code, a.Message = res.Err.Code, res.Err.Message
		}
		l.post(a)
	}
	moved := func(owner string) {
		l.post(ClusterMessage{To: m.From, Request: m.Request, RoomID: m.RoomID, Moved: true, Owner: owner})
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.rs.cfg.Room.CommitTimeout)
	h, err := l.rs.Open(ctx, m.RoomID)
	cancel()
	if err != nil {
		if ErrorCode(err) == CodeNotFound {
			answer(refusal(err, m.Sub.OpID))
		} else {
			moved("")
		}
		return
	}
	defer h.Release()
	sub := *m.Sub
	sub.via = &inbound{from: m.From, moved: moved}
	h.Room.Submit(sub, answer)
}

// firstTime reports whether an id-less forward is new, and remembers it.
func (l *link) firstTime(k inboundKey) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.recent[k] {
		return false
	}
	l.recent[k] = true
	l.recentRing = append(l.recentRing, k)
	if len(l.recentRing) > recentInbound {
		delete(l.recent, l.recentRing[0])
		l.recentRing = l.recentRing[1:]
	}
	return true
}

// owned returns the ids of the rooms among rooms this instance owns.
func owned(rooms []*Room) []RoomID {
	var ids []RoomID
	for _, r := range rooms {
		if r.ownedFlag.Load() {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// release ends this instance's leases on rooms (Close, once they stopped):
// the others take them over at once instead of after the term.
func (l *link) release(ids []RoomID) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	if err := l.c.Release(ctx, ids); err != nil {
		l.rs.deps.log.Warn("release room leases", "rooms", len(ids), "err", err)
	}
}
