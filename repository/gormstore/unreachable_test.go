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
	tests := []struct {
		name  string
		store func(t *testing.T) *Store
		ctx   func() context.Context
	}{
		{"nothing listens", func(t *testing.T) *Store {
			s, err := connect("postgres://postgres@127.0.0.1:1/postgres?sslmode=disable", "", nil)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}, context.Background},
		{"closed store", func(t *testing.T) *Store {
			s, err := Open(context.Background(), "", t.TempDir(), nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			s.Close()
			return s
		}, context.Background},
		{"context done", func(t *testing.T) *Store {
			s, err := Open(context.Background(), "", t.TempDir(), nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.store(t)
			start := time.Now()
			err := s.AppendOps(tt.ctx(), services.RoomIDOf("room"), ops)
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
	_, err := Open(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable", "", nil)
	if !errors.Is(err, services.ErrStoreUnreachable) {
		t.Fatalf("Open = %v, want an error wrapping ErrStoreUnreachable", err)
	}
}

func TestOpenUnsupportedURL(t *testing.T) {
	for _, u := range []string{"mysql://x", "redis://localhost", "data/tandem.db"} {
		if _, err := Open(context.Background(), u, "", nil); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", u)
		}
	}
}
