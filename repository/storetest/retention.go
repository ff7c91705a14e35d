package storetest

import (
	"errors"
	"testing"

	"github.com/tandem-editor/tandem/services"
)

func snapshotAt(room services.RoomID, rev int) services.Snapshot {
	return services.Snapshot{RoomID: room, Revision: rev, Content: "content@" + string(rune('a'+rev)), CreatedAt: at(100 + rev)}
}

func requireHorizon(t *testing.T, s services.Store, room services.RoomID, want int) {
	t.Helper()
	if got, err := s.Horizon(ctx(t), room); err != nil || got != want {
		t.Fatalf("Horizon(%s) = %d, %v; want %d", room, got, err, want)
	}
}

func requireSnapshot(t *testing.T, s services.Store, room services.RoomID, rev, want int) {
	t.Helper()
	snap, err := s.Snapshot(ctx(t), room, rev)
	if want < 0 {
		if !errors.Is(err, services.ErrSnapshotNotFound) {
			t.Fatalf("Snapshot(%s, %d) = rev %d, %v; want ErrSnapshotNotFound", room, rev, snap.Revision, err)
		}
		return
	}
	if err != nil || snap.Revision != want {
		t.Fatalf("Snapshot(%s, %d) = rev %d, %v; want rev %d", room, rev, snap.Revision, err, want)
	}
	if want > 0 && snap.Content != snapshotAt(room, want).Content {
		t.Fatalf("Snapshot(%s, %d) content %q, want %q", room, rev, snap.Content, snapshotAt(room, want).Content)
	}
}

