// Package memory is an in-memory services.Store and services.HeadCache: for
// tests and for running without any database. Nothing survives the process.
// It is safe for concurrent use.
package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// Store keeps rooms, histories and snapshots in maps.
type Store struct {
	mu       sync.Mutex
	rooms    map[services.RoomID]*room
	readOnly map[services.RoomID]services.RoomID
	failing  error
}

type room struct {
	info services.RoomInfo
	// ops are the revisions after horizon, in order; kept the restores
	// compaction left (by revision, all at or before horizon).
	ops       []services.CommittedOp
	horizon   int
	kept      map[int]services.CommittedOp
	byOpID    map[string]int // op id -> revision
	snapshots []services.Snapshot
	versions  []services.Version
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{rooms: map[services.RoomID]*room{}, readOnly: map[services.RoomID]services.RoomID{}}
}

// Fail makes every call return err until Fail(nil): a database outage.
func (s *Store) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = err
}

// CreateRoom implements services.Store.
func (s *Store) CreateRoom(_ context.Context, info services.RoomInfo, content string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return s.failing
	}
	if _, taken := s.rooms[info.ID]; taken {
		return fmt.Errorf("create room %s: id taken", info.ID)
	}
	if _, taken := s.readOnly[info.ReadOnlyID]; taken {
		return fmt.Errorf("create room %s: read-only id taken", info.ID)
	}
	info.Revision = 0
	info.CreatedAt, info.UpdatedAt = services.Stamp(info.CreatedAt), services.Stamp(info.UpdatedAt)
	s.rooms[info.ID] = &room{info: info, snapshots: []services.Snapshot{{RoomID: info.ID, Content: content, CreatedAt: info.CreatedAt}}}
	s.readOnly[info.ReadOnlyID] = info.ID
	return nil
}

func (s *Store) room(id services.RoomID) (*room, error) {
	if s.failing != nil {
		return nil, s.failing
	}
	if edit, ok := s.readOnly[id]; ok {
		id = edit
	}
	r, ok := s.rooms[id]
	if !ok {
		return nil, services.ErrRoomNotFound
	}
	return r, nil
}

// withRoom calls f with the room id names, under the store's lock, and
// returns what f returns; or, without calling f, the error room returns.
func withRoom[T any](s *Store, id services.RoomID, f func(r *room) (T, error)) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.room(id)
	if err != nil {
		var zero T
		return zero, err
	}
	return f(r)
}

// Room implements services.Store.
func (s *Store) Room(_ context.Context, id services.RoomID) (services.RoomInfo, error) {
	return withRoom(s, id, func(r *room) (services.RoomInfo, error) {
		return r.info, nil
	})
}

// UpdateRoom implements services.Store.
func (s *Store) UpdateRoom(_ context.Context, id services.RoomID, patch services.RoomPatch) (services.RoomInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return services.RoomInfo{}, s.failing
	}
	r, ok := s.rooms[id] // by edit id only
	if !ok {
		return services.RoomInfo{}, services.ErrRoomNotFound
	}
	patch.Apply(&r.info, time.Now())
	return r.info, nil
}

// AppendOps implements services.Store.
func (s *Store) AppendOps(_ context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.room(roomID)
	if err != nil {
		return err
	}
	batch := make(map[string]bool, len(ops))
	for i, op := range ops {
		if op.Revision <= r.info.Revision {
			return services.ErrRevisionTaken
		}
		if op.Revision != r.info.Revision+i+1 {
			return services.Errorf(services.CodeInternal, "revision %d does not follow %d", op.Revision, r.info.Revision+i)
		}
		if op.OpID == "" {
			continue
		}
		if _, taken := r.byOpID[op.OpID]; taken || batch[op.OpID] {
			return services.ErrOpIDTaken
		}
		batch[op.OpID] = true
	}
	if r.byOpID == nil {
		r.byOpID = map[string]int{}
	}
	for _, op := range ops {
		if op.OpID != "" {
			r.byOpID[op.OpID] = op.Revision
		}
		op.CreatedAt = services.Stamp(op.CreatedAt)
		r.ops = append(r.ops, op)
	}
	r.info.Revision += len(ops)
	return nil
}

