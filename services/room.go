package services

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// RoomConfig holds the limits and timings of a room.
type RoomConfig struct {
	Sequencer SequencerConfig
	// MaxClients is the most members a room admits (0: no limit).
	MaxClients int
	// MaxBatch is the most operations one group commit writes.
	MaxBatch int
	// SnapshotEvery is how many revisions may pass between snapshots.
	SnapshotEvery int
	// CommitTimeout bounds one group commit.
	CommitTimeout time.Duration
	// CacheHeadEvery is the least time between two head writes to the cache.
	CacheHeadEvery time.Duration
	// RebaseHorizon is how far behind the head a submission may be based,
	// in revisions (0: no limit); an older base is refused with
	// CodeRevisionOutOfRange once its id is known not to be committed.
	RebaseHorizon int
	// MaxPageBytes bounds the JSON of one page of history (Room.Ops), which
	// always holds at least one operation (0: no bound).
	MaxPageBytes int
}

// History reads on a client's behalf hold at most historyPage operations
// at a time; a room rebases at most maxRebasing submissions at once, and an
// instance reads at most cap(roomDeps.rebases) such pages at once.
const (
	historyPage   = 64
	maxRebasing   = 16
	rebaseReaders = 4
)

// waiter is someone owed the answer to a submission: its sender, or a
// client that resubmitted it while it was pending.
type waiter struct {
	clientID string
	opID     string
	reply    func(*Event)
	received time.Time
}

type participant struct {
	member    Member
	name      string
	selection *ot.Selection
	readOnly  bool
}

// abortedProposal is a proposal withdrawn after a failed commit, with the
// clients waiting for its answer.
type abortedProposal struct {
	p       *Proposal
	waiters []waiter
}

// Room runs one room: it owns a Sequencer and the room's members, and all its
// state is touched by its own goroutine only (the loop in run). Other
// goroutines reach it through its methods, which post closures to the inbox.
// Storage calls run in helper goroutines and report back the same way, so a
// slow database never stops presence or reads.
type Room struct {
	deps  *roomDeps
	info  RoomInfo
	seq   *Sequencer
	inbox chan func()
	done  chan struct{}

	members    map[string]*participant
	waiters    map[int][]waiter
	committing bool
	resolving  bool
	// resolveCause is the commit error being resolved; inDoubt holds the
	// ids of the operations whose outcome it leaves unknown.
	resolveCause error
	inDoubt      map[string]bool
	closing      bool
	queued       []queuedSubmission
	snapshotRev  int
	snapshotRun  bool
	cacheRun     bool
	cacheDirty   bool
	cacheHeadAt  time.Time
	cacheOps     []CommittedOp
	// remote holds operations other instances committed that are not yet
	// applied, by revision; fetching is set while a gap is being filled.
	remote   map[int]CommittedOp
	fetching bool
	// fills counts the store reads fillGap started; ahead holds submissions
	// based beyond the head until the head reaches their base.
	fills int
	ahead []parkedSubmission
	// rebasing counts the submissions being rebased over old history.
	rebasing int
	// dropped is set (from any goroutine) when a fan-out message found the
	// inbox full, until the repair it schedules runs; missed, on the room's
	// goroutine, makes catchUp fill from the store even with nothing in
	// remote.
	dropped atomic.Bool
	missed  bool
	// recording, when set, receives the room's submissions.
	recording RoomRecording
	// updates coalesces metadata writes (Update); it has its own lock.
	updates roomUpdates
}

type queuedSubmission struct {
	sub   Submission
	reply func(*Event)
	at    time.Time
}

// parkedSubmission waits for the head to reach revision until; the store
// read numbered fill (or a later one) tells whether that revision exists.
type parkedSubmission struct {
	queuedSubmission
	until, fill int
}

// maxQueued bounds the submissions a room holds while a commit's outcome
// is being found out.
const maxQueued = 1024

type roomDeps struct {
	store    Store
	cache    HeadCache
	fanout   FanOut
	recorder Recorder
	log      *slog.Logger
	metrics  Metrics
	cfg      RoomConfig
	now      func() time.Time
	// rebases is a semaphore: history pages read at once, for all rooms.
	rebases chan struct{}
	// evict, set by Rooms, forgets a broken room (any goroutine).
	evict func(*Room)
}

