package api

import (
	"fmt"
	"sync"
	"testing"
)

func TestOutboxBounds(t *testing.T) {
	tests := []struct {
		name             string
		sizes            []int
		maxMsgs, maxByte int
		want             []bool
	}{
		{"count bound", []int{1, 1, 1}, 2, 0, []bool{true, true, false}},
		{"bytes bound", []int{4, 4, 1}, 10, 8, []bool{true, true, false}},
		{"one message always fits", []int{100, 1}, 10, 8, []bool{true, false}},
		{"no bytes bound", []int{1 << 20, 1 << 20}, 10, 0, []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q outbox
			for i, n := range tt.sizes {
				got, _ := q.push(make([]byte, n), tt.maxMsgs, tt.maxByte)
				if got != tt.want[i] {
					t.Fatalf("push %d of %d bytes: got %v, want %v", i, n, got, tt.want[i])
				}
			}
		})
	}
}

// The first push starts a writer, later ones do not until it stops; a pop
// frees room for another message, and messages come out in order.
func TestOutboxWakesOneWriter(t *testing.T) {
	var q outbox
	if _, start := q.push([]byte("a"), 2, 0); !start {
		t.Fatal("first push did not start a writer")
	}
	if _, start := q.push([]byte("b"), 2, 0); start {
		t.Fatal("second push started a second writer")
	}
	if ok, _ := q.push([]byte("c"), 2, 0); ok {
		t.Fatal("third push exceeded the count bound")
	}
	if b, _ := q.pop(); string(b) != "a" {
		t.Fatalf("got %q, want a", b)
	}
	if ok, start := q.push([]byte("c"), 2, 0); !ok || start {
		t.Fatalf("push after pop: ok %v start %v, want true false", ok, start)
	}
	for _, want := range []string{"b", "c"} {
		if b, _ := q.pop(); string(b) != want {
			t.Fatalf("got %q, want %q", b, want)
		}
	}
	if got := q.step(); got != stepStop {
		t.Fatalf("step on an empty outbox: got %v, want stop", got)
	}
	if !q.pingDue() {
		t.Fatal("a due ping did not start a writer after the last one stopped")
	}
	if got := q.step(); got != stepPing {
		t.Fatalf("got %v, want ping", got)
	}
	if first, start := q.close(); !first || start {
		t.Fatalf("close while writing: first %v start %v, want true false", first, start)
	}
	if ok, _ := q.push([]byte("late"), 2, 0); !ok || q.len() != 0 {
		t.Fatal("a push after close was not dropped")
	}
	if got := q.step(); got != stepClose {
		t.Fatalf("got %v, want close", got)
	}
}

// Concurrent pushes with a writer that stops and is restarted: every
// accepted message is written exactly once, in order, and at no time do
// two writers run.
func TestOutboxConcurrentWriters(t *testing.T) {
	var q outbox
	var running, wrote sync.WaitGroup
	var mu sync.Mutex
	var active int
	var got []string
	writer := func() {
		defer running.Done()
		mu.Lock()
		active++
		if active > 1 {
			t.Error("two writers at once")
		}
		mu.Unlock()
		for {
			for b, ok := q.pop(); ok; b, ok = q.pop() {
				mu.Lock()
				got = append(got, string(b))
				mu.Unlock()
				wrote.Done()
			}
			mu.Lock()
			if q.step() == stepStop {
				active--
				mu.Unlock()
				return
			}
			mu.Unlock()
		}
	}
	const n = 2000
	for i := range n {
		wrote.Add(1)
		ok, start := q.push([]byte(fmt.Sprint(i)), n, 0)
		if !ok {
			t.Fatalf("push %d refused", i)
		}
		if start {
			running.Add(1)
			go writer()
		}
	}
	wrote.Wait()
	running.Wait()
	for i, s := range got {
		if s != fmt.Sprint(i) {
			t.Fatalf("message %d is %q", i, s)
		}
	}
}
