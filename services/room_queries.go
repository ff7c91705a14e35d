package services

import (
	"context"
	"errors"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// State returns the room's metadata with its head revision and content.
func (r *Room) State(ctx context.Context) (RoomInfo, string, error) {
	var info RoomInfo
	var content string
	err := r.call(ctx, func() {
		info = r.info
		info.Revision = r.seq.Head()
		content = r.seq.Content()
	})
	return info, content, err
}

// ContentAt returns the document as it was at revision rev.
// Errors: CodeRevisionOutOfRange, CodeUnavailable.
func (r *Room) ContentAt(ctx context.Context, rev int) (string, error) {
	var head int
	var content string
	if err := r.call(ctx, func() { head, content = r.seq.Head(), r.seq.Content() }); err != nil {
		return "", err
	}
	if rev < 0 || rev > head {
		return "", Errorf(CodeRevisionOutOfRange, "revision %d is outside 0..%d", rev, head)
	}
	if rev == head {
		return content, nil
	}
	snap, err := r.deps.store.Snapshot(ctx, r.id, rev)
	if errors.Is(err, ErrSnapshotNotFound) {
		if err := r.beforeHorizon(ctx, rev); err != nil {
			return "", err
		}
	}
	if err != nil {
		return "", storeError(err)
	}
	if snap.Revision == rev {
		return snap.Content, nil // a pinned version's, at any age
	}
	if err := r.beforeHorizon(ctx, rev); err != nil {
		return "", err
	}
	ops, err := r.ops(ctx, snap.Revision, rev-snap.Revision, 0)
	if err != nil {
		return "", err
	}
	return replay(snap.Content, snap.Revision, ops, rev)
}

// replay applies ops to content at revision from, up to revision to.
func replay(content string, from int, ops []CommittedOp, to int) (string, error) {
	// Compose first, then apply once: applying each operation would copy
	// the whole document each time (a 1 MB document, 500 operations after
	// its snapshot: half a gigabyte of copying).
	var all ot.Operation
	for i, op := range ops {
		if op.Revision != from+1 || op.Revision > to {
			break
		}
		if i == 0 {
			all = op.Op
		} else if next, err := ot.Compose(all, op.Op); err == nil {
			all = next
		} else {
			return "", wrap(CodeInternal, err, "stored revision %d does not compose", op.Revision)
		}
		from = op.Revision
	}
	if from != to {
		return "", Errorf(CodeInternal, "history ends at revision %d, before %d", from, to)
	}
	if len(ops) == 0 || to == ops[0].Revision-1 {
		return content, nil
	}
	next, err := all.Apply(content)
	if err != nil {
		return "", wrap(CodeInternal, err, "stored history up to revision %d does not apply", to)
	}
	return next, nil
}

// Ops returns up to limit committed operations after revision from, no more
// than fit in RoomConfig.MaxPageBytes of JSON but at least one, from memory
// when the window holds them and from storage otherwise.
// Errors: CodeRevisionOutOfRange, CodeUnavailable.
//
// A page from before the room's retention horizon is refused even when the
// window still holds it, so that every instance answers alike.
func (r *Room) Ops(ctx context.Context, from, limit int) ([]CommittedOp, error) {
	ops, err := r.ops(ctx, from, limit, r.deps.cfg.MaxPageBytes)
	if err == nil && len(ops) > 0 {
		err = r.beforeHorizon(ctx, from)
	}
	if err != nil {
		return nil, err
	}
	return ops, nil
}

// ops is Ops with a byte bound of maxBytes (<= 0: none).
func (r *Room) ops(ctx context.Context, from, limit, maxBytes int) ([]CommittedOp, error) {
	// A negative limit would panic on the room's goroutine: it means none.
	limit = max(limit, 0)
	var head int
	var recent []CommittedOp
	var ok bool
	if err := r.call(ctx, func() {
		head = r.seq.Head()
		if recent, ok = r.seq.Recent(from); ok {
			recent = append([]CommittedOp(nil), recent[:min(limit, len(recent))]...)
		}
	}); err != nil {
		return nil, err
	}
	if from < 0 || from > head {
		return nil, Errorf(CodeRevisionOutOfRange, "revision %d is outside 0..%d", from, head)
	}
	if ok {
		return capPage(recent, maxBytes), nil
	}
	ops, err := r.storedPage(ctx, from, min(limit, head-from), maxBytes)
	if err != nil {
		return nil, storeError(err)
	}
	return ops, nil
}

// idle reports, on the room's goroutine, whether nothing is going on.
func (r *Room) idle() bool {
	return len(r.members) == 0 && r.settled() && !r.fetching && r.rebasing == 0 &&
		len(r.queued) == 0 && len(r.ahead) == 0 && !r.routing()
}

// Stop closes the room: it refuses new operations, waits for the commits in
// flight, closes the members' connections, writes a last snapshot and the
// cache head, and ends the room's goroutine.
func (r *Room) Stop(ctx context.Context) {
	_ = r.call(ctx, func() { r.closing = true })
	for waiting := true; waiting; {
		var busy bool
		if err := r.call(ctx, func() { busy = !r.settled() }); err != nil || !busy {
			break
		}
		select {
		case <-ctx.Done():
			waiting = false
		case <-r.deps.clock.After(10 * time.Millisecond):
		}
	}
	saved := make(chan struct{})
	if r.call(ctx, func() {
		r.refuseAhead(r.fills+1, -1, Errorf(CodeUnavailable, "server is shutting down"))
		r.kickAll(Errorf(CodeUnavailable, "server is shutting down"))
		if r.recording != nil {
			_ = r.recording.Close()
			r.recording = nil
		}
		r.flushCache()
		r.saveSnapshot(func() { close(saved) })
	}) == nil {
		select {
		case <-saved:
		case <-ctx.Done():
		}
	}
	r.do(r.inbox.close)
}

// storeError turns a storage failure into a coded error.
func storeError(err error) error {
	var coded *Error
	switch {
	case errors.As(err, &coded):
		return err
	case errors.Is(err, ErrRoomNotFound):
		return wrap(CodeNotFound, err, "room not found")
	case errors.Is(err, ErrRevisionCompacted):
		return wrap(CodeRevisionOutOfRange, err, "revision was compacted (before the retention horizon)")
	case errors.Is(err, ErrSnapshotNotFound):
		return wrap(CodeInternal, err, "no snapshot")
	default:
		return wrap(CodeUnavailable, err, "storage is unavailable")
	}
}
