package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPostgresURL is the server PostgresURL uses unless TEST_DATABASE_URL is set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var postgresProbe probe

// RequirePostgres skips t (or fails it under REQUIRE_SERVICES=1) unless the
// test server answers: call it first in a test whose subtests all need it,
// so that it is skipped once rather than subtest by subtest.
func RequirePostgres(t testing.TB) {
	t.Helper()
	postgresBase(t)
}

// PostgresURL returns a URL of the test server whose search_path is a new,
// empty schema of this test's own, dropped (with everything in it) when the
// test ends. It skips or fails t when the server is unreachable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := postgresBase(t)
	schema := "test_" + randomHex(8)
	admin(t, u, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { admin(t, u, "DROP SCHEMA "+schema+" CASCADE") })

	q := u.Query()
	q.Set("search_path", schema)
	tu := *u
	tu.RawQuery = q.Encode()
	return tu.String()
}

// postgresBase returns the server's URL once it has answered.
func postgresBase(t testing.TB) *url.URL {
	t.Helper()
	base := envOr("TEST_DATABASE_URL", DefaultPostgresURL)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	postgresProbe.require(t, "PostgreSQL", u.Redacted(), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, withConnectTimeout(u))
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		return conn.Ping(ctx)
	})
	return u
}

// admin runs one statement on the base database.
func admin(t testing.TB, u *url.URL, sql string) {
	t.Helper()
	onBase(t, u, sql, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql)
		return err
	})
}

// onBase runs f on a connection of its own to the base database, failing
// t with sql named when either fails.
func onBase(t testing.TB, u *url.URL, sql string, f func(context.Context, *pgx.Conn) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, withConnectTimeout(u))
	if err != nil {
		t.Fatalf("connect to PostgreSQL for %q: %v", sql, err)
	}
	defer conn.Close(context.Background())
	if err := f(ctx, conn); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func withConnectTimeout(u *url.URL) string {
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "2")
	}
	c := *u
	c.RawQuery = q.Encode()
	return c.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// PostgresICUURL returns a URL of a new database of the test server whose
// collation is ICU's en-US (where "a" sorts before "A", unlike in C),
// dropped when the test ends: for the suites that check that no ordering
// that matters depends on the collation. It skips t, saying why, when the
// server has no ICU (before PostgreSQL 15, or built without it), and skips
// or fails t like PostgresURL when the server is unreachable.
func PostgresICUURL(t testing.TB) string {
	t.Helper()
	u := postgresBase(t)
	var icu bool
	query(t, u, "SELECT current_setting('server_version_num')::int >= 150000 AND EXISTS (SELECT 1 FROM pg_collation WHERE collprovider = 'i')", &icu)
	if !icu {
		t.Skipf("SKIP: PostgreSQL at %s has no ICU collations (needs 15 or later, built with ICU): the non-C collation suite does not run", u.Redacted())
	}
	name := "test_icu_" + randomHex(8)
	admin(t, u, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'")
	t.Cleanup(func() { admin(t, u, "DROP DATABASE "+name+" WITH (FORCE)") })
	du := *u
	du.Path = "/" + name
	return du.String()
}

// query runs one query on the base database and scans its one value.
func query(t testing.TB, u *url.URL, sql string, dest any) {
	t.Helper()
	onBase(t, u, sql, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, sql).Scan(dest)
	})
}
