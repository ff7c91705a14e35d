package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// Run runs the suite; newStore returns a new, empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) services.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s services.Store)
	}{
		{"CreateAndFind", testCreateAndFind},
		{"CreateTaken", testCreateTaken},
		{"NotFound", testNotFound},
		{"UpdateRoom", testUpdateRoom},
		{"AppendContiguous", testAppendContiguous},
		{"AppendTakenRevision", testAppendTaken},
		{"AppendNotContiguous", testAppendNotContiguous},
		{"AppendConcurrent", testAppendConcurrent},
		{"OpsPaging", testOpsPaging},
		{"OpByID", testOpByID},
		{"OpIDsAreUnique", testOpIDsAreUnique},
		{"AppendBatchesMixed", testAppendBatchesMixed},
		{"AppendBatchesLarge", testAppendBatchesLarge},
		{"Heads", testHeads},
		{"Snapshots", testSnapshots},
		{"SaveSnapshotIdempotent", testSaveSnapshotIdempotent},
		{"RoundTrip", testRoundTrip},
		{"Timestamps", testTimestamps},
		{"RoomsAreSeparate", testRoomsAreSeparate},
		{"CaseMatters", testCaseMatters},
		{"Versions", testVersions},
		{"VersionsBounded", testVersionsBounded},
		{"Compact", testCompact},
		{"CompactNotFound", testCompactNotFound},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore(t)) })
	}
}

// at is a timestamp at the precision stores keep.
func at(sec int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(sec) * time.Second)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// roomID is the test room called id.
func roomID(id string) services.RoomID { return services.RoomIDOf(id) }

// newRoom creates a room with content "hello" and returns its info.
func newRoom(t *testing.T, s services.Store, id string) services.RoomInfo {
	t.Helper()
	info := services.RoomInfo{
		ID: roomID(id), ReadOnlyID: roomID("ro-" + id), Name: "Room " + id, Language: "go",
		CreatedAt: at(0), UpdatedAt: at(0),
	}
	if err := s.CreateRoom(ctx(t), info, "hello"); err != nil {
		t.Fatalf("CreateRoom(%s): %v", id, err)
	}
	return info
}

// insertOps returns n operations continuing from revision head, each
// inserting one letter into a document of length head+5 ("hello" plus one
// letter per revision).
func insertOps(head, n int, client string) []services.CommittedOp {
	ops := make([]services.CommittedOp, n)
	for i := range ops {
		rev := head + i + 1
		var op ot.Operation
		op.Retain(rev - 1 + 5).Insert(string(rune('a' + rev%26)))
		ops[i] = services.CommittedOp{
			Revision: rev, Op: op, ClientID: client,
			OpID: fmt.Sprintf("%s-%d", client, rev), BaseRevision: rev - 1,
			Digest: fmt.Sprintf("d%d", rev), CreatedAt: at(rev),
		}
	}
	return ops
}

func append_(t *testing.T, s services.Store, room services.RoomID, ops []services.CommittedOp) {
	t.Helper()
	if err := s.AppendOps(ctx(t), room, ops); err != nil {
		t.Fatalf("AppendOps(%s, revs %d..%d): %v", room, ops[0].Revision, ops[len(ops)-1].Revision, err)
	}
}

func allOps(t *testing.T, s services.Store, room services.RoomID) []services.CommittedOp {
	t.Helper()
	ops, err := s.Ops(ctx(t), room, 0, 1<<20)
	if err != nil {
		t.Fatalf("Ops(%s): %v", room, err)
	}
	return ops
}

func head(t *testing.T, s services.Store, room services.RoomID) int {
	t.Helper()
	info, err := s.Room(ctx(t), room)
	if err != nil {
		t.Fatalf("Room(%s): %v", room, err)
	}
	return info.Revision
}

