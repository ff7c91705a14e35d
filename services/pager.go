package services

import "context"

// pager reads a room's history from the store in order, one page at a
// time: every history read of the room service goes through it (loading a
// room, filling a gap, rebasing an old submission, resolving a failed
// commit, serving a page of history), so each holds one page at a time.
type pager struct {
	ctx   context.Context
	store Store
	room  RoomID
	// after is the newest revision read so far; to is the newest wanted
	// (-1: whatever the store holds).
	after, to int
}

func newPager(ctx context.Context, store Store, roomID RoomID, after, to int) *pager {
	return &pager{ctx: ctx, store: store, room: roomID, after: after, to: to}
}

// history starts a pager over the room's history after revision after, up
// to revision to (-1: the store's head).
func (r *Room) history(ctx context.Context, after, to int) *pager {
	return newPager(ctx, r.deps.store, r.id, after, to)
}

// done reports whether every wanted revision has been read.
func (p *pager) done() bool { return p.to >= 0 && p.after >= p.to }

// next reads up to n operations after the last one read. An empty page
// means the store holds nothing more; when revisions up to to are wanted,
// that is an error (the history ends early).
func (p *pager) next(n int) ([]CommittedOp, error) {
	if p.to >= 0 {
		n = min(n, p.to-p.after)
	}
	if n <= 0 {
		return nil, nil
	}
	ops, err := p.store.Ops(p.ctx, p.room, p.after, n)
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 && p.to >= 0 {
		return nil, Errorf(CodeInternal, "history of room %s ends at revision %d, before %d", p.room, p.after, p.to)
	}
	for i, op := range ops {
		if op.Revision != p.after+1+i {
			// Ops skips what compaction removed: a read from before the
			// horizon finds the first revision after it.
			if h, err := p.store.Horizon(p.ctx, p.room); err == nil && p.after < h {
				return nil, compactedError(p.after, h)
			}
			return nil, Errorf(CodeInternal, "history of room %s has revision %d after %d", p.room, op.Revision, p.after+i)
		}
	}
	if len(ops) > 0 {
		p.after = ops[len(ops)-1].Revision
	}
	return ops, nil
}

// all reads every wanted operation, historyPage at a time. Callers bound
// what that is: a room's load reads from its newest snapshot (at most
// SnapshotEvery revisions), a resolution what other writers committed.
func (p *pager) all() ([]CommittedOp, error) {
	var all []CommittedOp
	for !p.done() {
		ops, err := p.next(loadPage)
		if err != nil {
			return nil, err
		}
		all = append(all, ops...)
		if len(ops) < loadPage && p.to < 0 {
			break
		}
	}
	return all, nil
}

// loadPage is the page size of reads that keep everything they read.
const loadPage = 1000
