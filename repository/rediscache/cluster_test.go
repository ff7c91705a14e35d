package rediscache_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/rediscache"
	"github.com/tandem-editor/tandem/services"
)

// claim claims rooms for c and returns their owners.
func claim(t *testing.T, c *rediscache.Cluster, rooms ...services.RoomID) []string {
	t.Helper()
	owners, err := c.Claim(context.Background(), rooms)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return owners
}

// A lease goes to the first claimant, is extended only by its holder, ends
// at Release or after its term, and one call claims many rooms; the
// scripts are loaded again when Redis forgot them (a restart).
func TestClusterLease(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	client := newClient(t)
	term := 300 * time.Millisecond
	a := rediscache.NewCluster(client, prefix, term, nil)
	b := rediscache.NewCluster(client, prefix, term, nil)
	if a.Self() == b.Self() {
		t.Fatalf("two instances named %q", a.Self())
	}
	r1, r2 := services.NewRoomID(), services.NewRoomID()

	if got, want := claim(t, a, r1), []string{a.Self()}; !reflect.DeepEqual(got, want) {
		t.Errorf("a claims r1: %v, want %v", got, want)
	}
	if got, want := claim(t, b, r1, r2), []string{a.Self(), b.Self()}; !reflect.DeepEqual(got, want) {
		t.Errorf("b claims r1, r2: %v, want %v", got, want)
	}
	// a's renewals keep r1 past its first term.
	for range 4 {
		time.Sleep(term / 3)
		if got := claim(t, a, r1)[0]; got != a.Self() {
			t.Fatalf("a renews r1: owner %s", got)
		}
	}
	if got := claim(t, b, r1)[0]; got != a.Self() {
		t.Errorf("b claims r1 a renewed: owner %s, want a", got)
	}
	// Release ends only the caller's leases.
	if err := b.Release(context.Background(), []services.RoomID{r1, r2}); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got := claim(t, a, r1, r2); !reflect.DeepEqual(got, []string{a.Self(), a.Self()}) {
		t.Errorf("after b's release, a claims r1, r2: %v, want a, a", got)
	}
	if err := a.Release(context.Background(), []services.RoomID{r1}); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got := claim(t, b, r1)[0]; got != b.Self() {
		t.Errorf("after a's release, b claims r1: owner %s, want b", got)
	}
	// An unrenewed lease lapses after its term.
	time.Sleep(term + 50*time.Millisecond)
	if got := claim(t, a, r1)[0]; got != a.Self() {
		t.Errorf("after b's lease lapsed, a claims r1: owner %s, want a", got)
	}
	if err := client.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatalf("SCRIPT FLUSH: %v", err)
	}
	if got := claim(t, a, r1)[0]; got != a.Self() {
		t.Errorf("after SCRIPT FLUSH, a claims r1: owner %s, want a", got)
	}
}

// Messages reach the instance they name, field for field, and no other.
func TestClusterMessages(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	client := newClient(t)
	a := rediscache.NewCluster(client, prefix, time.Second, nil)
	b := rediscache.NewCluster(client, prefix, time.Second, nil)
	got := make(chan services.ClusterMessage, 10)
	cancel, err := a.Listen(func(m services.ClusterMessage) { got <- m })
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer cancel()
	other := make(chan services.ClusterMessage, 10)
	cancelB, err := b.Listen(func(m services.ClusterMessage) { other <- m })
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer cancelB()

	room := services.NewRoomID()
	var op ot.Operation
	op.Retain(2)
	op.Insert("é😀")
	sel := &ot.Selection{Ranges: []ot.Range{{Anchor: 1, Head: 3}}}
	sent := []services.ClusterMessage{
		{To: a.Self(), From: b.Self(), Request: 7, RoomID: room, Sub: &services.Submission{ClientID: "c1", OpID: "o1", Base: 4, Op: op, Selection: sel}},
		{To: a.Self(), From: b.Self(), Request: 8, RoomID: room, Sub: &services.Submission{ClientID: "c2", Base: 0, Op: op}},
		{To: a.Self(), From: b.Self(), Request: 7, RoomID: room, Revision: 5, Op: op},
		{To: a.Self(), From: b.Self(), Request: 9, RoomID: room, Code: services.CodeTooLarge, Message: "too big"},
		{To: a.Self(), From: b.Self(), Request: 10, RoomID: room, Moved: true, Owner: "someone"},
	}
	if err := b.Send(context.Background(), sent); err != nil {
		t.Fatalf("Send: %v", err)
	}
	for i, want := range sent {
		select {
		case m := <-got:
			want.To = "" // the receiver knows it is itself
			if !reflect.DeepEqual(m, want) {
				t.Errorf("message %d:\n got %+v\nwant %+v", i, m, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d not received within 5s", i)
		}
	}
	select {
	case m := <-other:
		t.Errorf("b received a message for a: %+v", m)
	case <-time.After(50 * time.Millisecond):
	}
}
