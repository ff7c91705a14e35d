package client

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// release takes every event the queue can release now.
func release[E any](q *revisionQueue[E]) []E {
	var out []E
	for {
		e, ok := q.next()
		if !ok {
			return out
		}
		out = append(out, e)
	}
}

func TestRevisionQueue(t *testing.T) {
	type offer struct {
		rev     int
		e       string
		replace bool
	}
	tests := []struct {
		name      string
		delivered int
		offers    []offer
		want      []string
		wantKept  []bool
		wantAt    int // delivered afterwards
		wantHeld  int
	}{
		{"in order", 0, []offer{{1, "a", false}, {2, "b", false}}, []string{"a", "b"}, []bool{true, true}, 2, 0},
		{"holds past a gap", 3, []offer{{5, "e5", false}}, nil, []bool{true}, 3, 1},
		{"gap filled", 3, []offer{{5, "e5", false}, {4, "e4", false}}, []string{"e4", "e5"}, []bool{true, true}, 5, 0},
		{"drops the delivered", 3, []offer{{3, "old", false}, {1, "older", true}}, nil, []bool{false, false}, 3, 0},
		{"keeps the first copy", 0, []offer{{2, "fetched", false}, {2, "broadcast", false}, {1, "one", false}}, []string{"one", "fetched"}, []bool{true, false, true}, 2, 0},
		{"replace outranks", 0, []offer{{2, "fetched", false}, {2, "ack", true}, {1, "one", false}}, []string{"one", "ack"}, []bool{true, true, true}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newRevisionQueue[string](tt.delivered)
			var kept []bool
			for _, o := range tt.offers {
				kept = append(kept, q.offer(o.rev, o.e, o.replace))
			}
			got := release(&q)
			if !slices.Equal(got, tt.want) || !slices.Equal(kept, tt.wantKept) {
				t.Errorf("released %q, kept %v; want %q, %v", got, kept, tt.want, tt.wantKept)
			}
			if q.delivered != tt.wantAt || q.waiting() != tt.wantHeld {
				t.Errorf("delivered %d, waiting %d; want %d, %d", q.delivered, q.waiting(), tt.wantAt, tt.wantHeld)
			}
		})
	}
}

func TestRevisionQueueHighestAndRestart(t *testing.T) {
	q := newRevisionQueue[string](2)
	if got := q.highest(); got != 2 {
		t.Errorf("highest of an empty queue = %d, want 2", got)
	}
	q.offer(4, "op4", false)
	q.offer(6, "ack6", false)
	q.offer(7, "op7", false)
	if got := q.highest(); got != 7 {
		t.Errorf("highest = %d, want 7", got)
	}
	q.restart(4, func(e string) bool { return e[:2] == "op" })
	if q.delivered != 4 || q.waiting() != 1 {
		t.Fatalf("after restart: delivered %d, waiting %d; want 4, 1", q.delivered, q.waiting())
	}
	q.offer(5, "op5", false)
	q.offer(6, "op6", false)
	if got := release(&q); !slices.Equal(got, []string{"op5", "op6", "op7"}) {
		t.Errorf("released %q", got)
	}
}

// TestRevisionQueueDeliversEachRevisionOnceInOrder offers revisions 1..n in
// a random order, each several times, and checks they come out in order,
// each once, whenever the prefix allows.
func TestRevisionQueueDeliversEachRevisionOnceInOrder(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	for round := range 200 {
		n := 1 + r.IntN(40)
		var offers []int
		for rev := 1; rev <= n; rev++ {
			for range 1 + r.IntN(3) {
				offers = append(offers, rev)
			}
		}
		r.Shuffle(len(offers), func(i, j int) { offers[i], offers[j] = offers[j], offers[i] })
		q := newRevisionQueue[int](0)
		var got []int
		for _, rev := range offers {
			q.offer(rev, rev, r.IntN(4) == 0)
			got = append(got, release(&q)...)
			if q.waiting() > 0 && q.highest() <= q.delivered {
				t.Fatalf("seed %d round %d: holding %d with highest %d <= delivered %d", seed, round, q.waiting(), q.highest(), q.delivered)
			}
		}
		if len(got) != n || q.waiting() != 0 {
			t.Fatalf("seed %d round %d: released %d of %d, %d still held", seed, round, len(got), n, q.waiting())
		}
		for i, rev := range got {
			if rev != i+1 {
				t.Fatalf("seed %d round %d: released %v", seed, round, got)
			}
		}
	}
}