// testCompact: the operations up to the horizon go but a restore's, the
// snapshots at the horizon and at a pinned version stay, and the rest of
// the history reads as before.
func testCompact(t *testing.T, s services.Store) {
	a := newRoom(t, s, "r1").ID
	b := newRoom(t, s, "r2").ID
	ops := insertOps(0, 10, "c")
	ops[2].Digest, ops[2].OpID, ops[2].BaseRevision = services.RestoreDigestPrefix+"1", "restore-id", 0
	append_(t, s, a, ops)
	late := insertOps(0, 3, "c")
	for i := range late {
		late[i].CreatedAt = at(50 + i)
	}
	append_(t, s, b, late)
	requireHorizon(t, s, a, 0)
	if err := s.CreateVersion(ctx(t), version(a, "v4", "four", 4, 1)); err != nil {
		t.Fatal(err)
	}

	got, err := s.CompactionCandidates(ctx(t), at(8), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != (services.CompactionCandidate{RoomID: a, Horizon: 0, Upto: 7}) {
		t.Fatalf("CompactionCandidates(before revision 8's time) = %+v, want r1 from 0 up to 7", got)
	}

	// The version at 4 needs its snapshot: without it, nothing is written.
	comp := services.Compaction{RoomID: a, From: 0, Horizon: 7, Snapshots: []services.Snapshot{snapshotAt(a, 7)}}
	if err := s.Compact(ctx(t), comp); !errors.Is(err, services.ErrCompactionConflict) {
		t.Fatalf("Compact without the pinned snapshot: %v, want ErrCompactionConflict", err)
	}
	requireHorizon(t, s, a, 0)
	requireHistory(t, s, a, ops)
	// Nor past the head.
	over := services.Compaction{RoomID: a, From: 0, Horizon: 11, Snapshots: []services.Snapshot{snapshotAt(a, 11)}}
	if err := s.Compact(ctx(t), over); !errors.Is(err, services.ErrCompactionConflict) {
		t.Fatalf("Compact past the head: %v, want ErrCompactionConflict", err)
	}

	comp.Snapshots = []services.Snapshot{snapshotAt(a, 4), snapshotAt(a, 7)}
	if err := s.Compact(ctx(t), comp); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	requireHorizon(t, s, a, 7)
	requireHorizon(t, s, b, 0)
	if h := head(t, s, a); h != 10 {
		t.Fatalf("head %d after compaction, want 10", h)
	}
	// Ops skips everything up to the horizon, the kept restore too.
	requireOps(t, allOps(t, s, a), ops[7:])
	if page, err := s.Ops(ctx(t), a, 2, 2); err != nil || len(page) != 2 || page[0].Revision != 8 {
		t.Fatalf("Ops(from 2) = %+v, %v; want revisions 8, 9", page, err)
	}
	requireOps(t, allOps(t, s, b), late)
	// The restore is found by its id, whole; a compacted id is not.
	if op, err := s.OpByID(ctx(t), a, "restore-id"); err != nil || equalOp(op, ops[2]) != "" {
		t.Fatalf("OpByID(restore) = %+v, %v; want revision 3 as committed", op, err)
	}
	if _, err := s.OpByID(ctx(t), a, ops[1].OpID); !errors.Is(err, services.ErrOpNotFound) {
		t.Fatalf("OpByID(compacted) = %v, want ErrOpNotFound", err)
	}
	if op, err := s.OpByID(ctx(t), a, ops[8].OpID); err != nil || equalOp(op, ops[8]) != "" {
		t.Fatalf("OpByID(after the horizon) = %+v, %v", op, err)
	}
	// Snapshots: the horizon's and the pinned one's; revision 0's is gone.
	requireSnapshot(t, s, a, 10, 7)
	requireSnapshot(t, s, a, 7, 7)
	requireSnapshot(t, s, a, 6, 4)
	requireSnapshot(t, s, a, 4, 4)
	requireSnapshot(t, s, a, 3, -1)
	requireSnapshot(t, s, b, 0, 0)

	// Done: no candidate, and the same compaction again conflicts.
	if got, err := s.CompactionCandidates(ctx(t), at(8), 10); err != nil || len(got) != 0 {
		t.Fatalf("CompactionCandidates after compaction = %+v, %v; want none", got, err)
	}
	if err := s.Compact(ctx(t), comp); !errors.Is(err, services.ErrCompactionConflict) {
		t.Fatalf("Compact again: %v, want ErrCompactionConflict", err)
	}
	// A version before the horizon needs a snapshot there.
	if err := s.CreateVersion(ctx(t), version(a, "v5", "five", 5, 2)); !errors.Is(err, services.ErrRevisionCompacted) {
		t.Fatalf("CreateVersion(5 < horizon) = %v, want ErrRevisionCompacted", err)
	}
	for i, rev := range []int{4, 7} {
		if err := s.CreateVersion(ctx(t), version(a, "w"+string(rune('0'+i)), "ok", rev, 3)); err != nil {
			t.Fatalf("CreateVersion(%d, has a snapshot): %v", rev, err)
		}
	}
	// The history goes on, and compacts on from the horizon.
	more := insertOps(10, 2, "c")
	append_(t, s, a, more)
	next := services.Compaction{RoomID: a, From: 7, Horizon: 9, Snapshots: []services.Snapshot{snapshotAt(a, 9)}}
	if err := s.Compact(ctx(t), next); err != nil {
		t.Fatalf("Compact 7..9: %v", err)
	}
	requireOps(t, allOps(t, s, a), append(ops[9:], more...))
	requireSnapshot(t, s, a, 8, 7)
	requireSnapshot(t, s, a, 5, 4)
	if got, err := s.CompactionCandidates(ctx(t), at(100), 1); err != nil || len(got) != 1 {
		t.Fatalf("CompactionCandidates(limit 1) = %+v, %v; want one room", got, err)
	}
}

func testCompactNotFound(t *testing.T, s services.Store) {
	missing := roomID("missing")
	if _, err := s.Horizon(ctx(t), missing); !errors.Is(err, services.ErrRoomNotFound) {
		t.Fatalf("Horizon(unknown room) = %v, want ErrRoomNotFound", err)
	}
	c := services.Compaction{RoomID: missing, From: 0, Horizon: 1, Snapshots: []services.Snapshot{snapshotAt(missing, 1)}}
	if err := s.Compact(ctx(t), c); !errors.Is(err, services.ErrRoomNotFound) {
		t.Fatalf("Compact(unknown room) = %v, want ErrRoomNotFound", err)
	}
	// The read-only id names no room to compact.
	info := newRoom(t, s, "r1")
	append_(t, s, info.ID, insertOps(0, 2, "c"))
	if _, err := s.Horizon(ctx(t), info.ReadOnlyID); !errors.Is(err, services.ErrRoomNotFound) {
		t.Fatalf("Horizon(read-only id) = %v, want ErrRoomNotFound", err)
	}
}
