// Package testserver starts a real tandem server in-process on a loopback
// port for tests: the full Fiber app, room service and a store of the
// test's choosing (in-memory by default). It stops the server in t.Cleanup.
package testserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
	"github.com/tandem-editor/tandem/services/autocomplete"
)

// Server is a running test server.
type Server struct {
	// URL is the base URL, like http://127.0.0.1:43123.
	URL   string
	API   *api.Server
	Rooms *services.Rooms
	Store services.Store
	addr  string
}

// Options configure a test server; zero values take the defaults.
type Options struct {
	Store  services.Store
	Cache  services.HeadCache
	Limits *api.Limits
	Config *services.Config
	// Log receives the server's log; nil discards it.
	Log *slog.Logger
	// Listener serves on an existing listener (e.g. to restart on a port).
	Listener net.Listener
	// CreateToken, AllowedOrigins and TrustedProxies are passed to api.Options.
	CreateToken    string
	AllowedOrigins []string
	TrustedProxies []netip.Prefix
	// GoroutinePerSocket and Tokens are passed to api.Options.
	GoroutinePerSocket bool
	Tokens             *api.Tokens
}

// Start starts a server and registers its shutdown with t.Cleanup.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Store == nil {
		o.Store = memory.NewStore()
	}
	limits := api.DefaultLimits()
	if o.Limits != nil {
		limits = *o.Limits
	}
	cfg := services.DefaultConfig()
	if o.Config != nil {
		cfg = *o.Config
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ln := o.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatalf("listen: %v", err)
		}
	}
	metrics := api.NewMetrics()
	rooms := services.NewRooms(o.Store, o.Cache, cfg, log, metrics)
	srv := api.New(api.Options{Rooms: rooms, Completer: autocomplete.NewRules(), Limits: limits, Log: log, Metrics: metrics,
		CreateToken: o.CreateToken, AllowedOrigins: o.AllowedOrigins, TrustedProxies: o.TrustedProxies,
		GoroutinePerSocket: o.GoroutinePerSocket, Tokens: o.Tokens})
	go func() { _ = srv.Serve(ln) }()
	s := &Server{URL: "http://" + ln.Addr().String(), API: srv, Rooms: rooms, Store: o.Store, addr: ln.Addr().String()}
	t.Cleanup(func() { s.Stop() })
	return s
}

// Stop shuts the server down gracefully (idempotent).
func (s *Server) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.API.Shutdown(ctx)
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }
