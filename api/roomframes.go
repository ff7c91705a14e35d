package api

import (
	"sync"

	"github.com/tandem-editor/tandem/services"
)

// frames encodes each event of one room once for all its members. A room's
// goroutine delivers an event to every member before the next event, so
// the newest event is all the cache needs; the mutex is only ever taken by
// that goroutine, so it is never contended.
type frames struct {
	mu   sync.Mutex
	ev   *services.Event
	b    []byte
	refs int // connections of the room on this server (roomFrames' lock)
}

// encode returns the wire form of ev, made once for the room's members.
func (f *frames) encode(ev *services.Event) []byte {
	if f == nil {
		return encodeEvent(ev)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ev != ev {
		f.ev, f.b = ev, encodeEvent(ev)
	}
	return f.b
}

// roomFrames holds the frames of every room that has connections here.
type roomFrames struct {
	mu    sync.Mutex
	rooms map[*services.Room]*frames
}

// acquire returns room's frames for one more connection.
func (r *roomFrames) acquire(room *services.Room) *frames {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rooms == nil {
		r.rooms = map[*services.Room]*frames{}
	}
	f := r.rooms[room]
	if f == nil {
		f = &frames{}
		r.rooms[room] = f
	}
	f.refs++
	return f
}

// release gives back one connection's frames; the last one forgets them.
func (r *roomFrames) release(room *services.Room) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.rooms[room]; f != nil {
		if f.refs--; f.refs <= 0 {
			delete(r.rooms, room)
		}
	}
}
