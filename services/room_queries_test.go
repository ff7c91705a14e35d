package services_test

import (
	"fmt"
	"testing"

	"github.com/tandem-editor/tandem/services"
)

// TestRoomQueries checks Ops and ContentAt against the history, inside and
// beyond the window, with snapshots along the way.
func TestRoomQueries(t *testing.T) {
	store := newStore()
	cfg := testConfig()
	cfg.Room.Sequencer.Window = 2
	cfg.Room.SnapshotEvery = 3
	rs := newRooms(t, store, cfg, nil)
	info, h := openNewRoom(t, rs, "😀")
	contents := []string{"😀"}
	for i := range 7 {
		head, content := state(t, h)
		id := fmt.Sprint("q", i)
		assertAck(t, submit(t, h, services.Submission{ClientID: "a", OpID: id, Base: head, Op: insertAt(len16(content), len16(content), fmt.Sprint(i))}), head+1, id)
		_, content = state(t, h)
		contents = append(contents, content)
	}
	all := storedOps(t, store, info.ID)

	t.Run("ContentAt", func(t *testing.T) {
		for rev, want := range contents {
			got, err := h.ContentAt(ctxT(t), rev)
			if err != nil || got != want {
				t.Errorf("ContentAt(%d) = %q, %v; want %q", rev, got, err, want)
			}
		}
		for _, rev := range []int{-1, 8} {
			if _, err := h.ContentAt(ctxT(t), rev); services.ErrorCode(err) != services.CodeRevisionOutOfRange {
				t.Errorf("ContentAt(%d) error = %v, want %s", rev, err, services.CodeRevisionOutOfRange)
			}
		}
	})
	t.Run("Ops", func(t *testing.T) {
		tests := []struct{ from, limit, want int }{
			{0, 100, 7}, {0, 3, 3}, {2, 2, 2}, {5, 100, 2}, {6, 1, 1}, {7, 10, 0}, {3, 0, 0}, {0, -1, 0}, {6, -1, 0},
		}
		for _, tt := range tests {
			got, err := h.Ops(ctxT(t), tt.from, tt.limit)
			if err != nil || len(got) != tt.want {
				t.Errorf("Ops(%d, %d) = %d ops, %v; want %d", tt.from, tt.limit, len(got), err, tt.want)
				continue
			}
			for i, op := range got {
				if want := all[tt.from+i]; op.Revision != want.Revision || op.OpID != want.OpID || !op.Op.Equal(want.Op) {
					t.Errorf("Ops(%d, %d)[%d] = %d %s, want %d %s", tt.from, tt.limit, i, op.Revision, op.OpID, want.Revision, want.OpID)
				}
			}
		}
		for _, from := range []int{-1, 8} {
			if _, err := h.Ops(ctxT(t), from, 10); services.ErrorCode(err) != services.CodeRevisionOutOfRange {
				t.Errorf("Ops(%d) error = %v, want %s", from, err, services.CodeRevisionOutOfRange)
			}
		}
	})
}
