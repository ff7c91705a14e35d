package services

import (
	"context"
	"sort"
	"sync"
)

// A room keeps the blame of some revisions in memory (blameCache), so that
// the blame of a revision is that of the newest kept one at or before it
// plus the operations since: never a replay from revision 0 on each call.
// Kept are the revisions that are multiples of an interval (blameEvery at
// first) that a request walked past, at most maxBlameMarks of them (beyond
// that every other one goes and the interval doubles), and the last
// revision asked for, which makes repeated requests at the head cost the
// operations committed since. Blames share their unchanged chunks, so the
// marks cost about what the operations between them changed.
const (
	blameEvery    = 500
	maxBlameMarks = 64
)

type blameMark struct {
	rev   int
	blame Blame
}

type blameCache struct {
	mu sync.Mutex
	// horizon is the room's compaction horizon the marks were built from:
	// a newer one drops them (see reset).
	horizon int
	every   int
	marks   []blameMark // by revision
	last    *blameMark
}

// reset drops every mark when the room's horizon moved past the one they
// were built from, so that blame reads the same on every instance and
// after a restart: what was inserted up to the horizon is the horizon's.
func (c *blameCache) reset(horizon int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if horizon > c.horizon {
		c.horizon, c.marks, c.last = horizon, nil, nil
	}
}

// nearest returns the newest kept blame at or before rev.
func (c *blameCache) nearest(rev int) (blameMark, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	best, ok := blameMark{}, false
	i := sort.Search(len(c.marks), func(i int) bool { return c.marks[i].rev > rev })
	if i > 0 {
		best, ok = c.marks[i-1], true
	}
	if c.last != nil && c.last.rev <= rev && (!ok || c.last.rev > best.rev) {
		best, ok = *c.last, true
	}
	return best, ok
}

// wants reports whether keep would keep the blame of rev as a mark.
func (c *blameCache) wants(rev int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return rev%max(c.every, blameEvery) == 0
}

// keep records the blame of a revision a request passed: as a mark when it
// is a multiple of the interval, and as the last one asked for when last.
func (c *blameCache) keep(m blameMark, last bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.every == 0 {
		c.every = blameEvery
	}
	if last {
		c.last = &m
	}
	if m.rev%c.every != 0 {
		return
	}
	i := sort.Search(len(c.marks), func(i int) bool { return c.marks[i].rev >= m.rev })
	if i < len(c.marks) && c.marks[i].rev == m.rev {
		return
	}
	c.marks = append(c.marks, blameMark{})
	copy(c.marks[i+1:], c.marks[i:])
	c.marks[i] = m
	for len(c.marks) > maxBlameMarks {
		c.every *= 2
		kept := c.marks[:0]
		for _, k := range c.marks {
			if k.rev%c.every == 0 {
				kept = append(kept, k)
			}
		}
		c.marks = kept
	}
}

// BlameAt returns the blame of the document at revision rev.
// Errors: CodeRevisionOutOfRange, CodeUnavailable, CodeInternal (a stored
// history that does not apply).
func (r *Room) BlameAt(ctx context.Context, rev int) ([]BlameSpan, error) {
	head, err := r.HeadRevision(ctx)
	if err != nil {
		return nil, err
	}
	if rev < 0 || rev > head {
		return nil, Errorf(CodeRevisionOutOfRange, "revision %d is outside 0..%d", rev, head)
	}
	horizon, err := r.deps.store.Horizon(ctx, r.id)
	if err != nil {
		return nil, storeError(err)
	}
	if rev < horizon {
		return nil, compactedError(rev, horizon)
	}
	r.blames.reset(horizon)
	from, ok := r.blames.nearest(rev)
	if !ok {
		// Revision 0's content, or after compaction the horizon's, is
		// attributed to that revision and no client.
		snap, err := r.deps.store.Snapshot(ctx, r.id, horizon)
		if err != nil {
			return nil, storeError(err)
		}
		if snap.Revision != horizon {
			return nil, Errorf(CodeInternal, "no snapshot at the retention horizon %d", horizon)
		}
		from = blameMark{rev: horizon, blame: NewBlame(snap.Content, horizon, "")}
		r.blames.keep(from, false)
	}
	if from.rev == rev {
		return from.blame.Spans(), nil
	}
	e := from.blame.edit()
	for pages := r.history(ctx, from.rev, rev); !pages.done(); {
		ops, err := pages.next(loadPage)
		if err != nil {
			return nil, storeError(err)
		}
		for _, op := range ops {
			if err := e.apply(op.Op, op.Revision, op.ClientID); err != nil {
				return nil, err
			}
			if last := op.Revision == rev; last || r.blames.wants(op.Revision) {
				r.blames.keep(blameMark{rev: op.Revision, blame: e.blame()}, last)
			}
		}
	}
	return e.blame().Spans(), nil
}
