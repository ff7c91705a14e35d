package services

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Retention (--retain-ops): operations older than RetainOps are compacted
// into a snapshot, in the background, one bounded round per interval for
// the whole instance (no per-room timer). A room's compaction horizon H is
// the newest revision the store no longer holds the operations up to:
//
//   - the store keeps a snapshot at exactly H, written in the transaction
//     that deletes the operations up to H (a crash leaves either both or
//     neither), so the room loads from it;
//   - a named version at V < H pins V: a snapshot at exactly V is kept, so
//     ?revision=V and a restore to V still work; every other revision
//     before H answers CodeRevisionOutOfRange naming the horizon, and so do
//     history pages from before H and blame before H;
//   - restores keep their rows (their id names them whatever their base),
//     so a restore resubmitted after compaction is answered with its
//     original result; an ordinary operation whose row was deleted was
//     based before its revision, so before H: its resubmission is refused
//     with CodeRevisionOutOfRange and never applied again;
//   - blame attributes what was inserted at or before H to revision H,
//     client "" (as revision 0's initial content is attributed).
//
// Several instances may compact at once: Store.Compact is a compare-and-set
// of the horizon, and the loser's round finds the room done.

// Compaction is one step of a room's retention: its horizon moves from From
// to Horizon.
type Compaction struct {
	// RoomID is the room's edit id.
	RoomID RoomID
	// From is the horizon the compaction was computed from; Horizon the
	// new one (From < Horizon <= the head).
	From, Horizon int
	// Snapshots holds the content at Horizon and at every revision in
	// (From, Horizon) that a named version pins, by revision.
	Snapshots []Snapshot
}

// CompactionCandidate is a room with operations to compact: its horizon and
// the newest revision older than the retention, Upto (> Horizon).
type CompactionCandidate struct {
	RoomID        RoomID
	Horizon, Upto int
}

// ErrCompactionConflict: the room's horizon is no longer Compaction.From,
// or a named version in (From, Horizon) has no snapshot in the compaction;
// nothing was written.
var ErrCompactionConflict = errors.New("compaction conflicts with the room's state")

// ErrRevisionCompacted: a named version at a revision before the room's
// horizon that has no snapshot; nothing was written.
var ErrRevisionCompacted = errors.New("revision was compacted")

// RetentionConfig sets retention (Config.Retention).
type RetentionConfig struct {
	// RetainOps is how old an operation gets before it is compacted (0:
	// operations are kept forever).
	RetainOps time.Duration
	// Every is the time between two rounds of the instance (0: a minute).
	Every time.Duration
	// Rooms is how many rooms a round compacts at most, and Rows how many
	// revisions one room's compaction (one transaction) removes at most;
	// 0 means the defaults (compactRooms, compactRows).
	Rooms, Rows int
}

const (
	compactRooms = 50
	compactRows  = 2000
)

// compactor runs retention for the instance.
type compactor struct {
	store Store
	cfg   RetentionConfig
	clock Clock
	log   *slog.Logger
}

func (rs *Rooms) compactLoop() {
	defer rs.wg.Done()
	c := rs.compactor()
	for {
		select {
		case <-rs.stop:
			return
		case <-rs.deps.clock.After(c.cfg.Every):
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Every)
			if _, err := c.round(ctx); err != nil {
				c.log.Warn("compaction round", "err", err)
			}
			cancel()
		}
	}
}

func (rs *Rooms) compactor() *compactor {
	cfg := rs.cfg.Retention
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Rooms <= 0 {
		cfg.Rooms = compactRooms
	}
	if cfg.Rows <= 0 {
		cfg.Rows = compactRows
	}
	return &compactor{store: rs.deps.store, cfg: cfg, clock: rs.deps.clock, log: rs.deps.log}
}

// Compact runs one round of retention now (the background does every
// RetentionConfig.Every) and returns how many rooms it compacted. Without
// RetainOps it does nothing.
func (rs *Rooms) Compact(ctx context.Context) (int, error) {
	if rs.cfg.Retention.RetainOps <= 0 {
		return 0, nil
	}
	return rs.compactor().round(ctx)
}

// round compacts up to cfg.Rooms rooms by up to cfg.Rows revisions each.
func (c *compactor) round(ctx context.Context) (int, error) {
	cutoff := c.clock.Now().Add(-c.cfg.RetainOps)
	rooms, err := c.store.CompactionCandidates(ctx, cutoff, c.cfg.Rooms)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, cand := range rooms {
		err := c.compact(ctx, cand)
		switch {
		case err == nil:
			done++
		case errors.Is(err, ErrCompactionConflict):
			// Another instance, or a version created meanwhile: next round.
		default:
			c.log.Warn("compact room", "room", cand.RoomID, "err", err)
			if ctx.Err() != nil {
				return done, err
			}
		}
	}
	return done, nil
}

// compact moves one room's horizon to min(Upto, Horizon+Rows), with the
// snapshots that needs.
func (c *compactor) compact(ctx context.Context, cand CompactionCandidate) error {
	to := min(cand.Upto, cand.Horizon+c.cfg.Rows)
	if to <= cand.Horizon {
		return nil
	}
	versions, err := c.store.Versions(ctx, cand.RoomID)
	if err != nil {
		return err
	}
	var pins []int
	for _, v := range versions {
		if v.Revision > cand.Horizon && v.Revision < to {
			pins = append(pins, v.Revision)
		}
	}
	slices.Sort(pins)
	pins = append(slices.Compact(pins), to)
	comp := Compaction{RoomID: cand.RoomID, From: cand.Horizon, Horizon: to}
	// One replay from the newest snapshot at or before the first revision
	// wanted, through every one wanted: at most Rows operations.
	snap, err := c.store.Snapshot(ctx, cand.RoomID, pins[0])
	if err != nil {
		return err
	}
	content, at := snap.Content, snap.Revision
	now := c.clock.Now()
	for _, rev := range pins {
		if rev > at {
			ops, err := newPager(ctx, c.store, cand.RoomID, at, rev).all()
			if err != nil {
				return err
			}
			if content, err = replay(content, at, ops, rev); err != nil {
				return fmt.Errorf("replay to %d: %w", rev, err)
			}
			at = rev
		}
		comp.Snapshots = append(comp.Snapshots, Snapshot{RoomID: cand.RoomID, Revision: rev, Content: content, CreatedAt: now})
	}
	return c.store.Compact(ctx, comp)
}

// compactedError is the answer to a read or a submission that needs the
// history before the room's horizon.
func compactedError(rev, horizon int) error {
	return Errorf(CodeRevisionOutOfRange, "revision %d is before the retention horizon %d: the history up to it was compacted", rev, horizon)
}

// beforeHorizon returns compactedError when rev is before the room's
// horizon (read from the store), nil otherwise.
func (r *Room) beforeHorizon(ctx context.Context, rev int) error {
	h, err := r.deps.store.Horizon(ctx, r.id)
	if err != nil {
		return storeError(err)
	}
	if rev < h {
		return compactedError(rev, h)
	}
	return nil
}
