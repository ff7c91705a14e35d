package rediscache_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/internal/testenv"
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
