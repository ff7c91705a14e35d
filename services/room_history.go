package services

import (
	"context"
	"errors"
)

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
				r.submit(next, q.reply, q.at)
			}
		}) {
			q.reply(refusal(Errorf(CodeUnavailable, "room is closed"), q.sub.OpID))
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
		op, err := r.deps.store.OpByID(ctx, r.id, sub.OpID)
		switch {
		case err == nil:
			return sub, &op, nil
		case !errors.Is(err, ErrOpNotFound):
			r.deps.log.Warn("look up an operation id", "room", r.id, "err", err)
			return sub, nil, wrap(CodeUnavailable, err, "storage is unavailable")
		}
	}
	// An id not in the store with a base before the compaction horizon may
	// be an operation whose row compaction deleted: refused, never applied
	// twice (restores keep their rows, and their base does not matter).
	if sub.Restore == nil && sub.rebased == nil {
		if err := r.beforeHorizon(ctx, sub.Base); err != nil {
			if ErrorCode(err) == CodeRevisionOutOfRange {
				err = Errorf(CodeRevisionOutOfRange, "%s; if this operation was sent before, it may be committed: reload the document", err.(*Error).Message)
			}
			return sub, nil, err
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
	for pages := r.history(ctx, need.From, need.To); !pages.done(); {
		ops, err := pages.next(historyPage)
		if ErrorCode(err) == CodeRevisionOutOfRange {
			return sub, nil, err // compacted meanwhile
		}
		if err != nil {
			r.deps.log.Error("load history", "room", r.id, "from", need.From, "to", need.To, "err", err)
			return sub, nil, wrap(CodeUnavailable, err, "storage is unavailable")
		}
		if sub, err = sub.Rebase(ops); err != nil {
			if ErrorCode(err) != CodeInvalidOp {
				r.deps.log.Error("rebase", "room", r.id, "err", err)
				err = wrap(CodeUnavailable, err, "storage returned a broken history page")
			}
			return sub, nil, err
		}
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
	case !q.sub.repeats(orig):
		r.reject(Errorf(CodeConflict, "operation id %q was already used for a different operation", q.sub.OpID), q.sub.OpID, q.reply)
	case orig.Revision > r.seq.Head():
		r.park(q, orig.Revision)
	default:
		q.reply(Result{OpID: q.sub.OpID, Revision: orig.Revision, Op: orig.Op})
	}
}