// equalOp reports how got differs from want, or "".
func equalOp(got, want services.CommittedOp) string {
	switch {
	case got.Revision != want.Revision:
		return fmt.Sprintf("revision %d, want %d", got.Revision, want.Revision)
	case !got.Op.Equal(want.Op):
		return fmt.Sprintf("rev %d: op %v, want %v", want.Revision, got.Op, want.Op)
	case got.ClientID != want.ClientID, got.OpID != want.OpID, got.BaseRevision != want.BaseRevision, got.Digest != want.Digest:
		return fmt.Sprintf("rev %d: (client, op id, base, digest) = (%q, %q, %d, %q), want (%q, %q, %d, %q)", want.Revision,
			got.ClientID, got.OpID, got.BaseRevision, got.Digest, want.ClientID, want.OpID, want.BaseRevision, want.Digest)
	case !got.CreatedAt.Equal(want.CreatedAt):
		return fmt.Sprintf("rev %d: created at %v, want %v", want.Revision, got.CreatedAt, want.CreatedAt)
	}
	return ""
}

func requireOps(t *testing.T, got, want []services.CommittedOp) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d ops, want %d", len(got), len(want))
	}
	for i := range want {
		if d := equalOp(got[i], want[i]); d != "" {
			t.Fatalf("op %d: %s", i, d)
		}
	}
}

// requireHistory fails unless room's history is want, from revision 1 on,
// and its head the last of them.
func requireHistory(t *testing.T, s services.Store, room services.RoomID, want []services.CommittedOp) {
	t.Helper()
	if got := head(t, s, room); got != len(want) {
		t.Fatalf("head of %s = %d, want %d", room, got, len(want))
	}
	requireOps(t, allOps(t, s, room), want)
}

// requireRoom checks every field of got but UpdatedAt, a field added to
// RoomInfo included.
func requireRoom(t *testing.T, got, want services.RoomInfo) {
	t.Helper()
	g, w := got, want
	g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Fatalf("room created at %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	g.CreatedAt = w.CreatedAt
	if g != w {
		t.Fatalf("room = %+v, want %+v", got, want)
	}
}

func testCreateAndFind(t *testing.T, s services.Store) {
	want := newRoom(t, s, "r1")
	for _, id := range []services.RoomID{want.ID, want.ReadOnlyID} {
		t.Run(id.String(), func(t *testing.T) {
			got, err := s.Room(ctx(t), id)
			if err != nil {
				t.Fatalf("Room(%s): %v", id, err)
			}
			requireRoom(t, got, want)
			if !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, want.UpdatedAt)
			}
		})
	}
	snap, err := s.Snapshot(ctx(t), want.ID, 0)
	if err != nil {
		t.Fatalf("Snapshot(0): %v", err)
	}
	if snap.RoomID != want.ID || snap.Revision != 0 || snap.Content != "hello" {
		t.Errorf("Snapshot(0) = %+v, want room %s revision 0 content %q", snap, want.ID, "hello")
	}
}

