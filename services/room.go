package services

import (
	"context"
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
	reply    func(Result)
	received time.Time
	// forwarded is set when the submission was forwarded from here.
	forwarded *forwardedSubmission
}

type participant struct {
	member    Member
	name      string
	selection *ot.Selection
	readOnly  bool
}

// Room runs one room: it owns a Sequencer and the room's members, and all its
// state is touched by the closures its mailbox runs, one at a time (the
// room's goroutine, while it has work). Other goroutines reach it through its
// methods, which post closures to the mailbox.
// Storage calls run in helper goroutines and report back the same way, so a
// slow database never stops presence or reads.
type Room struct {
	deps *roomDeps
	// id and readOnlyID never change: any goroutine may read them.
	id, readOnlyID RoomID
	// info is the room's metadata, its goroutine's like the rest.
	info  RoomInfo
	seq   *Sequencer
	inbox *mailbox
	// done is the inbox's: closed when the room stopped.
	done <-chan struct{}

	members map[string]*participant
	waiters map[int][]waiter
	// phase is the commit protocol's state; resolveCause is the commit
	// error being resolved, and inDoubt holds the ids of the operations
	// whose outcome it leaves unknown. queued holds the submissions that
	// arrive meanwhile.
	phase        phase
	resolveCause error
	inDoubt      map[string]bool
	queued       []queuedSubmission
	// closing: the room takes no new work; it is being stopped or broke.
	closing bool
	// metadata: a read of the room's metadata that another instance
	// changed is under way, and another change was heard meanwhile.
	metadata    struct{ reading, again bool }
	snapshotRev int
	snapshotRun bool
	cacheRun    bool
	cacheDirty  bool
	cacheHeadAt time.Time
	cacheOps    []CommittedOp
	// remote holds operations other instances committed that are not yet
	// applied, by revision; fetching is set while a gap is being filled.
	remote   map[int]CommittedOp
	fetching bool
	// gapSince is when the gap before remote was first seen (a cluster
	// gives the fan-out gapGrace to fill it).
	gapSince time.Time
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
	// head and watched mirror the sequencer's head and whether the room
	// has members, for the head watcher (published).
	head    atomic.Int64
	watched atomic.Bool
	// recording, when set, receives the room's submissions.
	recording RoomRecording
	// updates coalesces metadata writes (Update); it has its own lock.
	updates roomUpdates
	// blames keeps the blame of some revisions (BlameAt); its own lock.
	blames blameCache
	// own is the room's place in the cluster; ownedFlag mirrors whether
	// this instance owns it and workedAt when it last took a submission
	// (Unix nanoseconds), for the link's renewal.
	own       ownership
	ownedFlag atomic.Bool
	workedAt  atomic.Int64
}

// queuedSubmission is a submission waiting for its turn; sent is set once
// it was forwarded to another instance (its outcome may then be unknown).
type queuedSubmission struct {
	sub   Submission
	reply func(Result)
	at    time.Time
}

// waiter makes q wait for a revision's publication.
func (q queuedSubmission) waiter() waiter {
	return waiter{clientID: q.sub.ClientID, opID: q.sub.OpID, reply: q.reply, received: q.at, forwarded: q.sub.forwarded}
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
	clock    Clock
	// spawn starts the room's mailbox (Config.Go).
	spawn func(func())
	// rebases is a semaphore: history pages read at once, for all rooms.
	rebases chan struct{}
	// commits is the service's one writer: group commits across rooms;
	// afterCommits publishes and caches what they committed, likewise.
	commits      *committer
	afterCommits *cacheWriter
	// cluster, when set, decides which instance sequences each room.
	cluster *link
	// evict, set by Rooms, forgets a broken room (any goroutine).
	evict func(*Room)
}

func newRoom(deps *roomDeps, info RoomInfo, seq *Sequencer, snapshotRev int) *Room {
	r := &Room{
		deps: deps, id: info.ID, readOnlyID: info.ReadOnlyID, info: info, seq: seq,
		members:     map[string]*participant{},
		waiters:     map[int][]waiter{},
		remote:      map[int]CommittedOp{},
		snapshotRev: snapshotRev,
	}
	if deps.recorder != nil {
		rec, err := deps.recorder.StartRoom(info, seq.Head(), seq.Content())
		if err != nil {
			deps.log.Warn("recording not started", "room", info.ID, "err", err)
		} else {
			r.recording = rec
		}
	}
	r.inbox = newMailbox(256, deps.spawn, func(f func()) {
		r.safely(f)
		r.published()
	})
	r.done = r.inbox.done
	r.published()
	return r
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
		r.deps.log.Error("room goroutine panicked; closing the room", "room", r.id, "panic", p, "stack", string(debug.Stack()))
		err := Errorf(CodeInternal, "internal error")
		for _, pr := range r.seq.Abort() {
			r.refuseAll(r.waiters[pr.Revision], err)
			delete(r.waiters, pr.Revision)
		}
		r.close(err)
	}()
	f()
}

// close takes a room that cannot go on out of service: it refuses what
// waits to catch up, drops the members (they reconnect to a fresh load of
// the room) and has Rooms forget it, so the next Open loads it afresh.
func (r *Room) close(reason *Error) {
	r.closing = true
	r.refuseAhead(r.fills+1, -1, Errorf(CodeUnavailable, "room is closing"))
	r.kickAll(reason)
	if r.deps.evict != nil {
		go r.deps.evict(r)
	}
}

// do runs f on the room's goroutine. It returns false if the room stopped.
func (r *Room) do(f func()) bool { return r.post(f, true) }

// tryDo is do without waiting: it returns false, and f does not run, when
// the inbox is full.
func (r *Room) tryDo(f func()) bool { return r.post(f, false) }

// post puts f in the inbox, waiting for room there or not.
func (r *Room) post(f func(), wait bool) bool { return r.inbox.post(f, wait) }

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
func (r *Room) ID() RoomID { return r.id }

// ReadOnlyID is the room's read-only id.
func (r *Room) ReadOnlyID() RoomID { return r.readOnlyID }

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
		r.broadcast(&Event{Type: EventJoin, ClientID: clientID, Name: name, ReadOnly: readOnly}, clientID)
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