// Heads implements services.Store.
func (s *Store) Heads(_ context.Context, roomIDs []services.RoomID) (map[services.RoomID]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return nil, s.failing
	}
	heads := make(map[services.RoomID]int, len(roomIDs))
	for _, id := range roomIDs {
		if r, ok := s.rooms[id]; ok {
			heads[id] = r.info.Revision
		}
	}
	return heads, nil
}

// AppendBatches implements services.Store: each batch as AppendOps.
func (s *Store) AppendBatches(ctx context.Context, batches []services.Batch) []error {
	errs := make([]error, len(batches))
	for i, b := range batches {
		errs[i] = s.AppendOps(ctx, b.RoomID, b.Ops)
	}
	return errs
}

// Ops implements services.Store.
func (s *Store) Ops(_ context.Context, roomID services.RoomID, from, limit int) ([]services.CommittedOp, error) {
	return withRoom(s, roomID, func(r *room) ([]services.CommittedOp, error) {
		from = max(from-r.horizon, 0)
		if from >= len(r.ops) || limit <= 0 {
			return nil, nil
		}
		end := min(len(r.ops), from+limit)
		return append([]services.CommittedOp(nil), r.ops[from:end]...), nil
	})
}

// OpByID implements services.Store.
func (s *Store) OpByID(_ context.Context, roomID services.RoomID, opID string) (services.CommittedOp, error) {
	return withRoom(s, roomID, func(r *room) (services.CommittedOp, error) {
		if rev, ok := r.byOpID[opID]; ok && opID != "" {
			if rev <= r.horizon {
				return r.kept[rev], nil
			}
			return r.ops[rev-r.horizon-1], nil
		}
		return services.CommittedOp{}, services.ErrOpNotFound
	})
}

// Snapshot implements services.Store.
func (s *Store) Snapshot(_ context.Context, roomID services.RoomID, revision int) (services.Snapshot, error) {
	return withRoom(s, roomID, func(r *room) (services.Snapshot, error) {
		i := sort.Search(len(r.snapshots), func(i int) bool { return r.snapshots[i].Revision > revision })
		if i == 0 {
			return services.Snapshot{}, services.ErrSnapshotNotFound
		}
		return r.snapshots[i-1], nil
	})
}

// SaveSnapshot implements services.Store.
func (s *Store) SaveSnapshot(_ context.Context, snap services.Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.room(snap.RoomID)
	if err != nil {
		return err
	}
	r.addSnapshot(snap)
	return nil
}

// addSnapshot keeps snap in revision order, unless the room has one at its
// revision already.
func (r *room) addSnapshot(snap services.Snapshot) {
	i, found := r.snapshotAt(snap.Revision)
	if found {
		return
	}
	snap.CreatedAt = services.Stamp(snap.CreatedAt)
	r.snapshots = append(r.snapshots, services.Snapshot{})
	copy(r.snapshots[i+1:], r.snapshots[i:])
	r.snapshots[i] = snap
}

// CreateVersion implements services.Store.
func (s *Store) CreateVersion(_ context.Context, v services.Version) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.editRoom(v.RoomID)
	if err != nil {
		return err
	}
	if len(r.versions) >= services.MaxVersions {
		return services.ErrTooManyVersions
	}
	if v.Revision < r.horizon && !r.hasSnapshot(v.Revision) {
		return services.ErrRevisionCompacted
	}
	v.CreatedAt = services.Stamp(v.CreatedAt)
	r.versions = append(r.versions, v)
	return nil
}

// Versions implements services.Store.
func (s *Store) Versions(_ context.Context, roomID services.RoomID) ([]services.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return nil, s.failing
	}
	if r, ok := s.rooms[roomID]; ok { // by edit id only
		return append([]services.Version(nil), r.versions...), nil
	}
	return nil, nil
}

