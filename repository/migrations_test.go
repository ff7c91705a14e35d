package repository

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/models"
	"github.com/tandem-editor/tandem/repository/upgradetest"
)

// databases runs test on a new SQLite file and a new PostgreSQL schema
// (skipped when there is no server); open gives a new database each call.
func databases(t *testing.T, test func(t *testing.T, open func() *gorm.DB)) {
	t.Run("SQLite", func(t *testing.T) {
		test(t, func() *gorm.DB { return openSQLiteDB(t) })
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		testenv.RequirePostgres(t)
		test(t, func() *gorm.DB { return openPostgresDB(t) })
	})
}

func openPostgresDB(t *testing.T) *gorm.DB {
	db, err := gorm.Open(postgres.Open(testenv.PostgresURL(t)), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sql, err := db.DB(); err == nil {
			sql.Close()
		}
	})
	return db
}

// Migrating a new database gives exactly the tables, columns and indexes
// that the models describe: a model changed without its migration (or the
// other way round) fails here.
func TestMigrationsBuildTheModels(t *testing.T) {
	databases(t, func(t *testing.T, open func() *gorm.DB) {
		migrated, modelled := open(), open()
		if err := Migrate(context.Background(), migrated, Options{}); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		if err := modelled.AutoMigrate(models.All()...); err != nil {
			t.Fatalf("AutoMigrate: %v", err)
		}
		got, want := describe(t, migrated), describe(t, modelled)
		for _, line := range diff(got, want) {
			t.Error(line)
		}
	})
}

// describe lists db's schema, one line per column and index, sorted; the
// bookkeeping table schema_migrations is left out.
func describe(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	m := db.Migrator()
	tables, err := m.GetTables()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, table := range tables {
		if table == "schema_migrations" {
			continue
		}
		cols, err := m.ColumnTypes(table)
		if err != nil {
			t.Fatalf("columns of %s: %v", table, err)
		}
		for _, c := range cols {
			null, _ := c.Nullable()
			pk, _ := c.PrimaryKey()
			def := "none"
			if d, ok := c.DefaultValue(); ok {
				def = fmt.Sprintf("%q", normalDefault(d))
			}
			lines = append(lines, fmt.Sprintf("column %s.%s %s null=%v pk=%v default=%s",
				table, c.Name(), strings.ToLower(c.DatabaseTypeName()), null, pk, def))
		}
		indexes, err := m.GetIndexes(table)
		if err != nil {
			t.Fatalf("indexes of %s: %v", table, err)
		}
		for _, ix := range indexes {
			if pk, _ := ix.PrimaryKey(); pk || strings.HasPrefix(ix.Name(), "sqlite_autoindex") {
				continue
			}
			unique, _ := ix.Unique()
			lines = append(lines, fmt.Sprintf("index %s.%s (%s) unique=%v", table, ix.Name(), strings.Join(ix.Columns(), ", "), unique))
		}
	}
	slices.Sort(lines)
	return lines
}

// normalDefault writes a column default the same whether it came from
// a model's tag or from a migration's SQL (the empty string, quoted, and
// the same cast to text are one).
func normalDefault(def string) string {
	def, _, _ = strings.Cut(def, "::")
	return strings.Trim(def, "()'")
}