func testNotFound(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	name := "x"
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"Room", func() error { _, err := s.Room(ctx(t), roomID("nope")); return err }, services.ErrRoomNotFound},
		{"UpdateRoom", func() error {
			_, err := s.UpdateRoom(ctx(t), roomID("nope"), services.RoomPatch{Name: &name})
			return err
		}, services.ErrRoomNotFound},
		{"AppendOps", func() error { return s.AppendOps(ctx(t), roomID("nope"), insertOps(0, 1, "c")) }, services.ErrRoomNotFound},
		{"OpByID", func() error { _, err := s.OpByID(ctx(t), roomID("r1"), "nope"); return err }, services.ErrOpNotFound},
		{"OpByID empty id", func() error { _, err := s.OpByID(ctx(t), roomID("r1"), ""); return err }, services.ErrOpNotFound},
		{"Snapshot before 0", func() error { _, err := s.Snapshot(ctx(t), roomID("r1"), -1); return err }, services.ErrSnapshotNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.call(); !errors.Is(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("OpByID unknown room", func(t *testing.T) {
		_, err := s.OpByID(ctx(t), roomID("nope"), "x")
		if !errors.Is(err, services.ErrOpNotFound) && !errors.Is(err, services.ErrRoomNotFound) {
			t.Fatalf("got %v, want ErrOpNotFound or ErrRoomNotFound", err)
		}
	})
	t.Run("Snapshot unknown room", func(t *testing.T) {
		_, err := s.Snapshot(ctx(t), roomID("nope"), 0)
		if !errors.Is(err, services.ErrSnapshotNotFound) && !errors.Is(err, services.ErrRoomNotFound) {
			t.Fatalf("got %v, want ErrSnapshotNotFound or ErrRoomNotFound", err)
		}
	})
	t.Run("SaveSnapshot unknown room", func(t *testing.T) {
		err := s.SaveSnapshot(ctx(t), services.Snapshot{RoomID: roomID("nope"), Revision: 1, Content: "x", CreatedAt: at(1)})
		if !errors.Is(err, services.ErrRoomNotFound) {
			t.Fatalf("got %v, want ErrRoomNotFound", err)
		}
	})
}

// testUpdateRoom holds every store to the rules of RoomPatch.Apply: fields
// set change, nil fields stay; a patch that changes nothing (no fields, or
// the values the room has) leaves UpdatedAt as it was; a change moves it
// forward, at the stores' precision (UTC, microseconds); a read-only id
// changes nothing and is ErrRoomNotFound.
func testUpdateRoom(t *testing.T, s services.Store) {
	want := newRoom(t, s, "r1")
	name, lang := "Renamed", "typescript"
	tests := []struct {
		name    string
		patch   services.RoomPatch
		changes bool
	}{
		{"name", services.RoomPatch{Name: &name}, true},
		{"language", services.RoomPatch{Language: &lang}, true},
		{"nothing", services.RoomPatch{}, false},
		{"same values", services.RoomPatch{Name: &name, Language: &lang}, false},
		{"both", services.RoomPatch{Name: new("Again"), Language: new("go")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := s.Room(ctx(t), want.ID)
			if err != nil {
				t.Fatalf("Room: %v", err)
			}
			tt.patch.Apply(&want, time.Now())
			got, err := s.UpdateRoom(ctx(t), want.ID, tt.patch)
			if err != nil {
				t.Fatalf("UpdateRoom: %v", err)
			}
			requireRoom(t, got, want)
			switch {
			case !tt.changes && !got.UpdatedAt.Equal(before.UpdatedAt):
				t.Errorf("a patch that changes nothing moved UpdatedAt from %v to %v", before.UpdatedAt, got.UpdatedAt)
			case tt.changes && got.UpdatedAt.Before(before.UpdatedAt):
				t.Errorf("UpdatedAt = %v, before %v", got.UpdatedAt, before.UpdatedAt)
			}
			if got.UpdatedAt.Location() != time.UTC || got.UpdatedAt.Nanosecond()%1000 != 0 {
				t.Errorf("UpdatedAt = %v, want UTC at microseconds", got.UpdatedAt)
			}
			stored, err := s.Room(ctx(t), want.ID)
			if err != nil {
				t.Fatalf("Room: %v", err)
			}
			requireRoom(t, stored, want)
			if !stored.UpdatedAt.Equal(got.UpdatedAt) {
				t.Errorf("UpdatedAt read back = %v, UpdateRoom said %v", stored.UpdatedAt, got.UpdatedAt)
			}
		})
	}
	t.Run("read-only id", func(t *testing.T) {
		before, err := s.Room(ctx(t), want.ID)
		if err != nil {
			t.Fatalf("Room: %v", err)
		}
		_, err = s.UpdateRoom(ctx(t), want.ReadOnlyID, services.RoomPatch{Name: new("through a read-only link")})
		if !errors.Is(err, services.ErrRoomNotFound) {
			t.Errorf("UpdateRoom(read-only id) = %v, want ErrRoomNotFound", err)
		}
		after, err := s.Room(ctx(t), want.ID)
		if err != nil {
			t.Fatalf("Room: %v", err)
		}
		if after != before {
			t.Errorf("UpdateRoom(read-only id) changed the room from %+v to %+v", before, after)
		}
	})
}

func testOpsPaging(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	all := insertOps(0, 25, "c1")
	append_(t, s, roomID("r1"), all)
	tests := []struct {
		from, limit int
		want        []services.CommittedOp
	}{
		{0, 10, all[:10]},
		{10, 10, all[10:20]},
		{20, 10, all[20:]},
		{24, 1, all[24:]},
		{25, 10, nil},
		{30, 10, nil},
		{5, 0, nil},
		{0, 1000, all},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("from=%d,limit=%d", tt.from, tt.limit), func(t *testing.T) {
			got, err := s.Ops(ctx(t), roomID("r1"), tt.from, tt.limit)
			if err != nil {
				t.Fatalf("Ops: %v", err)
			}
			requireOps(t, got, tt.want)
		})
	}
}

