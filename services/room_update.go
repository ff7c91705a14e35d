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
	name, language *string
	// languageBy is the client whose language won, named in the broadcast.
	languageBy string
	done       chan struct{}
	info       RoomInfo
	err        error
}

// Update changes the room's name and/or language, stores it, and tells every
// member (the sender included) of a new language. It returns the room as
// stored, which includes changes that arrived together with this one.
// Errors: CodeBadMessage, CodeUnavailable.
func (r *Room) Update(ctx context.Context, clientID string, name, language *string) (RoomInfo, error) {
	if err := validateRoomFields(name, language, nil); err != nil {
		return RoomInfo{}, err
	}
	u := r.updates.add(clientID, name, language, r.runUpdates)
	select {
	case <-u.done:
		return u.info, u.err
	case <-ctx.Done():
		return RoomInfo{}, wrap(CodeUnavailable, ctx.Err(), "the room's update did not finish in time")
	}
}

// add merges a change into the next write and returns that write; it starts
// a writer with it unless one is running.
func (q *roomUpdates) add(clientID string, name, language *string, start func(*roomUpdate)) *roomUpdate {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.next == nil {
		q.next = &roomUpdate{done: make(chan struct{})}
	}
	u := q.next
	if name != nil {
		v := *name
		u.name = &v
	}
	if language != nil {
		v := *language
		u.language, u.languageBy = &v, clientID
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
	if (u.name == nil || *u.name == cur.Name) && (u.language == nil || *u.language == cur.Language) {
		return cur, nil
	}
	info, err := r.deps.store.UpdateRoom(ctx, cur.ID, u.name, u.language)
	if err != nil {
		return RoomInfo{}, storeError(err)
	}
	err = r.call(ctx, func() {
		changed := info.Language != r.info.Language
		info.Revision = r.seq.Head()
		r.info.Name, r.info.Language, r.info.UpdatedAt = info.Name, info.Language, info.UpdatedAt
		if changed {
			r.broadcast(&Event{Type: EventLanguage, Language: info.Language, ClientID: u.languageBy}, "")
		}
	})
	return info, err
}
