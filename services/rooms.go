package services

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tandem-editor/tandem/internal/spare"
	"github.com/tandem-editor/tandem/ot"
)

// Config holds the room service's settings.
type Config struct {
	Room RoomConfig
	// IdleTimeout is how long a room with no members stays loaded.
	IdleTimeout time.Duration
	// PollInterval is how often the service checks, in one query, the
	// store's heads of the rooms with members, when other instances may
	// commit to them (with a FanOut only): the repair for a lost last
	// fan-out message.
	PollInterval time.Duration
	// ForwardTimeout is how long a submission forwarded to the room's
	// owner (with a Cluster) waits for the answer before it is sent again.
	ForwardTimeout time.Duration
	// Retention compacts old operations (RetainOps 0: never).
	Retention RetentionConfig
	// Clock is the service's time (nil: the wall clock).
	Clock Clock
	// Go starts the short-lived work of a room, like a go statement (nil:
	// spare.Go, which keeps goroutines for the next work). A test that
	// runs the service in a testing/synctest bubble sets a go statement:
	// spare's goroutines live outside the bubble.
	Go func(func())
}

// DefaultConfig returns the settings documented in the README.
func DefaultConfig() Config {
	return Config{
		Room: RoomConfig{
			Sequencer:      SequencerConfig{Window: 1000, WindowBytes: 8 << 20, MaxDocumentSize: 4 << 20, HashEvery: 100},
			MaxClients:     100,
			MaxBatch:       500,
			SnapshotEvery:  500,
			CommitTimeout:  5 * time.Second,
			CacheHeadEvery: time.Second,
			RebaseHorizon:  10000,
			MaxPageBytes:   4 << 20,
		},
		IdleTimeout:    time.Minute,
		PollInterval:   2 * time.Second,
		ForwardTimeout: time.Second,
	}
}

