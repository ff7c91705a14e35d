package services

import (
	"context"
	"slices"
	"time"
)

// afterCommit runs the work that follows a commit off the keystroke path:
// a snapshot every SnapshotEvery revisions and, for operations this
// instance committed, the cache's window and head and the fan-out.
func (r *Room) afterCommit(ops []CommittedOp, local bool) {
	if every := r.deps.cfg.SnapshotEvery; every > 0 && r.seq.Head()-r.snapshotRev >= every {
		r.saveSnapshot(nil)
	}
	if !local {
		return
	}
	r.cacheOps = append(r.cacheOps, ops...)
	r.flushCache()
}

// saveSnapshot writes the committed content in the background, one snapshot
// at a time; then runs on the room's goroutine when it is written or failed.
func (r *Room) saveSnapshot(then func()) {
	if r.snapshotRun || r.seq.Head() == r.snapshotRev {
		if then != nil {
			then()
		}
		return
	}
	r.snapshotRun = true
	snap := Snapshot{RoomID: r.id, Revision: r.seq.Head(), Content: r.seq.Content(), CreatedAt: r.deps.clock.Now()}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := r.deps.store.SaveSnapshot(ctx, snap)
		if err != nil {
			r.deps.log.Warn("save snapshot", "room", snap.RoomID, "revision", snap.Revision, "err", err)
		}
		if !r.do(func() {
			r.snapshotRun = false
			if err == nil {
				r.snapshotRev = max(r.snapshotRev, snap.Revision)
			}
			if then != nil {
				then()
			}
		}) && then != nil {
			then()
		}
	}()
}

// flushCache hands the operations committed since the last flush, and the
// head at most every CacheHeadEvery, to the service's cache writer, which
// publishes and writes the work of many rooms at once. A write
// that fails leaves the cache stale, which readers detect; it is logged.
func (r *Room) flushCache() {
	if r.deps.cache == nil && r.deps.fanout == nil {
		r.cacheOps = nil
		return
	}
	if r.cacheRun {
		r.cacheDirty = true
		return
	}
	ops := r.cacheOps
	r.cacheOps = nil
	var head *Head
	now := r.deps.clock.Now()
	if now.Sub(r.cacheHeadAt) >= r.deps.cfg.CacheHeadEvery || r.closing {
		head = &Head{Revision: r.seq.Head(), Content: r.seq.Content()}
		r.cacheHeadAt = now
	}
	if len(ops) == 0 && head == nil {
		return
	}
	r.cacheRun, r.cacheDirty = true, false
	// A closing room's last write must not linger: Stop waits for it.
	r.deps.afterCommits.write(CacheWrite{RoomID: r.id, Ops: ops, Head: head}, r.closing, func(perr, err error) {
		if perr != nil {
			r.deps.log.Warn("fan-out publish", "room", r.id, "err", perr)
		}
		if err != nil {
			r.deps.metrics.Cache("error")
			r.deps.log.Warn("cache write", "room", r.id, "err", err)
		}
		// The writer serves every room: it never waits for this one.
		f := func() {
			r.cacheRun = false
			if r.cacheDirty || len(r.cacheOps) > 0 {
				r.flushCache()
			}
		}
		if !r.tryDo(f) {
			go r.do(f)
		}
	})
}

func sortPeers(peers []Peer) {
	slices.SortFunc(peers, func(a, b Peer) int {
		switch {
		case a.ClientID < b.ClientID:
			return -1
		case a.ClientID > b.ClientID:
			return 1
		}
		return 0
	})
}
