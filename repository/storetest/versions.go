package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tandem-editor/tandem/services"
)

func version(room services.RoomID, id, name string, rev, sec int) services.Version {
	return services.Version{ID: id, RoomID: room, Name: name, Revision: rev, UserID: "u-" + id, CreatedAt: at(sec)}
}

// requireVersions fails unless the room's versions, in SortVersions order,
// are want.
func requireVersions(t *testing.T, s services.Store, room services.RoomID, want []services.Version) {
	t.Helper()
	got, err := s.Versions(ctx(t), room)
	if err != nil {
		t.Fatalf("Versions(%s): %v", room, err)
	}
	services.SortVersions(got)
	if len(got) != len(want) {
		t.Fatalf("Versions(%s): %d versions, want %d: %+v", room, len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.CreatedAt.Equal(w.CreatedAt) {
			t.Fatalf("version %d created at %v, want %v", i, g.CreatedAt, w.CreatedAt)
		}
		g.CreatedAt = w.CreatedAt
		if g != w {
			t.Fatalf("version %d = %+v, want %+v", i, g, w)
		}
	}
}

func testVersions(t *testing.T, s services.Store) {
	a := newRoom(t, s, "r1")
	b := newRoom(t, s, "r2")
	append_(t, s, a.ID, insertOps(0, 3, "c1"))
	requireVersions(t, s, a.ID, nil)
	v1 := version(a.ID, "v1", "first", 0, 1)
	v2 := version(a.ID, "v2", "ünïcode ✓ 𝄞", 3, 2)
	v3 := version(a.ID, "v3", "same time", 2, 2)
	other := version(b.ID, "v1", "other room, same id", 0, 3)
	for _, v := range []services.Version{v1, v2, v3, other} {
		if err := s.CreateVersion(ctx(t), v); err != nil {
			t.Fatalf("CreateVersion(%+v): %v", v, err)
		}
	}
	// Newest first; at the same time, the higher revision first.
	requireVersions(t, s, a.ID, []services.Version{v2, v3, v1})
	requireVersions(t, s, b.ID, []services.Version{other})
	// Versions are named by edit id, as UpdateRoom's room is.
	requireVersions(t, s, a.ReadOnlyID, nil)

	got, err := s.RenameVersion(ctx(t), a.ID, "v1", "renamed")
	if err != nil {
		t.Fatalf("RenameVersion: %v", err)
	}
	v1.Name = "renamed"
	if !got.CreatedAt.Equal(v1.CreatedAt) || got.ID != "v1" || got.Name != "renamed" || got.Revision != 0 || got.RoomID != a.ID {
		t.Fatalf("RenameVersion = %+v, want %+v", got, v1)
	}
	if _, err := s.RenameVersion(ctx(t), a.ID, "v1", "renamed"); err != nil {
		t.Fatalf("RenameVersion to the same name: %v", err)
	}
	requireVersions(t, s, a.ID, []services.Version{v2, v3, v1})
	requireVersions(t, s, b.ID, []services.Version{other})
	if _, err := s.RenameVersion(ctx(t), a.ID, "nope", "x"); !errors.Is(err, services.ErrVersionNotFound) {
		t.Fatalf("RenameVersion(unknown id) = %v, want ErrVersionNotFound", err)
	}
	if _, err := s.RenameVersion(ctx(t), b.ID, "v2", "x"); !errors.Is(err, services.ErrVersionNotFound) {
		t.Fatalf("RenameVersion(another room's version) = %v, want ErrVersionNotFound", err)
	}
	if err := s.CreateVersion(ctx(t), version(roomID("nope"), "v9", "x", 0, 4)); !errors.Is(err, services.ErrRoomNotFound) {
		t.Fatalf("CreateVersion(unknown room) = %v, want ErrRoomNotFound", err)
	}
}

func testVersionsBounded(t *testing.T, s services.Store) {
	a := newRoom(t, s, "r1")
	want := make([]services.Version, services.MaxVersions)
	for i := range want {
		want[i] = version(a.ID, fmt.Sprintf("v%04d", i), "v", i%7, i/10)
		if err := s.CreateVersion(ctx(t), want[i]); err != nil {
			t.Fatalf("CreateVersion %d: %v", i, err)
		}
	}
	if err := s.CreateVersion(ctx(t), version(a.ID, "over", "v", 0, 0)); !errors.Is(err, services.ErrTooManyVersions) {
		t.Fatalf("CreateVersion beyond %d = %v, want ErrTooManyVersions", services.MaxVersions, err)
	}
	services.SortVersions(want)
	requireVersions(t, s, a.ID, want)
}