func newRoom(deps *roomDeps, info RoomInfo, seq *Sequencer, snapshotRev int) *Room {
	r := &Room{
		deps: deps, info: info, seq: seq,
		inbox:       make(chan func(), 256),
		done:        make(chan struct{}),
		members:     map[string]*participant{},
		waiters:     map[int][]waiter{},
		remote:      map[int]CommittedOp{},
		snapshotRev: snapshotRev,
	}
	if deps.recorder != nil {
		rec, err := deps.recorder.StartRoom(info, seq.Head(), seq.Content())
		if err != nil {
			deps.log.Warn("recording not started", "room", LogID(info.ID), "err", err)
		} else {
			r.recording = rec
		}
	}
	go r.run()
	return r
}

func (r *Room) run() {
	for f := range r.inbox {
		r.safely(f)
		select {
		case <-r.done:
			return
		default:
		}
	}
}

// safely runs f; if it panics (a bug, never client input), the room stops
// taking work instead of taking the process down: what is pending is
// withdrawn and answered, members are dropped (they reconnect to a fresh
// load of the room once this one is unloaded), and the panic is logged.
func (r *Room) safely(f func()) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		r.deps.log.Error("room goroutine panicked; closing the room", "room", LogID(r.info.ID), "panic", p, "stack", string(debug.Stack()))
		r.closing = true
		err := Errorf(CodeInternal, "internal error")
		for _, pr := range r.seq.Abort() {
			for _, w := range r.waiters[pr.Revision] {
				w.reply(ErrorEvent(err, w.opID))
			}
			delete(r.waiters, pr.Revision)
		}
		r.refuseAhead(r.fills+1, -1, err)
		r.kickAll(err)
		r.broken()
	}()
	f()
}

// broken takes a room that cannot go on out of service: the next Open loads
// the room afresh from storage.
func (r *Room) broken() {
	if r.deps.evict != nil {
		go r.deps.evict(r)
	}
}

// do runs f on the room's goroutine. It returns false if the room stopped.
func (r *Room) do(f func()) bool {
	select {
	case <-r.done:
		return false
	default:
	}
	select {
	case r.inbox <- f:
		return true
	case <-r.done:
		return false
	}
}

// tryDo is do without waiting: it returns false, and f does not run, when
// the inbox is full.
func (r *Room) tryDo(f func()) bool {
	select {
	case <-r.done:
		return false
	default:
	}
	select {
	case r.inbox <- f:
		return true
	default:
		return false
	}
}

// call runs f on the room's goroutine and waits for it, or for ctx.
func (r *Room) call(ctx context.Context, f func()) error {
	finished := make(chan struct{})
	if !r.do(func() { f(); close(finished) }) {
		return Errorf(CodeUnavailable, "room is closed")
	}
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return wrap(CodeUnavailable, ctx.Err(), "room did not answer in time")
	}
}

// Done is closed once the room has stopped. Every submission is answered
// before, except when a stop times out while a commit's outcome is unknown:
// then its waiters get no answer (an answer would be a guess).
func (r *Room) Done() <-chan struct{} { return r.done }

// ID is the room's edit id.
func (r *Room) ID() string { return r.info.ID }

// Join adds a member and sends it the init event, then tells the others.
// Errors: CodeRateLimited when the room is full, CodeUnavailable when closing.
func (r *Room) Join(ctx context.Context, m Member, clientID, name string, readOnly bool) error {
	var err error
	callErr := r.call(ctx, func() {
		if r.closing {
			err = Errorf(CodeUnavailable, "room is closing")
			return
		}
		if max := r.deps.cfg.MaxClients; max > 0 && len(r.members) >= max {
			err = Errorf(CodeRateLimited, "room is full (%d clients)", max)
			return
		}
		peers := make([]Peer, 0, len(r.members))
		for id, p := range r.members {
			peers = append(peers, Peer{ClientID: id, Name: p.name, Selection: p.selection, ReadOnly: p.readOnly})
		}
		sortPeers(peers)
		r.members[clientID] = &participant{member: m, name: name, readOnly: readOnly}
		init := &Event{
			Type: EventInit, ClientID: clientID, Revision: r.seq.Head(), Content: r.seq.Content(),
			Language: r.info.Language, Name: r.info.Name, Clients: peers, ReadOnly: readOnly,
		}
		if !m.Deliver(init) {
			delete(r.members, clientID)
			err = Errorf(CodeUnavailable, "connection is not keeping up")
			return
		}
		r.broadcast(&Event{Type: EventJoin, ClientID: clientID, Name: name}, clientID)
	})
	if callErr != nil {
		return callErr
	}
	return err
}

