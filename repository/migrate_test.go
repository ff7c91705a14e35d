package repository

import (
	"context"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tandem-editor/tandem/models"
)

func TestMigrationsAreOrdered(t *testing.T) {
	// Versions increase; a gap is a number another branch holds (3:
	// identity), which fills it when the branches meet.
	for i, m := range Migrations {
		if i == 0 && m.Version != 1 || i > 0 && m.Version <= Migrations[i-1].Version {
			t.Errorf("Migrations[%d].Version = %d, which does not follow %d", i, m.Version, Migrations[max(i-1, 0)].Version)
		}
		if m.Name == "" || m.Up == nil {
			t.Errorf("migration %d needs a name and an Up", m.Version)
		}
	}
}

func TestMigrate(t *testing.T) {
	db, err := gorm.Open(sqlite.Open("file:"+t.TempDir()+"/m.db"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	list := append(append([]Migration(nil), Migrations...), Migration{
		Version: Migrations[len(Migrations)-1].Version + 1, Name: "count", Up: func(*gorm.DB) error { ran++; return nil },
	})
	for range 2 {
		if err := MigrateWith(context.Background(), db, list, Options{}); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	if ran != 1 {
		t.Errorf("the last migration ran %d times, want once", ran)
	}
	var versions []int
	if err := db.Model(&schemaMigration{}).Order("version").Pluck("version", &versions).Error; err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(list) {
		t.Errorf("recorded versions %v, want 1..%d", versions, len(list))
	}
	for _, m := range models.All() {
		if !db.Migrator().HasTable(m) {
			t.Errorf("no table for %T", m)
		}
	}
}

// A database from before migration 2 (schema v1: a plain index on op ids,
// and an id committed twice) gets the unique index; the later copy loses
// its id.
func TestMigrationUniqueOpIDs(t *testing.T) {
	testMigrationUniqueOpIDs(t, openSQLiteDB(t))
}

func TestMigrationUniqueOpIDsPostgres(t *testing.T) {
	testMigrationUniqueOpIDs(t, openPostgresDB(t))
}

func openSQLiteDB(t *testing.T) *gorm.DB {
	db, err := gorm.Open(sqlite.Open("file:"+t.TempDir()+"/m.db"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func testMigrationUniqueOpIDs(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	if err := MigrateWith(ctx, db, Migrations[:1], Options{}); err != nil {
		t.Fatalf("migration 1: %v", err)
	}
	rows := []models.Revision{
		{RoomID: "r", Revision: 1, Operation: `["a"]`, OpID: "x"},
		{RoomID: "r", Revision: 2, Operation: `[1,"b"]`, OpID: "x"},
		{RoomID: "r", Revision: 3, Operation: `[2,"c"]`, OpID: ""},
		{RoomID: "r", Revision: 4, Operation: `[3,"d"]`, OpID: ""},
		{RoomID: "s", Revision: 1, Operation: `["a"]`, OpID: "x"},
	}
	if err := db.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, Options{}); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var ids []string
	if err := db.Model(&models.Revision{}).Order("room_id, revision").Pluck("op_id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(ids, ","), "x,,,,x"; got != want {
		t.Errorf("op ids after migration = %q, want %q", got, want)
	}
	dup := models.Revision{RoomID: "r", Revision: 5, Operation: `[4,"e"]`, OpID: "x"}
	if err := db.Create(&dup).Error; err == nil {
		t.Error("a reused op id was inserted after the migration")
	}
	if err := db.Create(&models.Revision{RoomID: "r", Revision: 6, Operation: `[4,"e"]`}).Error; err != nil {
		t.Errorf("an empty op id: %v", err)
	}
}