// Rooms loads rooms on first use, hands them out, and unloads them when
// idle. It is safe for concurrent use.
type Rooms struct {
	deps   *roomDeps
	cfg    Config
	mu     sync.Mutex
	rooms  map[RoomID]*roomEntry // by edit id
	alias  map[RoomID]RoomID     // read-only id -> edit id
	closed bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

type roomEntry struct {
	room     *Room
	err      error
	ready    chan struct{}
	refs     int
	lastUsed time.Time
}

// Handle is one user of a loaded room; Release it when done.
type Handle struct {
	*Room
	// ReadOnly is true when the room was opened with its read-only id, or
	// restricted to reading (RestrictToRead).
	ReadOnly bool
	// refuseWith answers changes when ReadOnly; nil: ErrReadOnly.
	refuseWith *Error
	rooms      *Rooms
	once       sync.Once
}

// ErrReadOnly refuses a change through a read-only handle.
var ErrReadOnly = Errorf(CodeForbidden, "this link is read-only")

// RestrictToRead makes the handle read-only from now on, as if opened with
// the read-only id; changes are refused with reason (CodeForbidden). Call
// it from the goroutine that uses the handle.
func (h *Handle) RestrictToRead(reason *Error) {
	h.ReadOnly, h.refuseWith = true, reason
}

// readOnlyError is what refuses a change through a read-only handle.
func (h *Handle) readOnlyError() *Error {
	if h.refuseWith != nil {
		return h.refuseWith
	}
	return ErrReadOnly
}

// Join adds a member through this handle: read-only when the handle is.
// Errors: as Room.Join.
func (h *Handle) Join(ctx context.Context, m Member, clientID, name string) error {
	return h.Room.Join(ctx, m, clientID, name, h.ReadOnly)
}

// Submit is Room.Submit, except that through a read-only handle it is
// answered with ErrReadOnly without reaching the room.
func (h *Handle) Submit(sub Submission, reply func(Result)) {
	if h.ReadOnly {
		reply(refusal(h.readOnlyError(), sub.OpID))
		return
	}
	h.Room.Submit(sub, reply)
}

// Update is Room.Update, except that through a read-only handle it
// returns ErrReadOnly.
func (h *Handle) Update(ctx context.Context, clientID string, patch RoomPatch) (RoomInfo, error) {
	if h.ReadOnly {
		return RoomInfo{}, h.readOnlyError()
	}
	return h.Room.Update(ctx, clientID, patch)
}

// Release gives the room back; an unused room is unloaded after the idle timeout.
func (h *Handle) Release() { h.once.Do(func() { h.rooms.release(h.Room.id) }) }

// NewRooms starts the room service. cache may be nil; metrics may be nil.
func NewRooms(store Store, cache HeadCache, cfg Config, log *slog.Logger, metrics Metrics) *Rooms {
	if metrics == nil {
		metrics = NopMetrics{}
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if cfg.Go == nil {
		cfg.Go = spare.Go
	}
	if cfg.ForwardTimeout <= 0 {
		cfg.ForwardTimeout = time.Second
	}
	rs := &Rooms{
		deps: &roomDeps{
			store: store, cache: cache, log: log, metrics: metrics, cfg: cfg.Room, clock: cfg.Clock, spawn: cfg.Go,
			rebases: make(chan struct{}, rebaseReaders),
			commits: newCommitter(store, cfg.Room.CommitTimeout, cfg.Clock, maxCommitOps),
		},
		cfg:   cfg,
		rooms: map[RoomID]*roomEntry{},
		alias: map[RoomID]RoomID{},
		stop:  make(chan struct{}),
	}
	rs.deps.evict = rs.evict
	rs.deps.afterCommits = newCacheWriter(cache, func() FanOut { return rs.deps.fanout })
	rs.wg.Add(1)
	go rs.janitor()
	if cfg.Retention.RetainOps > 0 {
		rs.wg.Add(1)
		go rs.compactLoop()
	}
	return rs
}

// evict forgets a room that broke, so the next Open loads it afresh, and
// stops it.
func (rs *Rooms) evict(r *Room) {
	rs.mu.Lock()
	if e := rs.rooms[r.id]; e != nil && e.room == r {
		delete(rs.rooms, r.id)
		delete(rs.alias, r.readOnlyID)
	}
	rs.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.Stop(ctx)
	rs.deps.metrics.RoomUnloaded()
}

// WithFanOut makes rooms exchange committed operations with other instances
// through f. Call it before the first Open.
func (rs *Rooms) WithFanOut(f FanOut) *Rooms {
	rs.deps.fanout = f
	rs.wg.Add(1)
	go rs.watchHeads()
	return rs
}

// WithCluster makes each room sequenced by one instance of the cluster,
// its owner, with the others forwarding their clients' submissions to it
// (see Cluster). It needs a FanOut (WithFanOut first), which carries the
// owner's operations to the others. Call it before the first Open.
func (rs *Rooms) WithCluster(c Cluster) error {
	if rs.deps.fanout == nil {
		return errors.New("a cluster needs a fan-out")
	}
	l := newLink(c, rs)
	if err := l.start(); err != nil {
		return err
	}
	rs.deps.cluster = l
	return nil
}

// WithRecorder records every room's submissions through rec. Call it
// before the first Open.
func (rs *Rooms) WithRecorder(rec Recorder) *Rooms {
	rs.deps.recorder = rec
	return rs
}

// Create makes a new room as c says, at revision 0.
// Errors: CodeBadMessage, CodeTooLarge, CodeInvalidOp (content is not
// valid text), CodeUnavailable.
func (rs *Rooms) Create(ctx context.Context, c RoomCreate) (RoomInfo, error) {
	patch := c.RoomPatch
	if patch.Language != nil && *patch.Language == "" {
		patch.Language = nil
	}
	if err := patch.validate(); err != nil {
		return RoomInfo{}, err
	}
	if !utf8.ValidString(c.Content) {
		return RoomInfo{}, Errorf(CodeInvalidOp, "content is not valid text")
	}
	if max := rs.cfg.Room.Sequencer.MaxDocumentSize; max > 0 && ot.UTF16Len(c.Content) > max {
		return RoomInfo{}, Errorf(CodeTooLarge, "content is longer than %d units", max)
	}
	now := Stamp(rs.deps.clock.Now())
	info := newRoomInfo(now)
	patch.Apply(&info, now)
	if err := rs.deps.store.CreateRoom(ctx, info, c.Content); err != nil {
		return RoomInfo{}, storeError(err)
	}
	return info, nil
}

// Open returns the room with that edit or read-only id, loading it if needed.
// Errors: CodeNotFound, CodeUnavailable.
func (rs *Rooms) Open(ctx context.Context, id RoomID) (*Handle, error) {
	if id.IsZero() {
		return nil, Errorf(CodeNotFound, "room not found")
	}
	rs.mu.Lock()
	if rs.closed {
		rs.mu.Unlock()
		return nil, Errorf(CodeUnavailable, "server is shutting down")
	}
	editID := id
	if e, ok := rs.alias[id]; ok {
		editID = e
	}
	e := rs.rooms[editID]
	if e == nil {
		rs.mu.Unlock()
		info, err := rs.deps.store.Room(ctx, id)
		if err != nil {
			return nil, storeError(err)
		}
		rs.mu.Lock()
		if rs.closed {
			rs.mu.Unlock()
			return nil, Errorf(CodeUnavailable, "server is shutting down")
		}
		if e = rs.rooms[info.ID]; e == nil {
			e = &roomEntry{ready: make(chan struct{})}
			rs.rooms[info.ID] = e
			rs.alias[info.ReadOnlyID] = info.ID
			e.refs++
			rs.mu.Unlock()
			rs.load(e, info)
			return rs.handle(ctx, e, id)
		}
	}
	e.refs++
	rs.mu.Unlock()
	return rs.handle(ctx, e, id)
}

func (rs *Rooms) handle(ctx context.Context, e *roomEntry, id RoomID) (*Handle, error) {
	select {
	case <-e.ready:
	case <-ctx.Done():
		rs.releaseEntry(e)
		return nil, wrap(CodeUnavailable, ctx.Err(), "room did not load in time")
	}
	if e.err != nil {
		rs.releaseEntry(e)
		return nil, e.err
	}
	readOnly := !id.sameAs(e.room.id)
	return &Handle{Room: e.room, ReadOnly: readOnly, rooms: rs}, nil
}

// load builds the room's sequencer from its newest state and starts it.
func (rs *Rooms) load(e *roomEntry, info RoomInfo) {
	defer close(e.ready)
	ctx, cancel := context.WithTimeout(context.Background(), rs.cfg.Room.CommitTimeout)
	defer cancel()
	seq, snapRev, err := rs.loadSequencer(ctx, info)
	if err != nil {
		rs.deps.log.Error("load room", "room", info.ID, "err", err)
		e.err = storeError(err)
		rs.mu.Lock()
		delete(rs.rooms, info.ID)
		delete(rs.alias, info.ReadOnlyID)
		rs.mu.Unlock()
		return
	}
	// e.room is read under rs.mu by the janitor and Close: write it so, and
	// start no room that Close would not stop.
	rs.mu.Lock()
	if rs.closed {
		rs.mu.Unlock()
		e.err = Errorf(CodeUnavailable, "server is shutting down")
		return
	}
	e.room = newRoom(rs.deps, info, seq, snapRev)
	rs.mu.Unlock()
	rs.deps.metrics.RoomLoaded()
	if rs.deps.fanout != nil {
		r := e.room
		cancel, err := rs.deps.fanout.Subscribe(info.ID, r.receiveRemote, r.metadataChanged)
		if err != nil {
			rs.deps.log.Warn("fan-out subscribe", "room", info.ID, "err", err)
		} else {
			r.inbox.onClose(cancel)
		}
		// Operations committed elsewhere between loading and subscribing.
		r.do(r.fillGap)
	}
	if m, ok := rs.deps.metrics.(ClusterMetrics); ok && rs.deps.cluster != nil {
		r := e.room
		r.inbox.onClose(func() {
			if r.ownedFlag.Swap(false) {
				m.Owned(-1)
			}
		})
	}
}

// loadSequencer rebuilds a room's head: from the cache's head when it is not
// newer than the store's head, else from the newest snapshot; then the
// operations up to the store's head, from the cache's window when it covers
// them, else from the store.
func (rs *Rooms) loadSequencer(ctx context.Context, info RoomInfo) (*Sequencer, int, error) {
	// When the head comes from the cache, the store's newest snapshot is
	// unknown: 0 makes the room write one after its next commit.
	base, fromCache := rs.cachedHead(ctx, info)
	snapRev := 0
	if !fromCache {
		snap, err := rs.deps.store.Snapshot(ctx, info.ID, info.Revision)
		if err != nil {
			return nil, 0, err
		}
		base = Head{Revision: snap.Revision, Content: snap.Content}
		snapRev = snap.Revision
	}
	// Only the operations after the base are loaded: the sequencer's window
	// starts there and fills as the room is edited; a submission based on an
	// older revision fetches what it needs (NeedHistory).
	from := base.Revision
	ops, err := rs.cachedOps(ctx, info.ID, from, info.Revision)
	if err != nil {
		ops, err = rs.loadOps(ctx, info.ID, from, info.Revision)
		if err != nil {
			return nil, 0, err
		}
	}
	content, err := replay(base.Content, base.Revision, ops, info.Revision)
	if err != nil {
		return nil, 0, err
	}
	seq, err := NewSequencer(info.Revision, content, ops, rs.cfg.Room.Sequencer)
	return seq, snapRev, err
}

func (rs *Rooms) cachedHead(ctx context.Context, info RoomInfo) (Head, bool) {
	if rs.deps.cache == nil {
		return Head{}, false
	}
	h, err := rs.deps.cache.Head(ctx, info.ID)
	switch {
	case errors.Is(err, ErrCacheMiss):
		rs.deps.metrics.Cache("miss")
	case err != nil:
		rs.deps.metrics.Cache("error")
		rs.deps.log.Warn("cache read", "room", info.ID, "err", err)
	case h.Revision > info.Revision || h.Revision < 0:
		rs.deps.metrics.Cache("stale")
	default:
		rs.deps.metrics.Cache("hit")
		return h, true
	}
	return Head{}, false
}

func (rs *Rooms) cachedOps(ctx context.Context, roomID RoomID, from, to int) ([]CommittedOp, error) {
	if from == to {
		return nil, nil
	}
	if rs.deps.cache == nil {
		return nil, ErrCacheMiss
	}
	ops, err := rs.deps.cache.Ops(ctx, roomID, from, to)
	if err == nil && (len(ops) != to-from || ops[0].Revision != from+1) {
		err = ErrCacheMiss
	}
	switch {
	case err == nil:
		rs.deps.metrics.Cache("hit")
	case errors.Is(err, ErrCacheMiss):
		rs.deps.metrics.Cache("miss")
	default:
		rs.deps.metrics.Cache("error")
	}
	return ops, err
}

// loadOps reads the operations in (from, to] from the store, page by page.
func (rs *Rooms) loadOps(ctx context.Context, roomID RoomID, from, to int) ([]CommittedOp, error) {
	return newPager(ctx, rs.deps.store, roomID, from, to).all()
}

func (rs *Rooms) release(editID RoomID) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if e := rs.rooms[editID]; e != nil {
		e.refs--
		e.lastUsed = rs.deps.clock.Now()
	}
}

func (rs *Rooms) releaseEntry(e *roomEntry) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	e.refs--
	e.lastUsed = rs.deps.clock.Now()
}