// Leave removes a member and tells the others.
func (r *Room) Leave(clientID string) {
	r.do(func() { r.removeMember(clientID) })
}

func (r *Room) removeMember(clientID string) {
	if _, ok := r.members[clientID]; !ok {
		return
	}
	delete(r.members, clientID)
	r.broadcast(&Event{Type: EventLeave, ClientID: clientID}, clientID)
}

// SetSelection records a member's selection and sends it to the others.
// Offsets outside the document are moved to its nearest end.
func (r *Room) SetSelection(clientID string, sel *ot.Selection) {
	r.do(func() {
		p, ok := r.members[clientID]
		if !ok {
			return
		}
		p.selection = copySelection(sel)
		if p.selection != nil {
			*p.selection = p.selection.Clamp(r.seq.Len())
		}
		r.broadcast(&Event{Type: EventSelection, ClientID: clientID, Selection: p.selection}, clientID)
	})
}

// Submit sequences an operation; reply receives, on the room's goroutine,
// exactly one ack or error event (it must not block). The ack of a new
// operation is sent only after it is durable.
func (r *Room) Submit(sub Submission, reply func(*Event)) {
	at := r.deps.now()
	if !r.do(func() { r.submit(sub, nil, reply, at) }) {
		reply(ErrorEvent(Errorf(CodeUnavailable, "room is closed"), sub.OpID))
	}
}

func (r *Room) reject(err error, opID string, reply func(*Event)) {
	r.deps.metrics.Rejected(ErrorCode(err))
	reply(ErrorEvent(err, opID))
}

func (r *Room) submit(sub Submission, older []CommittedOp, reply func(*Event), at time.Time) {
	switch {
	case r.closing:
		r.reject(Errorf(CodeUnavailable, "room is closing"), sub.OpID, reply)
		return
	case r.resolving && (len(r.queued) >= maxQueued || r.surelyNew(sub)):
		r.reject(wrap(CodeUnavailable, r.resolveCause, "storage is unavailable; try again"), sub.OpID, reply)
		return
	case r.resolving:
		// The outcome of a commit is being found out: this may be a
		// resubmission of an operation that turns out to be committed, so
		// it waits rather than being refused.
		r.queued = append(r.queued, queuedSubmission{sub, reply, at})
		return
	}
	if r.deps.fanout != nil && sub.Base > r.seq.Head() {
		r.park(queuedSubmission{sub, reply, at}, sub.Base)
		return
	}
	d, err := r.seq.Propose(sub, older)
	var need *NeedHistory
	if errors.As(err, &need) {
		r.rebase(queuedSubmission{sub, reply, at}, need)
		return
	}
	if err != nil {
		r.reject(err, sub.OpID, reply)
		return
	}
	w := waiter{clientID: sub.ClientID, opID: sub.OpID, reply: reply, received: at}
	if dup := d.Duplicate; dup != nil {
		if dup.Pending {
			r.waiters[dup.Revision] = append(r.waiters[dup.Revision], w)
		} else {
			reply(&Event{Type: EventAck, Revision: dup.Revision, OpID: sub.OpID, Op: dup.Op})
		}
		return
	}
	d.Proposal.CreatedAt = r.deps.now()
	d.Proposal.received = at
	r.deps.metrics.Transformed(d.Proposal.Depth)
	r.waiters[d.Proposal.Revision] = append(r.waiters[d.Proposal.Revision], w)
	r.maybeCommit()
}

