package services

import (
	"context"
	"sync"
)

// roomUpdates coalesces a room's metadata writes: one UpdateRoom in flight
// at a time; the changes that arrive meanwhile merge, the latest value of
// each field winning, into the one write that follows, and each of their
// callers gets that write's stored result. A change that changes nothing is
// not written at all. Twenty clients sending fifty language messages thus
// cost a few writes on the store's one writer, not a thousand.
type roomUpdates struct {
	mu      sync.Mutex
	running bool
	// next gathers the changes behind the write in flight.
	next *roomUpdate
}

// roomUpdate is one write of merged changes, and its outcome once done is
// closed.
type roomUpdate struct {
	patch RoomPatch
	// languageBy is the client whose language won, named in the broadcast.
	languageBy string
	done       chan struct{}
	info       RoomInfo
	err        error
}

// Update changes the room's metadata as patch says, stores it, tells every
// member (the sender included) of a new language, and every other instance
// that has the room loaded of the change. It returns the room as stored,
// which includes changes that arrived together with this one.
// Errors: CodeBadMessage, CodeUnavailable.
func (r *Room) Update(ctx context.Context, clientID string, patch RoomPatch) (RoomInfo, error) {
	if err := patch.validate(); err != nil {
		return RoomInfo{}, err
	}
	u := r.updates.add(clientID, patch, r.runUpdates)
	select {
	case <-u.done:
		return u.info, u.err
	case <-ctx.Done():
		return RoomInfo{}, wrap(CodeUnavailable, ctx.Err(), "the room's update did not finish in time")
	}
}

// add merges a change into the next write and returns that write; it starts
// a writer with it unless one is running.
func (q *roomUpdates) add(clientID string, patch RoomPatch, start func(*roomUpdate)) *roomUpdate {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.next == nil {
		q.next = &roomUpdate{done: make(chan struct{})}
	}
	u := q.next
	u.patch = u.patch.merge(patch)
	if patch.Language != nil {
		u.languageBy = clientID
	}
	if !q.running {
		q.running, q.next = true, nil
		go start(u)
	}
	return u
}

// take returns the write gathered behind the one that finished, or nil when
// there is none, and then the writer stops.
func (q *roomUpdates) take() *roomUpdate {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.next
	q.next = nil
	q.running = u != nil
	return u
}

// runUpdates is the room's writer: it writes u, then each write that
// gathered behind it, one at a time.
func (r *Room) runUpdates(u *roomUpdate) {
	for ; u != nil; u = r.updates.take() {
		u.info, u.err = r.writeUpdate(u)
		close(u.done)
	}
}

// writeUpdate stores one merged change, unless it changes nothing, then
// applies it to the room and tells the members of a new language.
func (r *Room) writeUpdate(u *roomUpdate) (RoomInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
	defer cancel()
	var cur RoomInfo
	if err := r.call(ctx, func() { cur = r.info; cur.Revision = r.seq.Head() }); err != nil {
		return RoomInfo{}, err
	}
	if next := cur; !u.patch.Apply(&next, cur.UpdatedAt) {
		return cur, nil
	}
	info, err := r.deps.store.UpdateRoom(ctx, cur.ID, u.patch)
	if err != nil {
		return RoomInfo{}, storeError(err)
	}
	err = r.call(ctx, func() {
		info.Revision = r.seq.Head()
		r.setMetadata(info, u.languageBy)
	})
	if err == nil && r.deps.fanout != nil {
		r.announceMetadata(ctx)
	}
	return info, err
}

// setMetadata takes the metadata of info (its revision aside) as the
// room's, and tells the members of a new language, by clientID ("" when
// it came from another instance or nobody in particular). It runs on the
// room's goroutine.
func (r *Room) setMetadata(info RoomInfo, clientID string) {
	changed := info.Language != r.info.Language
	info.Revision = r.info.Revision
	r.info = info
	if changed {
		r.broadcast(&Event{Type: EventLanguage, Language: info.Language, ClientID: clientID}, "")
	}
}

// announceMetadata tells the other instances that have the room loaded
// that its metadata changed; they read it from the store. A lost message
// leaves them with the old metadata until they load the room again.
func (r *Room) announceMetadata(ctx context.Context) {
	if err := r.deps.fanout.PublishMetadata(ctx, r.id); err != nil {
		r.deps.log.Warn("fan-out: could not announce a metadata change; other instances keep the old name and language until they reload the room", "room", r.id, "err", err)
	}
}

// metadataChanged hears from the fan-out (any goroutine; it never waits)
// that another instance changed the room's metadata.
func (r *Room) metadataChanged() {
	if !r.tryDo(r.readMetadata) {
		go r.do(r.readMetadata)
	}
}

// readMetadata reads the room's metadata from the store and takes it, one
// read at a time: a change heard during a read makes one more read after
// it, so that the last read starts after the last change. It runs on the
// room's goroutine; the read runs beside it.
func (r *Room) readMetadata() {
	if r.metadata.reading {
		r.metadata.again = true
		return
	}
	r.metadata.reading, r.metadata.again = true, false
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), r.deps.cfg.CommitTimeout)
		defer cancel()
		info, err := r.deps.store.Room(ctx, r.id)
		r.do(func() {
			r.metadata.reading = false
			if err != nil {
				r.deps.log.Warn("read a room's changed metadata", "room", r.id, "err", err)
			} else if !r.closing {
				r.setMetadata(info, "")
			}
			if r.metadata.again {
				r.readMetadata()
			}
		})
	}()
}