func testOpByID(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	newRoom(t, s, "r2")
	ops := insertOps(0, 4, "c1")
	ops[1].OpID = ""
	append_(t, s, roomID("r1"), ops)
	for _, want := range []services.CommittedOp{ops[0], ops[2], ops[3]} {
		got, err := s.OpByID(ctx(t), roomID("r1"), want.OpID)
		if err != nil {
			t.Fatalf("OpByID(%s): %v", want.OpID, err)
		}
		if d := equalOp(got, want); d != "" {
			t.Fatal(d)
		}
	}
	if _, err := s.OpByID(ctx(t), roomID("r2"), ops[0].OpID); !errors.Is(err, services.ErrOpNotFound) {
		t.Fatalf("OpByID in another room = %v, want ErrOpNotFound", err)
	}
}

func testSnapshots(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	append_(t, s, roomID("r1"), insertOps(0, 30, "c1"))
	for _, rev := range []int{20, 10} {
		snap := services.Snapshot{RoomID: roomID("r1"), Revision: rev, Content: fmt.Sprintf("content %d", rev), CreatedAt: at(rev)}
		if err := s.SaveSnapshot(ctx(t), snap); err != nil {
			t.Fatalf("SaveSnapshot(%d): %v", rev, err)
		}
	}
	tests := []struct{ at, want int }{{0, 0}, {5, 0}, {10, 10}, {15, 10}, {20, 20}, {29, 20}, {1000, 20}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.at), func(t *testing.T) {
			got, err := s.Snapshot(ctx(t), roomID("r1"), tt.at)
			if err != nil {
				t.Fatalf("Snapshot(%d): %v", tt.at, err)
			}
			wantContent := fmt.Sprintf("content %d", tt.want)
			if tt.want == 0 {
				wantContent = "hello"
			}
			if got.RoomID != roomID("r1") || got.Revision != tt.want || got.Content != wantContent {
				t.Fatalf("Snapshot(%d) = %+v, want revision %d content %q", tt.at, got, tt.want, wantContent)
			}
			if tt.want != 0 && !got.CreatedAt.Equal(at(tt.want)) {
				t.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, at(tt.want))
			}
		})
	}
}

func testSaveSnapshotIdempotent(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	append_(t, s, roomID("r1"), insertOps(0, 3, "c1"))
	first := services.Snapshot{RoomID: roomID("r1"), Revision: 3, Content: "first", CreatedAt: at(3)}
	for _, snap := range []services.Snapshot{first, first, {RoomID: roomID("r1"), Revision: 3, Content: "second", CreatedAt: at(4)}} {
		if err := s.SaveSnapshot(ctx(t), snap); err != nil {
			t.Fatalf("SaveSnapshot(%+v): %v", snap, err)
		}
	}
	got, err := s.Snapshot(ctx(t), roomID("r1"), 3)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if got.Content != "first" {
		t.Fatalf("content = %q, want the first saved %q", got.Content, "first")
	}
}

