// Package upgradetest holds rooms as released versions of tandem wrote
// them, for the tests that migrate an old database forward and check that
// every room is still served the same. Seed writes them with the columns of
// schema v1 (repository/schema_v1.go), which every later schema keeps, in
// plain SQL, as the old binaries did: a new column the rows do not name
// gets its default, or the seed fails, as the upgrade would.
package upgradetest

import (
	"testing"
	"time"

	"gorm.io/gorm"
)

// Room is one room of the fixture and what a server must serve of it.
type Room struct {
	ID, ReadOnlyID string
	Name, Language string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Ops are the room's history, revisions 1..len(Ops), as ot.js JSON.
	Ops []Op
	// Snapshots are its snapshots; there is always one at revision 0.
	Snapshots []Snapshot
	// Content is the document at the head, len(Ops).
	Content string
}

// Op is one committed operation.
type Op struct {
	Operation, ClientID, OpID string
}

// Snapshot is a room's content at a revision.
type Snapshot struct {
	Revision int
	Content  string
}

var created = time.Date(2026, 11, 20, 9, 30, 0, 123456000, time.UTC)

// Rooms is the fixture: a room edited past its only snapshot, one with a
// later snapshot and a delete, and one never edited whose content holds
// what text columns could not (U+0000) and characters outside the BMP.
var Rooms = []Room{
	{
		ID: "upgrade-room-hello-0000000000000001", ReadOnlyID: "upgrade-view-hello-0000000000000001",
		Name: "Hello", Language: "go", CreatedAt: created, UpdatedAt: created.Add(time.Minute),
		Ops: []Op{
			{Operation: `[5," world"]`, ClientID: "c1", OpID: "c1-1"},
			{Operation: `[11,"!"]`, ClientID: "c2", OpID: "c2-1"},
		},
		Snapshots: []Snapshot{{0, "hello"}},
		Content:   "hello world!",
	},
	{
		ID: "upgrade-room-abcd-00000000000000002", ReadOnlyID: "upgrade-view-abcd-00000000000000002",
		Name: "", Language: "plaintext", CreatedAt: created.Add(time.Hour), UpdatedAt: created.Add(2 * time.Hour),
		Ops: []Op{
			{Operation: `["abc"]`, ClientID: "c1", OpID: "x"},
			{Operation: `[3,"d"]`, ClientID: "c1", OpID: ""},
			{Operation: `[-1,3]`, ClientID: "c3", OpID: "y"},
		},
		Snapshots: []Snapshot{{0, ""}, {2, "abcd"}},
		Content:   "bcd",
	},
	{
		ID: "upgrade-room-blank-0000000000000003", ReadOnlyID: "upgrade-view-blank-0000000000000003",
		Name: "Ünïcode 🎉", Language: "python", CreatedAt: created.Add(3 * time.Hour), UpdatedAt: created.Add(3 * time.Hour),
		Snapshots: []Snapshot{{0, "a\x00b 😀\n"}},
		Content:   "a\x00b 😀\n",
	},
}

// Seed writes Rooms into db, whose schema is that of some migration level.
func Seed(t testing.TB, db *gorm.DB) {
	t.Helper()
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.Exec(sql, args...).Error; err != nil {
			t.Fatalf("seed: %s: %v", sql, err)
		}
	}
	for _, r := range Rooms {
		exec("INSERT INTO rooms (id, read_only_id, name, language, head_revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.ReadOnlyID, r.Name, r.Language, len(r.Ops), r.CreatedAt, r.UpdatedAt)
		for i, op := range r.Ops {
			exec("INSERT INTO revisions (room_id, revision, operation, client_id, op_id, base_revision, digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				r.ID, i+1, op.Operation, op.ClientID, op.OpID, i, "digest-"+op.OpID, r.CreatedAt.Add(time.Duration(i+1)*time.Second))
		}
		for _, s := range r.Snapshots {
			exec("INSERT INTO snapshots (room_id, revision, content, created_at) VALUES (?, ?, ?, ?)",
				r.ID, s.Revision, []byte(s.Content), r.CreatedAt)
		}
	}
}
