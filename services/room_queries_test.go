package services_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// TestRoomQueries checks Ops and ContentAt against the history, inside and
// beyond the window, with snapshots along the way.
func TestRoomQueries(t *testing.T) {
	store := newStore()
	cfg := windowConfig(2)
	cfg.Room.SnapshotEvery = 3
	info, h := newRoom(t, store, cfg, "😀")
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

// pageEntry is an operation as GET /api/rooms/{id}/ops writes it.
type pageEntry struct {
	Revision  int          `json:"revision"`
	Op        ot.Operation `json:"op"`
	ClientID  string       `json:"clientId"`
	CreatedAt time.Time    `json:"createdAt"`
}

// pageJSON is the body of GET /api/rooms/{id}/ops for ops.
func pageJSON(t *testing.T, ops []services.CommittedOp) []byte {
	t.Helper()
	page := struct {
		Ops []pageEntry `json:"ops"`
	}{make([]pageEntry, len(ops))}
	for i, op := range ops {
		page.Ops[i] = pageEntry{op.Revision, op.Op, op.ClientID, op.CreatedAt.UTC()}
	}
	b, err := json.Marshal(page)
	if err != nil {
		t.Fatalf("encode page: %v", err)
	}
	return b
}

// opsCountingStore records the operations each Ops call returns.
type opsCountingStore struct {
	services.Store
	mu      sync.Mutex
	results [][]services.CommittedOp
}

func (s *opsCountingStore) Ops(ctx context.Context, roomID services.RoomID, from, limit int) ([]services.CommittedOp, error) {
	ops, err := s.Store.Ops(ctx, roomID, from, limit)
	s.mu.Lock()
	s.results = append(s.results, ops)
	s.mu.Unlock()
	return ops, err
}

// take returns and forgets what the Ops calls returned so far.
func (s *opsCountingStore) take() [][]services.CommittedOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.results
	s.results = nil
	return r
}

// TestOpsPagesAreBoundedByBytes pages through a history of operations of
// 8 KB (27 KB of JSON with its escapes) with a page bound of 256 KiB: every
// page's JSON is within the bound, and the pages hold the whole history in
// order. From the store, one page reads at most the bound plus one
// operation.
func TestOpsPagesAreBoundedByBytes(t *testing.T) {
	const maxPage, opCount, opText = 256 << 10, 60, 8000
	for _, window := range []int{1000, 2} {
		t.Run(fmt.Sprint("window=", window), func(t *testing.T) {
			store := &opsCountingStore{Store: newStore()}
			cfg := windowConfig(window)
			cfg.Room.SnapshotEvery = 0
			cfg.Room.MaxPageBytes = maxPage
			_, h := newRoom(t, store, cfg, "")
			for i := range opCount {
				text := strings.Repeat(fmt.Sprintf("%d<&\n\"", i%10), opText/5)
				head, content := state(t, h)
				id := fmt.Sprint("big", i)
				assertAck(t, submit(t, h, services.Submission{ClientID: "a", OpID: id, Base: head, Op: insertAt(len16(content), len16(content), text)}), head+1, id)
			}
			all := storedOps(t, store, h.ID())
			if full := len(pageJSON(t, all)); full <= 4*maxPage {
				t.Fatalf("history is %d bytes of JSON; the test needs several pages of %d", full, maxPage)
			}
			store.take()
			var got []services.CommittedOp
			for pages := 0; len(got) < opCount; pages++ {
				if pages == opCount {
					t.Fatalf("%d pages and only %d of %d operations", pages, len(got), opCount)
				}
				page, err := h.Ops(ctxT(t), len(got), 10000)
				if err != nil {
					t.Fatalf("Ops(%d): %v", len(got), err)
				}
				if n := len(pageJSON(t, page)); n > maxPage || len(page) == 0 {
					t.Fatalf("page from %d: %d ops, %d bytes of JSON; want 1 or more within %d", len(got), len(page), n, maxPage)
				}
				read, largest := 0, 0
				for _, result := range store.take() {
					for _, op := range result {
						n := len(pageJSON(t, []services.CommittedOp{op}))
						read += n
						largest = max(largest, n)
					}
				}
				if read > maxPage+largest {
					t.Fatalf("page from %d read %d bytes of operations from the store, bound %d plus one operation", len(got), read, maxPage)
				}
				got = append(got, page...)
			}
			for i, op := range got {
				if want := all[i]; op.Revision != want.Revision || !op.Op.Equal(want.Op) {
					t.Fatalf("op %d: revision %d %v, want %d %v", i, op.Revision, op.Op, want.Revision, want.Op)
				}
			}
		})
	}
}

// TestOpsPageHoldsAnOperationLargerThanTheBound: the first operation of a
// page is returned whatever its size, so that paging moves on.
func TestOpsPageHoldsAnOperationLargerThanTheBound(t *testing.T) {
	for _, window := range []int{1000, 1} {
		t.Run(fmt.Sprint("window=", window), func(t *testing.T) {
			cfg := windowConfig(window)
			cfg.Room.MaxPageBytes = 1 << 10
			_, h := newRoom(t, newStore(), cfg, "")
			for i := range 3 {
				assertAck(t, submit(t, h, services.Submission{ClientID: "a", OpID: fmt.Sprint(i), Base: i, Op: insertAt(i*4000, i*4000, strings.Repeat("x", 4000))}), i+1, fmt.Sprint(i))
			}
			for from := range 3 {
				page, err := h.Ops(ctxT(t), from, 10)
				if err != nil || len(page) != 1 || page[0].Revision != from+1 {
					t.Fatalf("Ops(%d) = %d ops, %v; want revision %d alone", from, len(page), err, from+1)
				}
			}
		})
	}
}
