package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tandem-editor/tandem/services"
)

// The conformance cases of committing: appending to a room's history, one
// room or several at once, and reading the heads back.

func testAppendContiguous(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	want := insertOps(0, 5, "c1")
	append_(t, s, roomID("r1"), want[:3])
	append_(t, s, roomID("r1"), want[3:4])
	append_(t, s, roomID("r1"), want[4:])
	if err := s.AppendOps(ctx(t), roomID("r1"), nil); err != nil {
		t.Fatalf("AppendOps(nil): %v", err)
	}
	requireHistory(t, s, roomID("r1"), want)
}

func testAppendTaken(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	want := insertOps(0, 3, "c1")
	append_(t, s, roomID("r1"), want)
	tests := []struct {
		name  string
		batch []services.CommittedOp
	}{
		{"last revision", insertOps(2, 1, "c2")},
		{"batch overlapping the head", insertOps(2, 3, "c2")},
		{"revision 1", insertOps(0, 2, "c2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AppendOps(ctx(t), roomID("r1"), tt.batch)
			if !errors.Is(err, services.ErrRevisionTaken) {
				t.Fatalf("AppendOps = %v, want ErrRevisionTaken", err)
			}
			requireHistory(t, s, roomID("r1"), want)
		})
	}
	next := insertOps(3, 1, "c3")
	append_(t, s, roomID("r1"), next)
	requireOps(t, allOps(t, s, roomID("r1")), append(want, next...))
}

func testAppendNotContiguous(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	want := insertOps(0, 2, "c1")
	append_(t, s, roomID("r1"), want)
	gapInBatch := insertOps(2, 3, "c2")
	gapInBatch = append(gapInBatch[:1], gapInBatch[2])
	tests := []struct {
		name  string
		batch []services.CommittedOp
	}{
		{"gap after head", insertOps(3, 1, "c2")},
		{"gap inside batch", gapInBatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AppendOps(ctx(t), roomID("r1"), tt.batch)
			if err == nil || errors.Is(err, services.ErrRevisionTaken) {
				t.Fatalf("AppendOps = %v, want an error other than ErrRevisionTaken", err)
			}
			requireHistory(t, s, roomID("r1"), want)
		})
	}
}

