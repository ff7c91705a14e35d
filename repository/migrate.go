package repository

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Migration is one versioned schema change. Up runs inside a transaction.
// Build it from the steps below (CreateTables, AddColumn, Exec) or write it
// out; either way it names its tables and columns itself and never reads
// package models, so that it does the same on every database forever.
type Migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

// Migrations is the ordered schema history. Append only; see doc.go.
var Migrations = []Migration{
	{Version: 1, Name: "create rooms, revisions and snapshots", Up: CreateTables(&v1Room{}, &v1Revision{}, &v1Snapshot{})},
	{Version: 2, Name: "make operation ids unique per room", Up: Steps(
		Exec("DROP INDEX IF EXISTS idx_revisions_room_op"),
		// Before it, an id reused after it left the sequencer's window could
		// be committed twice; the later copies keep their revisions and lose
		// their id (a resubmission of one of them is then refused as a
		// conflict with the first).
		Exec(`UPDATE revisions SET op_id = '' WHERE op_id <> '' AND EXISTS (
			SELECT 1 FROM revisions AS first
			WHERE first.room_id = revisions.room_id AND first.op_id = revisions.op_id AND first.revision < revisions.revision)`),
		// IF NOT EXISTS: databases created before migration 1 was frozen got
		// this index from migration 1 already.
		Exec("CREATE UNIQUE INDEX IF NOT EXISTS idx_revisions_room_op_id ON revisions (room_id, op_id) WHERE op_id <> ''"),
	)},
	// Version 3 is the identity branch's (users); 4 is history's.
	{Version: 4, Name: "create versions", Up: CreateTables(&v4Version{})},
	{Version: 5, Name: "retention: rooms.horizon and revisions by age", Up: Steps(
		addHorizon,
		Exec("CREATE INDEX IF NOT EXISTS idx_revisions_created_at ON revisions (created_at)"),
	)},
}

// Steps runs steps in order, stopping at the first error.
func Steps(steps ...func(tx *gorm.DB) error) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		for _, step := range steps {
			if err := step(tx); err != nil {
				return err
			}
		}
		return nil
	}
}

// CreateTables creates the tables of rows, GORM structs frozen for the
// migration (copies of the models as they are when it is written, each with
// a TableName; see schema_v1.go), with their indexes.
func CreateTables(rows ...any) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		return tx.Migrator().CreateTable(rows...)
	}
}

// AddColumn adds column to table, declared as decl in SQL that SQLite and
// PostgreSQL both accept, e.g. "bigint NOT NULL DEFAULT 0". A NOT NULL
// column needs a DEFAULT, which the rows already there get: without one the
// step fails on every database, an empty one too, so no test passes with it.
func AddColumn(table, column, decl string) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		if err := checkColumnDecl(decl); err != nil {
			return fmt.Errorf("add column %s.%s: %w", table, column, err)
		}
		q := tx.Statement.Quote
		return tx.Exec("ALTER TABLE " + q(table) + " ADD COLUMN " + q(column) + " " + decl).Error
	}
}

// checkColumnDecl refuses a NOT NULL column without a default: adding it
// fails on every table that has rows (PostgreSQL: "contains null values",
// SQLite: "Cannot add a NOT NULL column with default value NULL").
func checkColumnDecl(decl string) error {
	d := strings.ToUpper(strings.Join(strings.Fields(decl), " "))
	if strings.Contains(d, "NOT NULL") && !strings.Contains(d, "DEFAULT ") {
		return fmt.Errorf("%q is NOT NULL without a DEFAULT, which the rows already in the table would need", decl)
	}
	return nil
}

// Exec runs one SQL statement (a backfill, an index, a rename).
func Exec(sql string, args ...any) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		return tx.Exec(sql, args...).Error
	}
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

// DefaultLockTimeout is how long Migrate waits for another instance's
// migration to finish unless Options say otherwise.
const DefaultLockTimeout = 10 * time.Minute

// Options tune Migrate.
type Options struct {
	// Log receives the applied migrations and the wait for the lock; nil
	// discards them.
	Log *slog.Logger
	// LockTimeout bounds the wait for the migration lock that another
	// instance holds while it migrates (PostgreSQL); 0 is DefaultLockTimeout.
	LockTimeout time.Duration
}

// Migrate applies the migrations that db has not applied yet, in order.
// It returns the first error; the migrations before it stay applied.
func Migrate(ctx context.Context, db *gorm.DB, opts Options) error {
	return MigrateWith(ctx, db, Migrations, opts)
}

// MigrateWith is Migrate with another list of migrations: a prefix of
// Migrations gives a database as an older release left it.
func MigrateWith(ctx context.Context, db *gorm.DB, list []Migration, opts Options) error {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	db = db.WithContext(ctx)
	return db.Connection(func(conn *gorm.DB) error {
		// Every call below starts a new statement on the pinned connection.
		conn = conn.Session(&gorm.Session{NewDB: true})
		if conn.Dialector.Name() == "postgres" {
			if err := lock(ctx, conn, opts); err != nil {
				return err
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
			opts.Log.Info("applied migration", "version", m.Version, "name", m.Name)
		}
		return nil
	})
}

// lock takes the migration lock on conn, waiting up to opts.LockTimeout
// while another instance holds it (and saying so in the log).
func lock(ctx context.Context, conn *gorm.DB, opts Options) error {
	var got bool
	if err := conn.Raw("SELECT pg_try_advisory_lock(?)", migrateLockKey).Scan(&got).Error; err != nil {
		return fmt.Errorf("lock for migration: %w", err)
	}
	if got {
		return nil
	}
	opts.Log.Info("waiting for the migration lock: another instance is migrating the database", "timeout", opts.LockTimeout)
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, opts.LockTimeout)
	defer cancel()
	// The wait is no slow query: keep it out of the slow-SQL log.
	quiet := conn.Session(&gorm.Session{Logger: conn.Logger.LogMode(logger.Silent)}).WithContext(wctx)
	if err := quiet.Exec("SELECT pg_advisory_lock(?)", migrateLockKey).Error; err != nil {
		if wctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("waited %s for the migration lock, which another instance still holds: %w", opts.LockTimeout, err)
		}
		return fmt.Errorf("wait for the migration lock: %w", err)
	}
	opts.Log.Info("took the migration lock", "waited", time.Since(start).Round(time.Millisecond))
	return nil
}