// testRoundTrip stores text that trips encodings: non-BMP characters,
// combining marks, escapes, JSON's special characters, U+0000.
func testRoundTrip(t *testing.T, s services.Store) {
	texts := []string{
		"😀", "𝄞 clef", "e\u0301", "👩‍👩‍👧", "\u2028\u2029", "\"quoted\" \\ back/slash",
		"tab\tnew\nline\r", "\x01\x1f", "中文 日本語 한국어", "\uFEFFbom", "\U0010FFFF", "nul \x00",
	}
	content := "snap 😀 𝄞 \u2028 中文 \"q\" \\ nul \x00 end"
	info := services.RoomInfo{ID: roomID("r😀"), ReadOnlyID: roomID("ro-𝄞"), Name: "Ünïcödé 😀", Language: "日本語", CreatedAt: at(0), UpdatedAt: at(1)}
	if err := s.CreateRoom(ctx(t), info, content); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	got, err := s.Room(ctx(t), info.ReadOnlyID)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	requireRoom(t, got, info)

	var want []services.CommittedOp
	length := len16(content)
	for i, text := range texts {
		var op ot.Operation
		op.Retain(length).Insert(text)
		if i%2 == 1 {
			op = ot.Operation{}
			op.Insert(text).Retain(length)
		}
		// Identifiers are text columns, which cannot hold U+0000 in
		// PostgreSQL; inserted text can, inside the operation's JSON.
		meta := strings.ReplaceAll(text, "\x00", "0")
		want = append(want, services.CommittedOp{
			Revision: i + 1, Op: op, ClientID: "client-" + meta, OpID: "op-" + meta,
			BaseRevision: i, Digest: "sha256:" + meta, CreatedAt: at(i),
		})
		length += len16(text)
	}
	append_(t, s, info.ID, want)
	requireOps(t, allOps(t, s, info.ID), want)
	for _, w := range want {
		op, err := s.OpByID(ctx(t), info.ID, w.OpID)
		if err != nil {
			t.Fatalf("OpByID(%q): %v", w.OpID, err)
		}
		if d := equalOp(op, w); d != "" {
			t.Fatal(d)
		}
	}
	snap, err := s.Snapshot(ctx(t), info.ID, 0)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if snap.Content != content {
		t.Fatalf("snapshot content = %q, want %q", snap.Content, content)
	}
	if !snap.CreatedAt.Equal(info.CreatedAt) {
		t.Fatalf("snapshot CreatedAt = %v, want the room's %v", snap.CreatedAt, info.CreatedAt)
	}
}

// testTimestamps gives the store times with nanoseconds, in another zone:
// every read returns them as the same instants truncated to the microsecond
// (PostgreSQL's precision), in UTC, so that a time reads back the same from
// every store and before and after a reload.
func testTimestamps(t *testing.T, s services.Store) {
	given := time.Date(2025, 3, 14, 16, 9, 26, 535897932, time.FixedZone("CET", 3600))
	stored := func(d time.Duration) time.Time { return given.Add(d).UTC().Truncate(time.Microsecond) }
	requireTime := func(what string, got, want time.Time) {
		t.Helper()
		if !got.Equal(want) || got.Location() != time.UTC || got.Nanosecond()%1000 != 0 {
			t.Fatalf("%s = %v, want %v (microseconds, UTC)", what, got, want)
		}
	}
	info := services.RoomInfo{ID: roomID("r1"), ReadOnlyID: roomID("ro-r1"), Name: "n", Language: "go", CreatedAt: given, UpdatedAt: given.Add(time.Second)}
	if err := s.CreateRoom(ctx(t), info, "hello"); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	got, err := s.Room(ctx(t), roomID("r1"))
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	requireTime("CreatedAt", got.CreatedAt, stored(0))
	requireTime("UpdatedAt", got.UpdatedAt, stored(time.Second))

	lang := "rust"
	updated, err := s.UpdateRoom(ctx(t), roomID("r1"), services.RoomPatch{Language: &lang})
	if err != nil {
		t.Fatalf("UpdateRoom: %v", err)
	}
	requireTime("CreatedAt after UpdateRoom", updated.CreatedAt, stored(0))
	requireTime("UpdatedAt from UpdateRoom", updated.UpdatedAt, updated.UpdatedAt)
	again, err := s.Room(ctx(t), roomID("r1"))
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	requireTime("CreatedAt read after UpdateRoom", again.CreatedAt, stored(0))
	requireTime("UpdatedAt read after UpdateRoom", again.UpdatedAt, updated.UpdatedAt)

	ops := insertOps(0, 2, "c")
	ops[0].CreatedAt, ops[1].CreatedAt = given.Add(2*time.Second), given.Add(3*time.Second)
	append_(t, s, roomID("r1"), ops)
	for i, op := range allOps(t, s, roomID("r1")) {
		requireTime(fmt.Sprintf("revision %d CreatedAt", op.Revision), op.CreatedAt, stored(time.Duration(2+i)*time.Second))
	}
	byID, err := s.OpByID(ctx(t), roomID("r1"), ops[1].OpID)
	if err != nil {
		t.Fatalf("OpByID: %v", err)
	}
	requireTime("OpByID CreatedAt", byID.CreatedAt, stored(3*time.Second))

	if err := s.SaveSnapshot(ctx(t), services.Snapshot{RoomID: roomID("r1"), Revision: 2, Content: "hello", CreatedAt: given.Add(4 * time.Second)}); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	for rev, want := range []time.Time{stored(0), stored(0), stored(4 * time.Second)} {
		snap, err := s.Snapshot(ctx(t), roomID("r1"), rev)
		if err != nil {
			t.Fatalf("Snapshot(%d): %v", rev, err)
		}
		requireTime(fmt.Sprintf("snapshot %d CreatedAt", snap.Revision), snap.CreatedAt, want)
	}
}

