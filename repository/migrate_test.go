package repository

import (
	"context"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tandem-editor/tandem/models"
)

func TestMigrationsAreOrdered(t *testing.T) {
	for i, m := range Migrations {
		if want := i + 1; m.Version != want {
			t.Errorf("Migrations[%d].Version = %d, want %d", i, m.Version, want)
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
		Version: len(Migrations) + 1, Name: "count", Up: func(*gorm.DB) error { ran++; return nil },
	})
	for range 2 {
		if err := migrate(context.Background(), db, list, nil); err != nil {
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
