package gormstore

import (
	"net/url"
	"testing"
)

// A database on this machine is reached without TLS unless the URL or
// PGSSLMODE asks for it; any other host keeps pgx's default.
func TestPostgresDSNDefaults(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	for _, c := range []struct{ in, sslmode string }{
		{"postgres://u@127.0.0.1:5432/db", "disable"},
		{"postgres://u@localhost/db", "disable"},
		{"postgres://u@[::1]:5432/db", "disable"},
		{"postgres://u@127.0.0.1:5432,127.0.0.2:5433/db", "disable"},
		{"postgres://u@127.0.0.1:5432,db.example.com:5432/db", ""},
		{"postgres://u@db.example.com/db", ""},
		{"postgres://u@10.0.0.5/db", ""},
		{"postgres:///db", ""}, // a Unix socket: pgx never uses TLS there
		{"postgres://u@127.0.0.1/db?sslmode=require", "require"},
		{"postgres://u@127.0.0.1/db?sslmode=prefer", "prefer"},
	} {
		dsn, err := postgresDSN(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		u, _ := url.Parse(dsn)
		if got := u.Query().Get("sslmode"); got != c.sslmode {
			t.Errorf("%s: sslmode %q, want %q", c.in, got, c.sslmode)
		}
		if got := u.Query().Get("connect_timeout"); got != "5" {
			t.Errorf("%s: connect_timeout %q, want 5", c.in, got)
		}
		if got := u.Query().Get("statement_cache_capacity"); got != "128" {
			t.Errorf("%s: statement_cache_capacity %q, want 128", c.in, got)
		}
	}
	dsn, _ := postgresDSN("postgres://u@127.0.0.1/db?statement_cache_capacity=1000")
	if u, _ := url.Parse(dsn); u.Query().Get("statement_cache_capacity") != "1000" {
		t.Errorf("the URL's own statement_cache_capacity was replaced: %s", dsn)
	}
	t.Setenv("PGSSLMODE", "require")
	dsn, _ = postgresDSN("postgres://u@127.0.0.1/db")
	if u, _ := url.Parse(dsn); u.Query().Get("sslmode") != "" {
		t.Errorf("with PGSSLMODE set the URL got sslmode %q", u.Query().Get("sslmode"))
	}
}
