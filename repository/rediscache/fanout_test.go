package rediscache_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/rediscache"
	"github.com/tandem-editor/tandem/services"
)

// TestFanOutLogsNoWholeRoomID sends a malformed message on a room's
// channel: the warning names the room by its prefix only, since room ids
// are capabilities.
func TestFanOutLogsNoWholeRoomID(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	client := newClient(t)
	var logs testenv.LogBuffer
	f := newFanOut(t, client, prefix, slog.New(slog.NewTextHandler(&logs, nil)))
	room := services.NewRoomID()
	subscribe(t, f, room, func([]services.CommittedOp) {})
	// The subscription becomes active asynchronously: publish until heard.
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	for !strings.Contains(logs.String(), "fan-out message") {
		if err := client.Publish(ctx, prefix+"{"+room.Reveal()+"}:committed", "not json").Err(); err != nil {
			t.Fatalf("no warning within 5s (publish: %v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := logs.String()
	if strings.Contains(got, room.Reveal()) {
		t.Errorf("the log holds the whole room id %s:\n%s", room, got)
	}
	if !strings.Contains(got, room.String()) {
		t.Errorf("the log does not name the room by %q:\n%s", room.String(), got)
	}
}

// A room only this instance subscribes to goes solo: its operations are no
// longer published. Another instance subscribing announces itself, and
// hears the next operations.
func TestSoloRoomIsNotPublishedUntilAnotherInstanceSubscribes(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	client := newClient(t)
	a := newFanOut(t, client, prefix, nil)
	room := services.NewRoomID()
	subscribe(t, a, room, func([]services.CommittedOp) {})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var op ot.Operation
	op.Insert("x")
	publish := func(rev int) {
		t.Helper()
		if err := a.Publish(ctx, room, []services.CommittedOp{{Revision: rev, Op: op, ClientID: "c", OpID: fmt.Sprint("c-", rev)}}); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	rev := 0
	for a.Skipped() == 0 {
		if ctx.Err() != nil {
			t.Fatal("the room never went solo")
		}
		rev++
		publish(rev)
		time.Sleep(5 * time.Millisecond)
	}

	b := newFanOut(t, client, prefix, nil) // another instance
	heard := make(chan int, 1024)
	subscribe(t, b, room, func(ops []services.CommittedOp) {
		for _, o := range ops {
			heard <- o.Revision
		}
	})
	for {
		rev++
		publish(rev)
		select {
		case got := <-heard:
			if got <= 0 || got > rev {
				t.Fatalf("heard revision %d, published up to %d", got, rev)
			}
			return
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("the second instance heard nothing: the room stayed solo")
		}
	}
}

// newClient is a Redis client for the test, closed after it.
func newClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	client, err := rediscache.NewClient(testenv.RedisURL(t))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// newFanOut is a fan-out on client for the test, closed after it.
func newFanOut(t *testing.T, client redis.UniversalClient, prefix string, log *slog.Logger) *rediscache.FanOut {
	f := rediscache.NewFanOut(client, prefix, log)
	t.Cleanup(func() { f.Close() })
	return f
}

// subscribe subscribes deliver to room on f for the rest of the test.
func subscribe(t *testing.T, f *rediscache.FanOut, room services.RoomID, deliver func([]services.CommittedOp)) {
	t.Helper()
	cancel, err := f.Subscribe(room, deliver, nil)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(cancel)
}

// A metadata change one instance publishes reaches the other instance's
// subscriber as a change, not as operations, also on a channel gone solo
// (the other instance may not have been heard yet).
func TestFanOutCarriesMetadataChanges(t *testing.T) {
	prefix := testenv.RedisPrefix(t)
	client := newClient(t)
	a, b := newFanOut(t, client, prefix, nil), newFanOut(t, client, prefix, nil)
	room := services.NewRoomID()
	changed := make(chan struct{}, 64)
	ops := make(chan []services.CommittedOp, 64)
	cancel, err := b.Subscribe(room, func(o []services.CommittedOp) { ops <- o }, func() { changed <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	// The subscription becomes active asynchronously: publish until heard.
	for {
		if err := a.PublishMetadata(ctx, room); err != nil {
			t.Fatalf("PublishMetadata: %v", err)
		}
		select {
		case <-changed:
			select {
			case o := <-ops:
				t.Fatalf("a metadata change was delivered as operations %v", o)
			default:
			}
			return
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("the other instance heard of no metadata change within 5s")
		}
	}
}
