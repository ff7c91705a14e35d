package memory_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// inbox collects what one subscriber receives.
type inbox struct {
	mu   sync.Mutex
	revs []int
}

func (in *inbox) deliver(ops []services.CommittedOp) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, op := range ops {
		in.revs = append(in.revs, op.Revision)
	}
}

func (in *inbox) got() []int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]int(nil), in.revs...)
}

func publish(t *testing.T, f services.FanOut, room string, revs ...int) {
	t.Helper()
	ops := make([]services.CommittedOp, len(revs))
	for i, r := range revs {
		ops[i] = services.CommittedOp{Revision: r}
	}
	if err := f.Publish(context.Background(), services.RoomIDOf(room), ops); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func subscribe(t *testing.T, f services.FanOut, room string) (*inbox, func()) {
	t.Helper()
	in := &inbox{}
	cancel, err := f.Subscribe(services.RoomIDOf(room), in.deliver, nil)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return in, cancel
}

func TestFanOutReachesOtherEndpointsOfTheRoomOnly(t *testing.T) {
	hub := memory.NewFanOutHub(memory.FanOutOptions{})
	a, b, c := hub.Endpoint(), hub.Endpoint(), hub.Endpoint()
	inA, _ := subscribe(t, a, "room")
	inB, cancelB := subscribe(t, b, "room")
	inC, _ := subscribe(t, c, "other")

	publish(t, a, "room", 1, 2)
	publish(t, a, "room", 3)
	cancelB()
	publish(t, a, "room", 4)

	tests := []struct {
		name string
		in   *inbox
		want []int
	}{
		{"publisher's own subscriber", inA, nil},
		{"other endpoint, until cancelled", inB, []int{1, 2, 3}},
		{"other room", inC, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.got(); !equalInts(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got, want := hub.Stats(), (memory.FanOutStats{Published: 3, Delivered: 2}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

// With drops, duplicates and delays, what arrives is a subset of what was
// published, each message at most twice, and the same seed makes the same
// choices.
func TestFanOutUnreliableIsSeeded(t *testing.T) {
	run := func(seed uint64) (memory.FanOutStats, []int) {
		hub := memory.NewFanOutHub(memory.FanOutOptions{Drop: 0.3, Duplicate: 0.2, MaxDelay: 2 * time.Millisecond, Seed: seed})
		a, b := hub.Endpoint(), hub.Endpoint()
		in, _ := subscribe(t, b, "room")
		for rev := 1; rev <= 200; rev++ {
			publish(t, a, "room", rev)
		}
		st := hub.Stats()
		want := st.Published - st.Dropped + st.Duplicated
		deadline := time.Now().Add(5 * time.Second)
		for int64(len(in.got())) < want && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return hub.Stats(), in.got()
	}
	st, got := run(42)
	t.Logf("seed 42: %+v", st)
	if st.Dropped == 0 || st.Duplicated == 0 {
		t.Fatalf("stats %+v: nothing dropped or duplicated", st)
	}
	if int64(len(got)) != st.Delivered || st.Delivered != st.Published-st.Dropped+st.Duplicated {
		t.Fatalf("received %d, stats %+v", len(got), st)
	}
	count := map[int]int{}
	for _, rev := range got {
		count[rev]++
		if rev < 1 || rev > 200 || count[rev] > 2 {
			t.Fatalf("revision %d received %d times", rev, count[rev])
		}
	}
	if again, _ := run(42); again != st {
		t.Errorf("seed 42 again: %+v, want %+v", again, st)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
