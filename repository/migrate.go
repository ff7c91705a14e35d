package repository

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/tandem-editor/tandem/models"
)

// Migration is one versioned schema change. Up runs inside a transaction.
type Migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

// Migrations is the ordered schema history. Append only; see doc.go.
var Migrations = []Migration{
	{Version: 1, Name: "create rooms, revisions and snapshots", Up: func(tx *gorm.DB) error {
		return tx.AutoMigrate(models.All()...)
	}},
	{Version: 2, Name: "make operation ids unique per room", Up: uniqueOpIDs},
}

// uniqueOpIDs replaces the plain (room, op id) index by a unique one on
// non-empty ids. Before it, an id reused after it left the sequencer's
// window could be committed twice; the later copies keep their revisions
// and lose their id (a resubmission of one of them is then refused as a
// conflict with the first). On a database that migration 1 created from
// today's models, the new index exists already and nothing changes.
func uniqueOpIDs(tx *gorm.DB) error {
	for _, sql := range []string{
		"DROP INDEX IF EXISTS idx_revisions_room_op",
		`UPDATE revisions SET op_id = '' WHERE op_id <> '' AND EXISTS (
			SELECT 1 FROM revisions AS first
			WHERE first.room_id = revisions.room_id AND first.op_id = revisions.op_id AND first.revision < revisions.revision)`,
		"CREATE UNIQUE INDEX IF NOT EXISTS idx_revisions_room_op_id ON revisions (room_id, op_id) WHERE op_id <> ''",
	} {
		if err := tx.Exec(sql).Error; err != nil {
			return err
		}
	}
	return nil
}

// schemaMigration records one applied migration.
type schemaMigration struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"not null"`
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// migrateLockKey is the PostgreSQL advisory lock that serialises Migrate.
const migrateLockKey = 0x74616e64656d // "tandem"

// Migrate applies the migrations that db has not applied yet, in order.
// It returns the first error; the migrations before it stay applied.
func Migrate(ctx context.Context, db *gorm.DB, log *slog.Logger) error {
	return migrate(ctx, db, Migrations, log)
}

func migrate(ctx context.Context, db *gorm.DB, list []Migration, log *slog.Logger) error {
	db = db.WithContext(ctx)
	return db.Connection(func(conn *gorm.DB) error {
		// Every call below starts a new statement on the pinned connection.
		conn = conn.Session(&gorm.Session{NewDB: true})
		if conn.Dialector.Name() == "postgres" {
			if err := conn.Exec("SELECT pg_advisory_lock(?)", migrateLockKey).Error; err != nil {
				return fmt.Errorf("lock for migration: %w", err)
			}
			defer conn.Exec("SELECT pg_advisory_unlock(?)", migrateLockKey)
		}
		if err := conn.AutoMigrate(&schemaMigration{}); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var applied []int
		if err := conn.Model(&schemaMigration{}).Pluck("version", &applied).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		done := make(map[int]bool, len(applied))
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range list {
			if done[m.Version] {
				continue
			}
			err := conn.Transaction(func(tx *gorm.DB) error {
				if err := m.Up(tx); err != nil {
					return err
				}
				return tx.Create(&schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
			})
			if err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			if log != nil {
				log.Info("applied migration", "version", m.Version, "name", m.Name)
			}
		}
		return nil
	})
}