// len16 is the length of s in UTF-16 code units, ot's unit.
func len16(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func testRoomsAreSeparate(t *testing.T, s services.Store) {
	newRoom(t, s, "r1")
	newRoom(t, s, "r2")
	a, b := insertOps(0, 3, "a"), insertOps(0, 2, "b")
	append_(t, s, roomID("r1"), a)
	append_(t, s, roomID("r2"), b)
	requireOps(t, allOps(t, s, roomID("r1")), a)
	requireOps(t, allOps(t, s, roomID("r2")), b)
	if got := head(t, s, roomID("r2")); got != 2 {
		t.Fatalf("head of r2 = %d, want 2", got)
	}
}

func testPing(t *testing.T, s services.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testCreateTaken(t *testing.T, s services.Store) {
	want := newRoom(t, s, "r1")
	newRoom(t, s, "r2")
	tests := []struct {
		name string
		info services.RoomInfo
	}{
		{"id", services.RoomInfo{ID: roomID("r1"), ReadOnlyID: roomID("other"), Name: "dup", CreatedAt: at(5), UpdatedAt: at(5)}},
		{"read-only id", services.RoomInfo{ID: roomID("r3"), ReadOnlyID: roomID("ro-r2"), Name: "dup", CreatedAt: at(5), UpdatedAt: at(5)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CreateRoom(ctx(t), tt.info, "dup"); err == nil {
				t.Fatal("CreateRoom succeeded, want an error")
			}
			got, err := s.Room(ctx(t), roomID("r1"))
			if err != nil {
				t.Fatalf("Room: %v", err)
			}
			requireRoom(t, got, want)
			if _, err := s.Room(ctx(t), roomID("r3")); !errors.Is(err, services.ErrRoomNotFound) {
				t.Fatalf("Room(r3) = %v, want ErrRoomNotFound", err)
			}
		})
	}
}

// testCaseMatters: ids that differ only in case name different rooms and
// different operations, whatever the database's collation.
func testCaseMatters(t *testing.T, s services.Store) {
	lower, upper := newRoom(t, s, "room-a"), newRoom(t, s, "ROOM-A")
	ops := insertOps(0, 2, "c")
	ops[0].OpID, ops[1].OpID = "x", "X"
	append_(t, s, lower.ID, ops)
	for _, want := range []services.CommittedOp{ops[0], ops[1]} {
		got, err := s.OpByID(ctx(t), lower.ID, want.OpID)
		if err != nil || got.Revision != want.Revision {
			t.Errorf("OpByID(%q) = revision %d, %v; want %d", want.OpID, got.Revision, err, want.Revision)
		}
	}
	got, err := s.Room(ctx(t), upper.ID)
	if err != nil {
		t.Fatalf("Room(%s): %v", upper.ID, err)
	}
	requireRoom(t, got, upper)
	heads, err := s.Heads(ctx(t), []services.RoomID{lower.ID, upper.ID})
	if err != nil || heads[lower.ID] != 2 || heads[upper.ID] != 0 {
		t.Errorf("Heads = %v, %v; want %s at 2 and %s at 0", heads, err, lower.ID, upper.ID)
	}
}