// surelyNew reports, while a failed commit is resolved, whether sub is
// certainly not committed, so that refusing it is the truth: no other
// instance writes the room, and sub is based in the window (which holds
// every revision after its base) with an id that neither the window nor the
// commit in doubt has. Anything else waits for the resolution.
func (r *Room) surelyNew(sub Submission) bool {
	if r.deps.fanout != nil || sub.Base < r.seq.WindowStart() {
		return false
	}
	return sub.OpID == "" || (!r.seq.Knows(sub.OpID) && !r.inDoubt[sub.OpID])
}

// rebase takes a submission based before the sequencer's window to a
// helper goroutine that reads the history it missed page by page and
// transforms it on the way, then proposes it again.
func (r *Room) rebase(q queuedSubmission, need *NeedHistory) {
	if r.rebasing >= maxRebasing {
		r.reject(Errorf(CodeRateLimited, "too many operations based on old revisions are being caught up in this room"), q.sub.OpID, q.reply)
		return
	}
	r.rebasing++
	head := r.seq.Head()
	go func() {
		next, orig, err := r.readHistory(q.sub, need, head)
		if !r.do(func() {
			r.rebasing--
			switch {
			case err != nil:
				r.reject(err, q.sub.OpID, q.reply)
			case orig != nil:
				r.answerOriginal(q, *orig)
			default:
				r.submit(next, nil, q.reply, q.at)
			}
		}) {
			q.reply(ErrorEvent(Errorf(CodeUnavailable, "room is closed"), q.sub.OpID))
		}
	}()
}

// readHistory rebases sub over the revisions (need.From, need.To], reading
// historyPage operations at a time. First, for a submission with an id not
// yet checked, it asks the store whether that id is committed (orig): an
// id is answered with its original ack at any age. A base older than the
// horizon behind head is refused only after that check.
func (r *Room) readHistory(sub Submission, need *NeedHistory, head int) (next Submission, orig *CommittedOp, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
	defer cancel()
	if sub.OpID != "" && sub.rebased == nil {
		op, err := r.deps.store.OpByID(ctx, r.info.ID, sub.OpID)
		switch {
		case err == nil:
			return sub, &op, nil
		case !errors.Is(err, ErrOpNotFound):
			r.deps.log.Warn("look up an operation id", "room", LogID(r.info.ID), "err", err)
			return sub, nil, wrap(CodeUnavailable, err, "storage is unavailable")
		}
	}
	if h := r.deps.cfg.RebaseHorizon; h > 0 && sub.Base < head-h {
		return sub, nil, Errorf(CodeRevisionOutOfRange, "revision %d is more than %d revisions behind the head %d", sub.Base, h, head)
	}
	select {
	case r.deps.rebases <- struct{}{}:
		defer func() { <-r.deps.rebases }()
	case <-ctx.Done():
		return sub, nil, wrap(CodeUnavailable, ctx.Err(), "server is busy catching up old operations")
	}
	for from := need.From; from < need.To; {
		ops, err := r.deps.store.Ops(ctx, r.info.ID, from, min(historyPage, need.To-from))
		if err == nil && len(ops) == 0 {
			err = fmt.Errorf("history after revision %d is missing", from)
		}
		if err != nil {
			r.deps.log.Error("load history", "room", LogID(r.info.ID), "from", from, "to", need.To, "err", err)
			return sub, nil, wrap(CodeUnavailable, err, "storage is unavailable")
		}
		if sub, err = sub.Rebase(ops); err != nil {
			if ErrorCode(err) != CodeInvalidOp {
				r.deps.log.Error("rebase", "room", LogID(r.info.ID), "err", err)
				err = wrap(CodeUnavailable, err, "storage returned a broken history page")
			}
			return sub, nil, err
		}
		from = ops[len(ops)-1].Revision
	}
	return sub, nil, nil
}

