package services

import (
	"context"
	"slices"
	"strings"
)

// watchHeads repairs what the fan-out loses for good: a room whose last
// messages were dropped sees no gap until something else arrives. Every
// PollInterval it asks the store, in one query per headsChunk rooms, for the
// heads of the loaded rooms that have members, and has the rooms that are
// behind fill the gap (and announce themselves on the fan-out, see
// QuietFanOut). Nothing runs per room per interval: each room only
// publishes its head and whether anyone watches it (atomics, on its own
// goroutine), and a room is posted to only when it is behind.
func (rs *Rooms) watchHeads() {
	defer rs.wg.Done()
	for {
		select {
		case <-rs.stop:
			return
		case <-rs.deps.clock.After(rs.cfg.PollInterval):
		}
		rs.mu.Lock()
		watched := make(map[RoomID]*Room)
		for id, e := range rs.rooms {
			if e.room != nil && e.room.watched.Load() {
				watched[id] = e.room
			}
		}
		rs.mu.Unlock()
		ids := make([]RoomID, 0, len(watched))
		for id := range watched {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b RoomID) int { return strings.Compare(a.Reveal(), b.Reveal()) })
		for chunk := range slices.Chunk(ids, headsChunk) {
			ctx, cancel := context.WithTimeout(context.Background(), rs.cfg.PollInterval)
			heads, err := rs.deps.store.Heads(ctx, chunk)
			cancel()
			if err != nil {
				rs.deps.log.Warn("check room heads", "rooms", len(chunk), "err", err)
				continue
			}
			announcer, _ := rs.deps.fanout.(QuietFanOut)
			for id, head := range heads {
				if r := watched[id]; r != nil && int64(head) > r.head.Load() {
					if announcer != nil {
						// Behind: another instance may not be publishing
						// the room, thinking nobody else listens.
						announcer.Announce(id)
					}
					r.tryDo(func() {
						if r.settled() && !r.fetching && head > r.seq.Head() {
							r.fillGap()
						}
					})
				}
			}
		}
	}
}

// headsChunk bounds the rooms of one head query.
const headsChunk = 1000

// published tells the head watcher where the room is: its head, and
// whether it has members (on the room's goroutine, after every change).
func (r *Room) published() {
	r.head.Store(int64(r.seq.Head()))
	r.watched.Store(len(r.members) > 0)
}