// testAppendConcurrent races writers for the same revisions: each reads the
// head and appends a batch after it, retrying on ErrRevisionTaken. Exactly
// one batch must win each revision, and whole batches win or lose.
func testAppendConcurrent(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	const writers, target = 6, 120
	var (
		mu  sync.Mutex
		won = map[int]services.CommittedOp{}
		wg  sync.WaitGroup
	)
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := fmt.Sprintf("w%d", w)
			for attempt := 0; ; attempt++ {
				info, err := s.Room(ctx(t), roomID("r1"))
				if err != nil {
					errs <- err
					return
				}
				if info.Revision >= target {
					return
				}
				batch := insertOps(info.Revision, 1+(w+attempt)%4, fmt.Sprintf("%s-a%d", client, attempt))
				err = s.AppendOps(ctx(t), roomID("r1"), batch)
				switch {
				case errors.Is(err, services.ErrRevisionTaken):
					continue
				case err != nil:
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				mu.Lock()
				for _, op := range batch {
					if prev, ok := won[op.Revision]; ok {
						errs <- fmt.Errorf("revision %d won by %s and %s", op.Revision, prev.ClientID, op.ClientID)
					}
					won[op.Revision] = op
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	got := allOps(t, s, roomID("r1"))
	h := head(t, s, roomID("r1"))
	if len(got) != h || len(won) != h || h < target {
		t.Fatalf("head %d, %d ops stored, %d won; want equal and >= %d", h, len(got), len(won), target)
	}
	for i, op := range got {
		if op.Revision != i+1 {
			t.Fatalf("op %d has revision %d: history not contiguous", i, op.Revision)
		}
		if d := equalOp(op, won[op.Revision]); d != "" {
			t.Fatalf("stored op differs from the winner: %s", d)
		}
	}
}

// An operation id names one operation of a room at any age: appending
// another operation with a used id writes nothing, whether the id is in the
// history or twice in the batch. Empty ids repeat freely, and rooms do not
// share ids.
func testOpIDsAreUnique(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	newRoom(t, s, "r2")
	want := insertOps(0, 3, "c1")
	append_(t, s, roomID("r1"), want)
	reused := insertOps(3, 2, "c2")
	reused[1].OpID = want[0].OpID
	twice := insertOps(3, 2, "c2")
	twice[1].OpID = twice[0].OpID
	for name, batch := range map[string][]services.CommittedOp{"id in the history": reused, "id twice in the batch": twice} {
		t.Run(name, func(t *testing.T) {
			if err := s.AppendOps(ctx(t), roomID("r1"), batch); !errors.Is(err, services.ErrOpIDTaken) {
				t.Fatalf("AppendOps = %v, want ErrOpIDTaken", err)
			}
			requireHistory(t, s, roomID("r1"), want)
		})
	}
	anonymous := insertOps(3, 2, "c3")
	anonymous[0].OpID, anonymous[1].OpID = "", ""
	append_(t, s, roomID("r1"), anonymous)
	append_(t, s, roomID("r2"), insertOps(0, 1, "c1")) // c1-1, as in r1
	got, err := s.OpByID(ctx(t), roomID("r1"), want[0].OpID)
	if err != nil || got.Revision != 1 {
		t.Fatalf("OpByID(%s) = revision %d, %v; want 1", want[0].OpID, got.Revision, err)
	}
}

// One group commit over several rooms: the rooms that continue their heads
// commit; a room whose head moved (lost race), one with a reused op id and
// an unknown room each get their own error and write nothing, and take
// nothing from the others.
func testAppendBatchesMixed(t *testing.T, s services.Store) {
	for _, id := range []string{"win1", "win2", "lost", "reused"} {
		newRoom(t, s, id)
	}
	append_(t, s, roomID("lost"), insertOps(0, 2, "other"))
	append_(t, s, roomID("reused"), insertOps(0, 1, "c"))
	win1, win2 := insertOps(0, 3, "a"), insertOps(0, 1, "b")
	reused := insertOps(1, 2, "d")
	reused[1].OpID = "c-1"
	errs := s.AppendBatches(ctx(t), []services.Batch{
		{RoomID: roomID("win1"), Ops: win1},
		{RoomID: roomID("lost"), Ops: insertOps(1, 2, "late")},
		{RoomID: roomID("reused"), Ops: reused},
		{RoomID: roomID("nope"), Ops: insertOps(0, 1, "x")},
		{RoomID: roomID("win2"), Ops: win2},
	})
	if len(errs) != 5 {
		t.Fatalf("AppendBatches returned %d errors for 5 batches", len(errs))
	}
	for i, want := range []error{nil, services.ErrRevisionTaken, services.ErrOpIDTaken, services.ErrRoomNotFound, nil} {
		if want == nil && errs[i] != nil || want != nil && !errors.Is(errs[i], want) {
			t.Errorf("batch %d: error %v, want %v", i, errs[i], want)
		}
	}
	requireOps(t, allOps(t, s, roomID("win1")), win1)
	requireOps(t, allOps(t, s, roomID("win2")), win2)
	requireOps(t, allOps(t, s, roomID("lost")), insertOps(0, 2, "other"))
	requireOps(t, allOps(t, s, roomID("reused")), insertOps(0, 1, "c"))
	// And a clean one: every room commits.
	more1, more2 := insertOps(3, 2, "a"), insertOps(1, 1, "b")
	for i, err := range s.AppendBatches(ctx(t), []services.Batch{{RoomID: roomID("win1"), Ops: more1}, {RoomID: roomID("win2"), Ops: more2}}) {
		if err != nil {
			t.Errorf("clean batch %d: %v", i, err)
		}
	}
	requireOps(t, allOps(t, s, roomID("win1")), append(win1, more1...))
	requireOps(t, allOps(t, s, roomID("win2")), append(win2, more2...))
	for id, want := range map[string]int{"win1": 5, "win2": 2, "lost": 2, "reused": 1} {
		if got := head(t, s, roomID(id)); got != want {
			t.Errorf("head of %s = %d, want %d", id, got, want)
		}
	}
}

// A group commit of many rows (stores may take another path for it): the
// rooms that continue their heads commit, the one that lost its race fails
// alone.
func testAppendBatchesLarge(t *testing.T, s services.Store) {
	for _, id := range []string{"a", "b", "lost"} {
		newRoom(t, s, id)
	}
	append_(t, s, roomID("lost"), insertOps(0, 1, "other"))
	a, b := insertOps(0, 60, "a"), insertOps(0, 70, "b")
	errs := s.AppendBatches(ctx(t), []services.Batch{
		{RoomID: roomID("a"), Ops: a},
		{RoomID: roomID("lost"), Ops: insertOps(0, 50, "late")},
		{RoomID: roomID("b"), Ops: b},
	})
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], services.ErrRevisionTaken) {
		t.Fatalf("AppendBatches = %v, want nil, ErrRevisionTaken, nil", errs)
	}
	requireOps(t, allOps(t, s, roomID("a")), a)
	requireOps(t, allOps(t, s, roomID("b")), b)
	requireOps(t, allOps(t, s, roomID("lost")), insertOps(0, 1, "other"))
}

// Heads reads many rooms' heads at once; unknown rooms are left out.
func testHeads(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	newRoom(t, s, "r2")
	append_(t, s, roomID("r1"), insertOps(0, 3, "c"))
	got, err := s.Heads(ctx(t), []services.RoomID{roomID("r1"), roomID("r2"), roomID("nope")})
	if err != nil {
		t.Fatalf("Heads: %v", err)
	}
	if len(got) != 2 || got[roomID("r1")] != 3 || got[roomID("r2")] != 0 {
		t.Errorf("Heads = %v, want r1:3 r2:0", got)
	}
	if got, err := s.Heads(ctx(t), nil); err != nil || len(got) != 0 {
		t.Errorf("Heads(nil) = %v, %v; want none", got, err)
	}
}