// answerOriginal answers a resubmission found in the store with the ack of
// the operation its id names, or refuses a reuse of the id for a different
// operation. An original this instance has not applied yet is waited for:
// acking it before the revisions under it are broadcast would mislead the
// client.
func (r *Room) answerOriginal(q queuedSubmission, orig CommittedOp) {
	switch {
	case orig.BaseRevision != q.sub.Base || orig.Digest != q.sub.Digest():
		r.reject(Errorf(CodeConflict, "operation id %q was already used for a different operation", q.sub.OpID), q.sub.OpID, q.reply)
	case orig.Revision > r.seq.Head():
		r.park(q, orig.Revision)
	default:
		q.reply(&Event{Type: EventAck, Revision: orig.Revision, OpID: q.sub.OpID, Op: orig.Op})
	}
}

// maybeCommit starts a group commit of the pending proposals unless one is
// running: what arrives meanwhile waits for the next one.
func (r *Room) maybeCommit() {
	if r.committing || r.resolving || r.seq.PendingCount() == 0 {
		return
	}
	ops := r.seq.Batch(r.deps.cfg.MaxBatch)
	n := len(ops)
	r.committing = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
		defer cancel()
		start := r.deps.now()
		err := r.deps.store.AppendOps(ctx, r.info.ID, ops)
		took := r.deps.now().Sub(start)
		r.do(func() { r.committed(n, took, err) })
	}()
}

// committed handles the outcome of a group commit of n proposals.
func (r *Room) committed(n int, took time.Duration, err error) {
	r.committing = false
	if err == nil {
		r.deps.metrics.Committed(n, took)
		r.publish(r.seq.Commit(n), true)
		r.maybeCommit()
		r.catchUp()
		return
	}
	r.deps.metrics.CommitFailed()
	r.deps.log.Warn("group commit failed", "room", LogID(r.info.ID), "ops", n, "head", r.seq.Head(), "err", err)
	aborted := make([]abortedProposal, 0, r.seq.PendingCount())
	for _, p := range r.seq.Abort() {
		aborted = append(aborted, abortedProposal{p: p, waiters: r.waiters[p.Revision]})
		delete(r.waiters, p.Revision)
	}
	r.resolving = true
	r.resolveCause = err
	r.inDoubt = map[string]bool{}
	for _, a := range aborted {
		for _, w := range a.waiters {
			r.inDoubt[w.opID] = true
		}
	}
	go r.resolve(r.seq.Head(), aborted, err)
}