// diff says which lines are only in got and which only in want.
func diff(got, want []string) []string {
	var out []string
	for _, l := range got {
		if !slices.Contains(want, l) {
			out = append(out, "the migrations make, the models do not: "+l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			out = append(out, "the models say, the migrations do not make: "+l)
		}
	}
	return out
}

// Every migration level, applied over a database that holds rooms,
// operations and snapshots (as the release at the level before it wrote
// them), keeps every row; a new NOT NULL column without a default fails
// here too.
func TestMigrationsKeepRows(t *testing.T) {
	databases(t, func(t *testing.T, open func() *gorm.DB) {
		for level := 1; level <= len(Migrations); level++ {
			t.Run(fmt.Sprintf("from%d", level), func(t *testing.T) {
				ctx := context.Background()
				db := open()
				if err := MigrateWith(ctx, db, Migrations[:level], Options{}); err != nil {
					t.Fatalf("migrate to %d: %v", level, err)
				}
				upgradetest.Seed(t, db)
				before := dump(t, db)
				if err := Migrate(ctx, db, Options{}); err != nil {
					t.Fatalf("migrate from %d: %v", level, err)
				}
				for _, line := range diff(dump(t, db), before) {
					t.Error(line)
				}
			})
		}
	})
}

// dump lists the rows of schema v1's columns, sorted.
func dump(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var lines []string
	for table, cols := range map[string]string{
		"rooms":     "id, read_only_id, name, language, head_revision",
		"revisions": "room_id, revision, operation, client_id, op_id, base_revision, digest",
		"snapshots": "room_id, revision, content",
	} {
		rows, err := db.Raw("SELECT " + cols + " FROM " + table).Rows()
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		n := strings.Count(cols, ",") + 1
		for rows.Next() {
			vals := make([]any, n)
			ptrs := make([]any, n)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%s %q", table, vals))
		}
		rows.Close()
	}
	slices.Sort(lines)
	if len(lines) == 0 {
		t.Fatal("no rows")
	}
	return lines
}

// A NOT NULL column without a default would fail on every table that has
// rows; AddColumn refuses it on an empty database as well, so that the
// migration fails in the tests that migrate new databases.
func TestAddColumnNeedsDefault(t *testing.T) {
	databases(t, func(t *testing.T, open func() *gorm.DB) {
		ctx := context.Background()
		for _, tt := range []struct {
			decl string
			ok   bool
		}{
			{"text NOT NULL", false},
			{"text   not  null", false},
			{"bigint NOT NULL DEFAULT 0", true},
			{"text NOT NULL DEFAULT ''", true},
			{"text", true},
		} {
			for _, seeded := range []bool{false, true} {
				db := open()
				if err := MigrateWith(ctx, db, Migrations, Options{}); err != nil {
					t.Fatal(err)
				}
				if seeded {
					upgradetest.Seed(t, db)
				}
				list := append(slices.Clone(Migrations), Migration{Version: Migrations[len(Migrations)-1].Version + 1, Name: "add", Up: AddColumn("rooms", "extra", tt.decl)})
				err := MigrateWith(ctx, db, list, Options{})
				if tt.ok && err != nil {
					t.Errorf("AddColumn(%q) with rows=%v: %v", tt.decl, seeded, err)
				}
				if !tt.ok && (err == nil || !strings.Contains(err.Error(), "DEFAULT")) {
					t.Errorf("AddColumn(%q) with rows=%v = %v, want an error that asks for a DEFAULT", tt.decl, seeded, err)
				}
			}
		}
	})
}

// An instance that finds another one migrating says that it waits, and
// gives up after its own lock timeout; once the lock is free it migrates.
func TestMigrationLockWait(t *testing.T) {
	testenv.RequirePostgres(t)
	ctx := context.Background()
	holder := openPostgresDB(t)
	conn, err := holder.DB()
	if err != nil {
		t.Fatal(err)
	}
	held, err := conn.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := held.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		t.Fatal(err)
	}
	unlock := func() {
		if _, err := held.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", migrateLockKey); err != nil {
			t.Error(err)
		}
	}

	var logs testenv.LogBuffer
	opts := Options{Log: slog.New(slog.NewTextHandler(&logs, nil)), LockTimeout: 300 * time.Millisecond}
	db := openPostgresDB(t)
	err = Migrate(ctx, db, opts)
	if err == nil || !strings.Contains(err.Error(), "waited 300ms for the migration lock") {
		unlock()
		t.Fatalf("Migrate while another instance holds the lock = %v, want it to give up after 300ms", err)
	}
	if !strings.Contains(logs.String(), "waiting for the migration lock") {
		t.Errorf("the log does not say that it waits for the lock:\n%s", logs.String())
	}
	if strings.Count(err.Error(), "migration lock") != 1 {
		t.Errorf("error repeats itself: %v", err)
	}

	opts.LockTimeout = time.Minute
	time.AfterFunc(200*time.Millisecond, unlock)
	if err := Migrate(ctx, db, opts); err != nil {
		t.Fatalf("Migrate after the lock is freed: %v", err)
	}
	if !strings.Contains(logs.String(), "took the migration lock") {
		t.Errorf("the log does not say that it got the lock:\n%s", logs.String())
	}
}