// RenameVersion implements services.Store.
func (s *Store) RenameVersion(_ context.Context, roomID services.RoomID, id, name string) (services.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return services.Version{}, s.failing
	}
	if r, ok := s.rooms[roomID]; ok { // by edit id only
		for i := range r.versions {
			if r.versions[i].ID == id {
				r.versions[i].Name = name
				return r.versions[i], nil
			}
		}
	}
	return services.Version{}, services.ErrVersionNotFound
}

// Ping implements services.Store.
func (s *Store) Ping(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failing
}

// editRoom is room by its edit id only, under the store's lock.
func (s *Store) editRoom(id services.RoomID) (*room, error) {
	if s.failing != nil {
		return nil, s.failing
	}
	r, ok := s.rooms[id]
	if !ok {
		return nil, services.ErrRoomNotFound
	}
	return r, nil
}

func (r *room) hasSnapshot(rev int) bool {
	_, found := r.snapshotAt(rev)
	return found
}

// snapshotAt is where the snapshot of revision rev is, or would go, in
// r.snapshots, and whether the room has it.
func (r *room) snapshotAt(rev int) (int, bool) {
	i := sort.Search(len(r.snapshots), func(i int) bool { return r.snapshots[i].Revision >= rev })
	return i, i < len(r.snapshots) && r.snapshots[i].Revision == rev
}

// Horizon implements services.Store.
func (s *Store) Horizon(_ context.Context, roomID services.RoomID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.editRoom(roomID)
	if err != nil {
		return 0, err
	}
	return r.horizon, nil
}

// CompactionCandidates implements services.Store.
func (s *Store) CompactionCandidates(_ context.Context, cutoff time.Time, limit int) ([]services.CompactionCandidate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return nil, s.failing
	}
	var out []services.CompactionCandidate
	for id, r := range s.rooms {
		if len(out) >= limit {
			break
		}
		upto := 0
		for _, op := range r.ops {
			if op.CreatedAt.Before(cutoff) {
				upto = op.Revision
			}
		}
		if upto > r.horizon {
			out = append(out, services.CompactionCandidate{RoomID: id, Horizon: r.horizon, Upto: upto})
		}
	}
	return out, nil
}

// Compact implements services.Store.
func (s *Store) Compact(_ context.Context, c services.Compaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.editRoom(c.RoomID)
	if err != nil {
		return err
	}
	if r.horizon != c.From || c.Horizon <= c.From || c.Horizon > r.info.Revision {
		return services.ErrCompactionConflict
	}
	given := map[int]bool{}
	for _, snap := range c.Snapshots {
		given[snap.Revision] = true
	}
	pinned := map[int]bool{}
	for _, v := range r.versions {
		pinned[v.Revision] = true
		if v.Revision > c.From && v.Revision < c.Horizon && !given[v.Revision] {
			return services.ErrCompactionConflict
		}
	}
	if !given[c.Horizon] {
		return services.ErrCompactionConflict
	}
	for _, snap := range c.Snapshots {
		r.addSnapshot(snap)
	}
	kept := r.snapshots[:0]
	for _, snap := range r.snapshots {
		if snap.Revision >= c.Horizon || pinned[snap.Revision] {
			kept = append(kept, snap)
		}
	}
	r.snapshots = kept
	n := c.Horizon - r.horizon
	for _, op := range r.ops[:n] {
		switch {
		case strings.HasPrefix(op.Digest, services.RestoreDigestPrefix):
			if r.kept == nil {
				r.kept = map[int]services.CommittedOp{}
			}
			r.kept[op.Revision] = op
		case op.OpID != "":
			delete(r.byOpID, op.OpID)
		}
	}
	r.ops = append([]services.CommittedOp(nil), r.ops[n:]...)
	r.horizon = c.Horizon
	return nil
}
