package services_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// twoInstances returns two room services over one store and one fan-out,
// as two server processes on one database and one Redis.
func twoInstances(t *testing.T, opts memory.FanOutOptions) (*memory.Store, [2]*services.Rooms) {
	store := newStore()
	hub := memory.NewFanOutHub(opts)
	var rooms [2]*services.Rooms
	for i := range rooms {
		rs := services.NewRooms(store, nil, testConfig(), multiLog(t, i), nil).WithFanOut(hub.Endpoint())
		rooms[i] = rs
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rs.Close(ctx)
		})
	}
	return store, rooms
}

// A rename and a language change on one instance reach the other, which
// has the room loaded: its State answers them and its members hear of the
// language.
func TestMetadataReachesEveryInstance(t *testing.T) {
	_, rooms := twoInstances(t, memory.FanOutOptions{})
	info, err := rooms[0].Create(ctxT(t), services.RoomCreate{RoomPatch: services.RoomPatch{Name: new("before"), Language: new("go")}, Content: "x"})
	if err != nil {
		t.Fatal(err)
	}
	handles := openOnBoth(t, rooms, info.ID)
	watcher := join(t, handles[1], &fakeMember{name: "watcher on the other instance"})

	changed, err := handles[0].Update(ctxT(t), "c1", services.RoomPatch{Name: new("after"), Language: new("rust")})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	waitFor(t, "the other instance to serve the new name and language", func() bool {
		got, _, err := handles[1].State(ctxT(t))
		return err == nil && got.Name == "after" && got.Language == "rust" && got.UpdatedAt.Equal(changed.UpdatedAt)
	}, 5*time.Second)
	waitFor(t, "the other instance's member to hear of the language", func() bool {
		evs := watcher.ofType(services.EventLanguage)
		return len(evs) == 1 && evs[0].Language == "rust"
	}, 5*time.Second)
}

// Changes in quick succession, some of their messages lost or doubled or
// late, while both instances change the room: once the last message
// arrives, both instances answer what the store holds.
func TestMetadataConvergesAcrossInstances(t *testing.T) {
	store, rooms := twoInstances(t, memory.FanOutOptions{Duplicate: 0.3, MaxDelay: 2 * time.Millisecond, Seed: 7})
	info, err := rooms[0].Create(ctxT(t), services.RoomCreate{Content: "x"})
	if err != nil {
		t.Fatal(err)
	}
	handles := openOnBoth(t, rooms, info.ID)
	for i := range 20 {
		if _, err := handles[i%2].Update(ctxT(t), "c", services.RoomPatch{Name: new(fmt.Sprint("name ", i)), Language: new(fmt.Sprint("l", i%3))}); err != nil {
			t.Fatalf("Update %d: %v", i, err)
		}
	}
	want, err := store.Room(ctxT(t), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range handles {
		waitFor(t, fmt.Sprintf("instance %d to answer the stored metadata", i), func() bool {
			got, _, err := h.State(ctxT(t))
			return err == nil && got.Name == want.Name && got.Language == want.Language && got.UpdatedAt.Equal(want.UpdatedAt)
		}, 5*time.Second)
	}
}

// Every field of RoomPatch is applied to the RoomInfo field of its name
// and merged: a field added to the patch but not to Apply fails here.
func TestRoomPatchCoversEveryField(t *testing.T) {
	typ := reflect.TypeFor[services.RoomPatch]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			var patch services.RoomPatch
			v := reflect.New(f.Type.Elem())
			v.Elem().SetString("value of " + f.Name)
			reflect.ValueOf(&patch).Elem().Field(i).Set(v)
			var info services.RoomInfo
			now := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.UTC)
			if !patch.Apply(&info, now) {
				t.Fatalf("Apply of %s changed nothing", f.Name)
			}
			if got := reflect.ValueOf(info).FieldByName(f.Name); !got.IsValid() || got.String() != "value of "+f.Name {
				t.Errorf("Apply of %s left RoomInfo.%s = %v", f.Name, f.Name, got)
			}
			if want := services.Stamp(now); !info.UpdatedAt.Equal(want) {
				t.Errorf("UpdatedAt = %v, want %v", info.UpdatedAt, want)
			}
			if patch.Apply(&info, now.Add(time.Hour)) {
				t.Errorf("a second Apply of %s changed something", f.Name)
			}
			var merged services.RoomInfo
			services.MergePatches(services.RoomPatch{}, patch).Apply(&merged, now)
			if reflect.ValueOf(merged).FieldByName(f.Name).String() != "value of "+f.Name {
				t.Errorf("merge drops %s", f.Name)
			}
		})
	}
}

// openOnBoth opens the room on both instances, released when t ends.
func openOnBoth(t *testing.T, rooms [2]*services.Rooms, id services.RoomID) [2]*services.Handle {
	t.Helper()
	var handles [2]*services.Handle
	for i, rs := range rooms {
		h, err := rs.Open(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Release)
		handles[i] = h
	}
	return handles
}