// resolve finds out what storage holds after head: the failed commit may
// have been written after all (its outcome was unknown), or another writer
// may have taken the revisions. It retries until storage answers.
func (r *Room) resolve(head int, aborted []abortedProposal, cause error) {
	// After a lost race the aborted proposals are proposed again; once the
	// other writer's operations move the window their bases may have left
	// it, so load the history back to the oldest base as well.
	from := head
	if lostRace(cause) {
		for _, a := range aborted {
			base, _, _ := a.p.sub.current()
			from = min(from, base)
		}
	}
	backoff := 50 * time.Millisecond
	for {
		// The ids first, then the history: an original found is then at or
		// before the head the history reaches.
		originals, err := r.originals(aborted, cause)
		var ops []CommittedOp
		if err == nil {
			ops, err = r.loadAfter(from)
		}
		if err == nil {
			stored := ops[min(head-from, len(ops)):]
			r.do(func() { r.resolved(aborted, cause, stored, ops, originals) })
			return
		}
		// Those who wait for a commit that certainly failed need not wait for
		// storage to come back: answer them now, once.
		if aborted != nil && !lostRace(cause) && definitelyNotCommitted(cause) {
			a := aborted
			aborted = nil
			r.do(func() { r.answerUnavailable(a, cause) })
		}
		r.deps.log.Warn("storage unavailable; retrying", "room", LogID(r.info.ID), "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-r.done:
			return
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// lostRace reports whether a commit failed because the store holds
// something the proposals did not know of: another writer's revisions, or
// an operation with one of their ids. Nothing was written; the proposals are
// proposed again once the room knows what the store holds.
func lostRace(err error) bool {
	return errors.Is(err, ErrRevisionTaken) || errors.Is(err, ErrOpIDTaken)
}

// originals finds in the store the operations that hold the ids of aborted
// proposals, after a commit refused for a taken id.
func (r *Room) originals(aborted []abortedProposal, cause error) (map[string]CommittedOp, error) {
	if !errors.Is(cause, ErrOpIDTaken) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
	defer cancel()
	found := map[string]CommittedOp{}
	for _, a := range aborted {
		if a.p.OpID == "" {
			continue
		}
		op, err := r.deps.store.OpByID(ctx, r.info.ID, a.p.OpID)
		switch {
		case err == nil:
			found[a.p.OpID] = op
		case !errors.Is(err, ErrOpNotFound):
			return nil, err
		}
	}
	return found, nil
}

// definitelyNotCommitted reports whether a commit error proves nothing was
// written: the transaction never reached the database.
func definitelyNotCommitted(err error) bool {
	return errors.Is(err, ErrStoreUnreachable)
}

// ErrStoreUnreachable marks an error where the store could not be reached
// at all, so nothing was written. Stores wrap connection errors with it.
var ErrStoreUnreachable = errors.New("store unreachable")

func (r *Room) loadAfter(head int) ([]CommittedOp, error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
	defer cancel()
	var all []CommittedOp
	for {
		ops, err := r.deps.store.Ops(ctx, r.info.ID, head+len(all), 1000)
		if err != nil {
			return nil, err
		}
		all = append(all, ops...)
		if len(ops) < 1000 {
			return all, nil
		}
	}
}

func (r *Room) answerUnavailable(aborted []abortedProposal, cause error) {
	err := wrap(CodeUnavailable, cause, "storage is unavailable; the operation was not committed")
	for _, a := range aborted {
		for _, w := range a.waiters {
			r.reject(err, w.opID, w.reply)
		}
	}
}

// resolved applies what storage holds after the head, acknowledges the
// aborted proposals found there, and proposes again (after a lost race) or
// refuses (storage failed) the others. older is the history from the
// oldest aborted base, for proposing again; originals are the stored
// operations that hold aborted proposals' ids (after ErrOpIDTaken).
func (r *Room) resolved(aborted []abortedProposal, cause error, stored, older []CommittedOp, originals map[string]CommittedOp) {
	r.resolving = false
	r.inDoubt = nil
	if err := r.seq.Advance(stored); err != nil {
		r.deps.log.Error("stored history does not apply", "room", LogID(r.info.ID), "err", err)
		r.answerUnavailable(aborted, err)
		r.closing = true
		r.refuseAhead(r.fills+1, -1, Errorf(CodeUnavailable, "room is closing"))
		r.kickAll(Errorf(CodeInternal, "room history is inconsistent"))
		r.broken()
		return
	}
	mine := map[int]abortedProposal{}
	for _, a := range aborted {
		mine[a.p.Revision] = a
	}
	var rest []abortedProposal
	for _, a := range aborted {
		if a.p.Revision > r.seq.Head() {
			rest = append(rest, a)
		}
	}
	for _, op := range stored {
		p := &Proposal{CommittedOp: op}
		a, ok := mine[op.Revision]
		ours := ok && sameSubmission(a.p.CommittedOp, op)
		if ours {
			p = a.p
			p.CommittedOp = op
			r.waiters[op.Revision] = a.waiters
		} else if ok {
			rest = append(rest, a)
		}
		r.publish([]*Proposal{p}, ours)
	}
	sortAborted(rest)
	if lostRace(cause) {
		for _, a := range rest {
			if orig, ok := originals[a.p.OpID]; ok {
				for _, w := range a.waiters {
					r.answerOriginal(queuedSubmission{sub: a.p.sub, reply: w.reply, at: w.received}, orig)
				}
				continue
			}
			r.repropose(a, older)
		}
	} else {
		r.answerUnavailable(rest, cause)
	}
	queued := r.queued
	r.queued = nil
	for _, q := range queued {
		r.submit(q.sub, nil, q.reply, q.at)
	}
	r.maybeCommit()
	r.catchUp()
}

// repropose sequences an aborted proposal again, after a lost race. It may
// turn out to be a duplicate: a resubmission of it was committed elsewhere.
func (r *Room) repropose(a abortedProposal, older []CommittedOp) {
	d, err := r.seq.Propose(a.p.sub, older)
	var need *NeedHistory
	if errors.As(err, &need) {
		// older reaches back to every aborted base, so this is a bug;
		// still, the operation was not committed.
		r.deps.log.Error("propose again after a lost race", "room", LogID(r.info.ID), "err", err)
		err = wrap(CodeUnavailable, err, "the operation was not committed; try again")
	}
	switch {
	case err != nil:
		for _, w := range a.waiters {
			r.reject(err, w.opID, w.reply)
		}
	case d.Duplicate != nil && !d.Duplicate.Pending:
		for _, w := range a.waiters {
			w.reply(&Event{Type: EventAck, Revision: d.Duplicate.Revision, OpID: w.opID, Op: d.Duplicate.Op})
		}
	case d.Duplicate != nil:
		r.waiters[d.Duplicate.Revision] = append(r.waiters[d.Duplicate.Revision], a.waiters...)
	default:
		d.Proposal.CreatedAt = r.deps.now()
		d.Proposal.received = a.p.received
		r.waiters[d.Proposal.Revision] = a.waiters
	}
}

func sameSubmission(a, b CommittedOp) bool {
	return a.ClientID == b.ClientID && a.OpID == b.OpID && a.Digest == b.Digest && a.BaseRevision == b.BaseRevision
}

// publish acknowledges committed proposals to their waiters and broadcasts
// them to the other members, in revision order. local is false for
// operations another instance committed: that instance feeds the cache and
// the fan-out with them.
func (r *Room) publish(done []*Proposal, local bool) {
	if len(done) == 0 {
		return
	}
	now := r.deps.now()
	for _, p := range done {
		ws := r.waiters[p.Revision]
		delete(r.waiters, p.Revision)
		skip := make(map[string]bool, len(ws)+1)
		for _, w := range ws {
			skip[w.clientID] = true
			w.reply(&Event{Type: EventAck, Revision: p.Revision, OpID: w.opID, Op: p.Op})
			r.deps.metrics.Acked(now.Sub(w.received))
		}
		for id, m := range r.members {
			switch {
			case id == p.ClientID && p.Selection != nil:
				m.selection = copySelection(p.Selection)
			case m.selection != nil:
				*m.selection = m.selection.Transform(p.Op)
			}
		}
		ev := &Event{Type: EventOp, Revision: p.Revision, Op: p.Op, ClientID: p.ClientID, Selection: p.Selection}
		r.broadcastExcept(ev, skip, p.ClientID)
	}
	ops := make([]CommittedOp, len(done))
	for i, p := range done {
		ops[i] = p.CommittedOp
	}
	if local {
		r.record(done)
	}
	r.afterCommit(ops, local)
}

// record writes committed submissions to the room's recording, if any.
func (r *Room) record(done []*Proposal) {
	if r.recording == nil {
		return
	}
	for _, p := range done {
		if p.received.IsZero() {
			continue
		}
		if err := r.recording.Record(p.sub.ClientID, p.sub.Base, p.sub.Op, p.sub.OpID, p.received); err != nil {
			r.deps.log.Warn("recording stopped", "room", LogID(r.info.ID), "err", err)
			_ = r.recording.Close()
			r.recording = nil
			return
		}
	}
}

// broadcast sends ev to every member but one.
func (r *Room) broadcast(ev *Event, except string) {
	r.broadcastExcept(ev, nil, except)
}

func (r *Room) broadcastExcept(ev *Event, skip map[string]bool, except string) {
	var slow []string
	for id, p := range r.members {
		if id == except || skip[id] {
			continue
		}
		if !p.member.Deliver(ev) {
			slow = append(slow, id)
		}
	}
	for _, id := range slow {
		if p, ok := r.members[id]; ok {
			p.member.Kick(Errorf(CodeRateLimited, "connection fell too far behind"))
			r.removeMember(id)
		}
	}
}

func (r *Room) kickAll(reason *Error) {
	for id, p := range r.members {
		p.member.Kick(reason)
		delete(r.members, id)
	}
}

// LogID shortens a room id for logs: ids are capabilities, never logged whole.
func LogID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}
