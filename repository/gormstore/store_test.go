package gormstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/repository/gormstore"
	"github.com/tandem-editor/tandem/repository/storetest"
	"github.com/tandem-editor/tandem/services"
)

// openSQLite opens a store on a new SQLite file in t's temporary directory.
func openSQLite(t testing.TB) *gormstore.Store {
	t.Helper()
	return open(t, "", t.TempDir())
}

// openPostgres opens a store on a new schema of the test PostgreSQL server.
func openPostgres(t testing.TB) *gormstore.Store {
	t.Helper()
	return open(t, testenv.PostgresURL(t), "")
}

func open(t testing.TB, databaseURL, dataDir string) *gormstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := gormstore.Open(ctx, databaseURL, dataDir, gormstore.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) services.Store { return openSQLite(t) })
}

func TestPostgresConformance(t *testing.T) {
	testenv.RequirePostgres(t)
	storetest.Run(t, func(t *testing.T) services.Store { return openPostgres(t) })
}

// The suite again on a database whose collation is not C (ICU en-US): no
// answer of the store may depend on how the database sorts text.
func TestPostgresICUConformance(t *testing.T) {
	testenv.RequirePostgres(t)
	storetest.Run(t, func(t *testing.T) services.Store {
		s := open(t, testenv.PostgresICUURL(t), "")
		var provider string
		if err := s.DB().Raw("SELECT datlocprovider::text FROM pg_database WHERE datname = current_database()").Scan(&provider).Error; err != nil || provider != "i" {
			t.Fatalf("the database's locale provider is %q (%v), want ICU", provider, err)
		}
		return s
	})
}
