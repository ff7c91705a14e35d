package gormstore

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/repository"
	"github.com/tandem-editor/tandem/repository/upgradetest"
	"github.com/tandem-editor/tandem/services"
)

// A database created by the schema of each released migration level, with
// rooms, operations and snapshots in it, is migrated forward by Open, and
// every room is served as it was: metadata, content at every revision,
// history, and by its read-only id.
func TestUpgradeServesOldRooms(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		testUpgrade(t, func() string { return "sqlite:" + filepath.Join(t.TempDir(), "old.db") })
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		testenv.RequirePostgres(t)
		testUpgrade(t, func() string { return testenv.PostgresURL(t) })
	})
}

func testUpgrade(t *testing.T, newURL func() string) {
	for level := 1; level <= len(repository.Migrations); level++ {
		t.Run(fmt.Sprintf("from%d", level), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			url := newURL()
			old, err := connect(url, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := repository.MigrateWith(ctx, old.w, repository.Migrations[:level], repository.Options{}); err != nil {
				t.Fatalf("migrate to %d: %v", level, err)
			}
			upgradetest.Seed(t, old.w)
			old.Close()

			s, err := Open(ctx, url, "", Options{})
			if err != nil {
				t.Fatalf("Open a database at migration %d: %v", level, err)
			}
			defer s.Close()
			rooms := services.NewRooms(s, nil, services.DefaultConfig(), slog.New(slog.DiscardHandler), nil)
			defer rooms.Close(ctx)
			for _, want := range upgradetest.Rooms {
				checkServed(ctx, t, rooms, want)
			}
		})
	}
}

// checkServed checks that rooms serves want as the old version wrote it.
func checkServed(ctx context.Context, t *testing.T, rooms *services.Rooms, want upgradetest.Room) {
	t.Helper()
	h, err := rooms.Open(ctx, services.RoomIDOf(want.ID))
	if err != nil {
		t.Fatalf("open room %s: %v", want.Name, err)
	}
	defer h.Release()
	info, content, err := h.State(ctx)
	if err != nil {
		t.Fatalf("state of %s: %v", want.Name, err)
	}
	got := fmt.Sprintf("%s %s %q %q rev=%d created=%s updated=%s", info.ID.Reveal(), info.ReadOnlyID.Reveal(), info.Name, info.Language,
		info.Revision, info.CreatedAt.Format(time.RFC3339Nano), info.UpdatedAt.Format(time.RFC3339Nano))
	wantLine := fmt.Sprintf("%s %s %q %q rev=%d created=%s updated=%s", want.ID, want.ReadOnlyID, want.Name, want.Language,
		len(want.Ops), want.CreatedAt.Format(time.RFC3339Nano), want.UpdatedAt.Format(time.RFC3339Nano))
	if got != wantLine {
		t.Errorf("room served as\n%s\nwant\n%s", got, wantLine)
	}
	if content != want.Content {
		t.Errorf("room %q content = %q, want %q", want.Name, content, want.Content)
	}
	for _, snap := range want.Snapshots {
		if got, err := h.ContentAt(ctx, snap.Revision); err != nil || got != snap.Content {
			t.Errorf("room %q at revision %d = %q, %v; want %q", want.Name, snap.Revision, got, err, snap.Content)
		}
	}
	ops, err := h.Ops(ctx, 0, 100)
	if err != nil {
		t.Fatalf("ops of %q: %v", want.Name, err)
	}
	if len(ops) != len(want.Ops) {
		t.Fatalf("room %q has %d operations, want %d", want.Name, len(ops), len(want.Ops))
	}
	for i, op := range ops {
		js, _ := op.Op.MarshalJSON()
		if string(js) != want.Ops[i].Operation || op.ClientID != want.Ops[i].ClientID || op.Revision != i+1 {
			t.Errorf("room %q op %d = %d %s by %s, want %s by %s", want.Name, i+1, op.Revision, js, op.ClientID, want.Ops[i].Operation, want.Ops[i].ClientID)
		}
	}
	ro, err := rooms.Open(ctx, services.RoomIDOf(want.ReadOnlyID))
	if err != nil {
		t.Fatalf("open %q by its read-only id: %v", want.Name, err)
	}
	defer ro.Release()
	roInfo, roContent, err := ro.State(ctx)
	if err != nil || !ro.ReadOnly || roInfo.ID.Reveal() != want.ID || roContent != want.Content {
		t.Errorf("read-only id of %q opens %s read-only=%v with %q, %v", want.Name, roInfo.ID, ro.ReadOnly, roContent, err)
	}
}