// janitor unloads rooms nobody has used for the idle timeout.
func (rs *Rooms) janitor() {
	defer rs.wg.Done()
	every := max(rs.cfg.IdleTimeout/4, 10*time.Millisecond)
	for {
		select {
		case <-rs.stop:
			return
		case <-rs.deps.clock.After(every):
			rs.unloadIdle()
		}
	}
}

func (rs *Rooms) unloadIdle() {
	now := rs.deps.clock.Now()
	var idle []*Room
	rs.mu.Lock()
	for id, e := range rs.rooms {
		if e.room == nil || e.refs > 0 || now.Sub(e.lastUsed) < rs.cfg.IdleTimeout {
			continue
		}
		var quiet bool
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := e.room.call(ctx, func() { quiet = e.room.idle() })
		cancel()
		if err != nil || !quiet {
			continue
		}
		delete(rs.rooms, id)
		delete(rs.alias, e.room.readOnlyID)
		idle = append(idle, e.room)
	}
	rs.mu.Unlock()
	for _, r := range idle {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r.Stop(ctx)
		cancel()
		rs.deps.metrics.RoomUnloaded()
	}
}

// Loaded is the number of rooms in memory.
func (rs *Rooms) Loaded() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return len(rs.rooms)
}

// Close stops every room (finishing commits in flight, closing members'
// connections, writing snapshots) and refuses new opens.
func (rs *Rooms) Close(ctx context.Context) {
	rs.mu.Lock()
	if rs.closed {
		rs.mu.Unlock()
		return
	}
	rs.closed = true
	close(rs.stop)
	var rooms []*Room
	for _, e := range rs.rooms {
		if e.room != nil {
			rooms = append(rooms, e.room)
		}
	}
	rs.rooms = map[RoomID]*roomEntry{}
	rs.mu.Unlock()
	rs.wg.Wait()
	var leases []RoomID
	if rs.deps.cluster != nil {
		leases = owned(rooms)
	}
	var wg sync.WaitGroup
	for _, r := range rooms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Stop(ctx)
			rs.deps.metrics.RoomUnloaded()
		}()
	}
	wg.Wait()
	if rs.deps.cluster != nil {
		rs.deps.cluster.release(leases)
		rs.deps.cluster.close()
	}
	rs.deps.commits.close()
	rs.deps.afterCommits.close()
}

// maxCommitOps bounds the operations of one transaction of the committer,
// over all rooms.
const maxCommitOps = 5000
