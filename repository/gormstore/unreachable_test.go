package gormstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// TestAppendUnreachable checks that a write which cannot begin wraps
// services.ErrStoreUnreachable, the promise that nothing was written.
func TestAppendUnreachable(t *testing.T) {
	ops := []services.CommittedOp{{Revision: 1, ClientID: "c"}}
	openSQLite := func(t *testing.T) (*Store, error) { return Open(context.Background(), "", t.TempDir(), Options{}) }
	tests := []struct {
		name   string
		open   func(t *testing.T) (*Store, error)
		closed bool // the store is closed before the write
		ctx    func() context.Context
	}{
		{"nothing listens", func(*testing.T) (*Store, error) {
			return connect("postgres://postgres@127.0.0.1:1/postgres?sslmode=disable", "", nil)
		}, false, context.Background},
		{"closed store", openSQLite, true, context.Background},
		{"context done", openSQLite, false, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.open(t)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if tt.closed {
				s.Close()
			} else {
				t.Cleanup(func() { s.Close() })
			}
			start := time.Now()
			err = s.AppendOps(tt.ctx(), services.RoomIDOf("room"), ops)
			if !errors.Is(err, services.ErrStoreUnreachable) {
				t.Fatalf("AppendOps = %v, want an error wrapping ErrStoreUnreachable", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("AppendOps took %v to fail", d)
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable", "", Options{})
	if !errors.Is(err, services.ErrStoreUnreachable) {
		t.Fatalf("Open = %v, want an error wrapping ErrStoreUnreachable", err)
	}
}

func TestOpenUnsupportedURL(t *testing.T) {
	for _, u := range []string{"mysql://x", "redis://localhost", "data/tandem.db"} {
		if _, err := Open(context.Background(), u, "", Options{}); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", u)
		}
	}
}
