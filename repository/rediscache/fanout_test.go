package rediscache_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

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
	client, err := rediscache.NewClient(testenv.RedisURL(t))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	var logs testenv.LogBuffer
	f := rediscache.NewFanOut(client, prefix, slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { f.Close() })
	room := services.NewRoomID()
	cancel, err := f.Subscribe(room, func([]services.CommittedOp) {})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer cancel()
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
	client, err := rediscache.NewClient(testenv.RedisURL(t))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	a := rediscache.NewFanOut(client, prefix, nil)
	t.Cleanup(func() { a.Close() })
	room := services.NewRoomID()
	stopA, err := a.Subscribe(room, func([]services.CommittedOp) {})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer stopA()
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

	b := rediscache.NewFanOut(client, prefix, nil) // another instance
	t.Cleanup(func() { b.Close() })
	heard := make(chan int, 1024)
	stopB, err := b.Subscribe(room, func(ops []services.CommittedOp) {
		for _, o := range ops {
			heard <- o.Revision
		}
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer stopB()
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
