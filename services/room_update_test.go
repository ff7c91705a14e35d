package services_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/tandem-editor/tandem/services"
)

// gatedUpdateStore counts UpdateRoom calls and holds the first until gate
// is closed.
type gatedUpdateStore struct {
	services.Store
	updates atomic.Int64
	gate    chan struct{}
}

func (s *gatedUpdateStore) UpdateRoom(ctx context.Context, roomID services.RoomID, patch services.RoomPatch) (services.RoomInfo, error) {
	if s.updates.Add(1) == 1 {
		<-s.gate
	}
	return s.Store.UpdateRoom(ctx, roomID, patch)
}

// TestLanguageUpdatesCoalesce: while a room's first language write is held
// in the store, 20 more language changes arrive, one after another. They
// make one more write: the store, the room and the last broadcast end with
// the last language, the first caller gets its own write's result and the
// others the merged one, as stored.
func TestLanguageUpdatesCoalesce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 20
		store := &gatedUpdateStore{Store: newStore(), gate: make(chan struct{})}
		cfg := testConfig()
		cfg.Go = func(f func()) { go f() }
		info, h := newRoom(t, store, cfg, "")
		watcher := join(t, h, &fakeMember{name: "watcher"})
		results := make([]services.RoomInfo, n+1)
		errs := make([]error, n+1)
		var wg sync.WaitGroup
		for i := range n + 1 {
			lang := fmt.Sprint("lang", i)
			wg.Go(func() {
				results[i], errs[i] = h.Update(context.Background(), fmt.Sprint("c", i), services.RoomPatch{Language: &lang})
			})
			synctest.Wait() // caller i waits for its write: the one held, or the next
		}
		close(store.gate)
		wg.Wait()

		if got := store.updates.Load(); got > 2 {
			t.Errorf("%d UpdateRoom calls for %d language changes, want at most 2", got, n+1)
		}
		last := fmt.Sprint("lang", n)
		for i, err := range errs {
			want := last
			if i == 0 {
				want = "lang0"
			}
			if err != nil || results[i].Language != want {
				t.Errorf("Update %d = %q, %v; want %q", i, results[i].Language, err, want)
			}
		}
		stored, err := store.Room(context.Background(), info.ID)
		if err != nil || stored.Language != last {
			t.Errorf("stored language = %q, %v; want %q", stored.Language, err, last)
		}
		if !stored.UpdatedAt.Equal(results[n].UpdatedAt) {
			t.Errorf("the merged callers got UpdatedAt %v, the store has %v", results[n].UpdatedAt, stored.UpdatedAt)
		}
		if got, _, err := h.State(context.Background()); err != nil || got.Language != last {
			t.Errorf("room's language = %q, %v; want %q", got.Language, err, last)
		}
		var broadcast []string
		for _, ev := range watcher.ofType(services.EventLanguage) {
			broadcast = append(broadcast, ev.Language+" by "+ev.ClientID)
		}
		if want := fmt.Sprintf("%s by c%d", last, n); len(broadcast) == 0 || broadcast[len(broadcast)-1] != want {
			t.Fatalf("language broadcasts %v, want the last to be %s", broadcast, want)
		}
	})
}

// TestUpdateThatChangesNothingIsNotWritten: setting the language and name
// a room already has writes nothing and answers the room as it is.
func TestUpdateThatChangesNothingIsNotWritten(t *testing.T) {
	store := &gatedUpdateStore{Store: newStore(), gate: make(chan struct{})}
	close(store.gate)
	info, h := newRoom(t, store, testConfig(), "")
	watcher := join(t, h, &fakeMember{name: "watcher"})
	for range 5 {
		got, err := h.Update(ctxT(t), "c", services.RoomPatch{Name: &info.Name, Language: &info.Language})
		if err != nil || got.Language != info.Language || got.Name != info.Name || !got.UpdatedAt.Equal(info.UpdatedAt) {
			t.Fatalf("Update = %+v, %v; want the room unchanged, %+v", got, err, info)
		}
	}
	if got := store.updates.Load(); got != 0 {
		t.Errorf("%d UpdateRoom calls for changes that change nothing, want 0", got)
	}
	if evs := watcher.ofType(services.EventLanguage); len(evs) != 0 {
		t.Errorf("%d language broadcasts, want none", len(evs))
	}
}
