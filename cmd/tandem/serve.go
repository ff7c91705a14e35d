package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tandem-editor/tandem/api"
	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/client/web"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository"
	"github.com/tandem-editor/tandem/repository/gormstore"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/repository/rediscache"
	"github.com/tandem-editor/tandem/services"
	"github.com/tandem-editor/tandem/services/autocomplete"
)

func serveCommand() *cli.Command {
	defLimits, defRooms := api.DefaultLimits(), services.DefaultConfig()
	return &cli.Command{
		Name:  "serve",
		Usage: "run the server",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: ":8080", EnvVars: []string{"TANDEM_ADDR"}, Usage: "listen address"},
			&cli.StringFlag{Name: "database-url", EnvVars: []string{"DATABASE_URL"}, Usage: "PostgreSQL URL (empty: embedded SQLite under --data-dir)"},
			&cli.StringFlag{Name: "redis-url", EnvVars: []string{"REDIS_URL"}, Usage: "Redis URL (empty: in-process cache)"},
			&cli.StringFlag{Name: "redis-prefix", Value: "tandem:", EnvVars: []string{"TANDEM_REDIS_PREFIX"}, Usage: "start of every Redis key and channel (instances sharing rooms must use the same)"},
			&cli.StringFlag{Name: "data-dir", Value: "./data", EnvVars: []string{"TANDEM_DATA_DIR"}, Usage: "directory of the embedded database"},
			&cli.BoolFlag{Name: "log-json", EnvVars: []string{"TANDEM_LOG_JSON"}, Usage: "log JSON lines instead of text"},
			&cli.StringFlag{Name: "log-level", Value: "info", EnvVars: []string{"TANDEM_LOG_LEVEL"}, Usage: "debug, info, warn or error"},
			&cli.IntFlag{Name: "max-message-bytes", Value: defLimits.MaxMessageBytes, EnvVars: []string{"TANDEM_MAX_MESSAGE_BYTES"}, Usage: "largest WebSocket message or REST body"},
			&cli.IntFlag{Name: "max-document-bytes", Value: defLimits.MaxDocumentBytes, EnvVars: []string{"TANDEM_MAX_DOCUMENT_BYTES"}, Usage: "largest document (bytes of a new room's content; UTF-16 units of a room's document)"},
			&cli.Float64Flag{Name: "ops-per-second", Value: defLimits.OpsPerSecond, EnvVars: []string{"TANDEM_OPS_PER_SECOND"}, Usage: "operations per second per connection (burst: twice that)"},
			&cli.IntFlag{Name: "clients-per-room", Value: defRooms.Room.MaxClients, EnvVars: []string{"TANDEM_CLIENTS_PER_ROOM"}, Usage: "most connections in one room"},
			&cli.IntFlag{Name: "outbox-size", Value: defLimits.OutboxSize, EnvVars: []string{"TANDEM_OUTBOX_SIZE"}, Usage: "messages queued for a slow connection before it is dropped"},
			&cli.IntFlag{Name: "outbox-bytes", Value: defLimits.OutboxBytes, EnvVars: []string{"TANDEM_OUTBOX_BYTES"}, Usage: "bytes queued for a slow connection before it is dropped (one message always fits; 0: no limit)"},
			&cli.IntFlag{Name: "history-window", Value: defRooms.Room.Sequencer.Window, EnvVars: []string{"TANDEM_HISTORY_WINDOW"}, Usage: "operations per room kept in memory"},
			&cli.IntFlag{Name: "history-window-bytes", Value: defRooms.Room.Sequencer.WindowBytes, EnvVars: []string{"TANDEM_HISTORY_WINDOW_BYTES"}, Usage: "bytes of operations per room kept in memory (0: no limit)"},
			&cli.IntFlag{Name: "rebase-horizon", Value: defRooms.Room.RebaseHorizon, EnvVars: []string{"TANDEM_REBASE_HORIZON"}, Usage: "how many revisions behind the head an operation may be based (older: revision_out_of_range; 0: no limit)"},
			&cli.IntFlag{Name: "cache-bytes", Value: memory.DefaultCacheBytes, EnvVars: []string{"TANDEM_CACHE_BYTES"}, Usage: "bytes the in-process head cache may keep, least recently used rooms evicted first (without --redis-url only)"},
			&cli.IntFlag{Name: "cache-window-bytes", Value: memory.DefaultWindowBytes, EnvVars: []string{"TANDEM_CACHE_WINDOW_BYTES"}, Usage: "bytes of one room's operations the head cache (in-process or Redis) keeps"},
			&cli.IntFlag{Name: "max-page-bytes", Value: defRooms.Room.MaxPageBytes, EnvVars: []string{"TANDEM_MAX_PAGE_BYTES"}, Usage: "JSON bytes of one page of history (GET /api/rooms/{id}/ops), which always holds one operation"},
			&cli.IntFlag{Name: "hash-every", Value: defRooms.Room.Sequencer.HashEvery, EnvVars: []string{"TANDEM_HASH_EVERY"}, Usage: "acks and ops of every revision that is a multiple of N carry the document's hash, for clients to detect a desync (0: never)"},
			&cli.IntFlag{Name: "snapshot-every", Value: defRooms.Room.SnapshotEvery, EnvVars: []string{"TANDEM_SNAPSHOT_EVERY"}, Usage: "revisions between snapshots"},
			&cli.DurationFlag{Name: "retain-ops", Value: 0, EnvVars: []string{"TANDEM_RETAIN_OPS"}, Usage: "compact operations older than this into a snapshot, in the background (named versions keep theirs); ?revision=, blame and history before the horizon are then revision_out_of_range (0: keep every operation)"},
			&cli.DurationFlag{Name: "room-idle-timeout", Value: defRooms.IdleTimeout, EnvVars: []string{"TANDEM_ROOM_IDLE_TIMEOUT"}, Usage: "how long an unused room stays loaded"},
			&cli.IntFlag{Name: "ws-read-buffer", Value: api.DefaultSocketReadBuffer, EnvVars: []string{"TANDEM_WS_READ_BUFFER"}, Usage: "read buffer of each WebSocket connection, in bytes (at least 128): memory per connection against read system calls per small frame"},
			&cli.BoolFlag{Name: "ws-goroutine-per-conn", EnvVars: []string{"TANDEM_WS_GOROUTINE_PER_CONN"}, Usage: "every WebSocket connection waits for input on a goroutine of its own (about 4 KiB more per connection) instead of in one epoll instance"},
			&cli.IntFlag{Name: "max-conns-per-ip", Value: defLimits.MaxConnsPerIP, EnvVars: []string{"TANDEM_MAX_CONNS_PER_IP"}, Usage: "open WebSocket connections per client address (0: no limit)"},
			&cli.IntFlag{Name: "requests-per-minute", Value: defLimits.RequestsPerMinutePerIP, EnvVars: []string{"TANDEM_REQUESTS_PER_MINUTE"}, Usage: "REST requests per minute per client address (0: no limit)"},
			&cli.StringFlag{Name: "create-token", EnvVars: []string{"TANDEM_CREATE_TOKEN"}, Usage: "bearer token required to create rooms (empty: anyone may)"},
			&cli.StringFlag{Name: "jwt-secret", EnvVars: []string{"TANDEM_JWT_SECRET"}, Usage: "verify access tokens signed HS256 with this secret (at least 32 bytes); every API call and WebSocket then needs one (see README, \"For integrators\")"},
			&cli.StringFlag{Name: "jwks-url", EnvVars: []string{"TANDEM_JWKS_URL"}, Usage: "verify access tokens signed RS256, ES256 or EdDSA with the keys this JWKS URL serves (instead of --jwt-secret; refetched on an unknown key id)"},
			&cli.StringFlag{Name: "jwt-issuer", EnvVars: []string{"TANDEM_JWT_ISSUER"}, Usage: "access tokens must have this iss (empty: not checked)"},
			&cli.StringFlag{Name: "jwt-audience", EnvVars: []string{"TANDEM_JWT_AUDIENCE"}, Usage: "access tokens must have this aud (empty: not checked)"},
			&cli.StringSliceFlag{Name: "allowed-origins", EnvVars: []string{"TANDEM_ALLOWED_ORIGINS"}, Usage: "origins allowed for WebSocket upgrades and CORS, comma-separated (same origin is always allowed; * allows all)"},
			&cli.StringSliceFlag{Name: "trusted-proxies", EnvVars: []string{"TANDEM_TRUSTED_PROXIES"}, Usage: "proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-For names the client for per-address limits and logs (empty: the socket's address is the client's)"},
			&cli.DurationFlag{Name: "cluster-lease", Value: 3 * time.Second, EnvVars: []string{"TANDEM_CLUSTER_LEASE"}, Usage: "with PostgreSQL and Redis: the term of the Redis lease by which one instance owns (sequences) each room while the others forward to it; an owner's death is taken over after it (0: no owners, every instance commits and PostgreSQL's compare-and-set picks a winner)"},
			&cli.StringFlag{Name: "record-dir", EnvVars: []string{"TANDEM_RECORD_DIR"}, Usage: "write every room's submissions, as received, to DIR/<room>-<time>.jsonl (see docs/recording.md)"},
			&cli.StringFlag{Name: "debug-addr", EnvVars: []string{"TANDEM_DEBUG_ADDR"}, Usage: "serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (empty: off; never expose it)"},
			&cli.DurationFlag{Name: "migration-lock-timeout", Value: repository.DefaultLockTimeout, EnvVars: []string{"TANDEM_MIGRATION_LOCK_TIMEOUT"}, Usage: "with PostgreSQL: how long to wait at start for another instance's schema migration to finish"},
			&cli.DurationFlag{Name: "shutdown-timeout", Value: 15 * time.Second, EnvVars: []string{"TANDEM_SHUTDOWN_TIMEOUT"}, Usage: "how long a graceful shutdown may take"},
		},
		Action: serve,
	}
}

func newLogger(c *cli.Context) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Bool("log-json") {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func serve(c *cli.Context) error {
	log := newLogger(c)
	slog.SetDefault(log)
	proxies, err := api.ParseTrustedProxies(c.StringSlice("trusted-proxies"))
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}

	tokens, err := api.NewTokens(c.Context, api.TokenConfig{
		Secret: c.String("jwt-secret"), JWKSURL: c.String("jwks-url"),
		Issuer: c.String("jwt-issuer"), Audience: c.String("jwt-audience"), Log: log,
	})
	if err != nil {
		return fmt.Errorf("access tokens: %w", err)
	}

	limits := api.DefaultLimits()
	limits.MaxMessageBytes = c.Int("max-message-bytes")
	limits.MaxDocumentBytes = c.Int("max-document-bytes")
	limits.OpsPerSecond = c.Float64("ops-per-second")
	limits.OpsBurst = max(1, int(2*limits.OpsPerSecond))
	limits.OutboxSize = c.Int("outbox-size")
	limits.OutboxBytes = c.Int("outbox-bytes")
	limits.MaxConnsPerIP = c.Int("max-conns-per-ip")
	limits.RequestsPerMinutePerIP = c.Int("requests-per-minute")

	cfg := services.DefaultConfig()
	cfg.Room.MaxClients = c.Int("clients-per-room")
	cfg.Room.Sequencer.Window = c.Int("history-window")
	cfg.Room.Sequencer.WindowBytes = c.Int("history-window-bytes")
	cfg.Room.RebaseHorizon = c.Int("rebase-horizon")
	cfg.Room.Sequencer.MaxDocumentSize = limits.MaxDocumentBytes
	cfg.Room.SnapshotEvery = c.Int("snapshot-every")
	cfg.Room.Sequencer.HashEvery = c.Int("hash-every")
	cfg.Room.MaxPageBytes = c.Int("max-page-bytes")
	cfg.IdleTimeout = c.Duration("room-idle-timeout")
	if cfg.Retention.RetainOps = c.Duration("retain-ops"); cfg.Retention.RetainOps < 0 {
		return fmt.Errorf("--retain-ops %s is negative (0 keeps every operation)", cfg.Retention.RetainOps)
	}

	st, err := openStorage(c, log)
	if err != nil {
		return err
	}
	defer st.close()
	store, cache := st.store, st.cache

	metrics := api.NewMetrics()
	rooms := services.NewRooms(store, cache, cfg, log, metrics)
	if st.fanout != nil {
		rooms.WithFanOut(st.fanout)
		if st.cluster != nil {
			if err := rooms.WithCluster(st.cluster); err != nil {
				rooms.Close(c.Context)
				return fmt.Errorf("join the cluster: %w", err)
			}
		}
	}
	if dir := c.String("record-dir"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("record dir: %w", err)
		}
		rooms.WithRecorder(fileRecorder{dir: dir})
	}
	webFS, err := fs.Sub(web.Dist, "dist")
	if err != nil {
		return fmt.Errorf("embedded web app: %w", err)
	}
	srv := api.New(api.Options{
		Rooms:     rooms,
		Completer: autocomplete.NewRules(),
		Limits:    limits,
		Log:       log,
		Web:       webFS,
		Metrics:   metrics,

		CreateToken:        c.String("create-token"),
		Tokens:             tokens,
		AllowedOrigins:     c.StringSlice("allowed-origins"),
		TrustedProxies:     proxies,
		SocketReadBuffer:   c.Int("ws-read-buffer"),
		GoroutinePerSocket: c.Bool("ws-goroutine-per-conn"),
		Ready: []api.ReadyCheck{
			{Name: "database", Check: store.Ping},
			{Name: "cache", Check: cache.Ping},
		},
	})

	if addr := c.String("debug-addr"); addr != "" {
		go func() {
			// http.DefaultServeMux carries the net/http/pprof handlers.
			log.Warn("debug server stopped", "err", http.ListenAndServe(addr, nil))
		}()
	}

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Listen(c.String("addr")) }()
	log.Info("tandem listening", "addr", c.String("addr"))
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.Duration("shutdown-timeout"))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// storage is what serve runs on: the store, the cache and, when several
// instances may share the database, the fan-out between them.
type storage struct {
	store   services.Store
	cache   services.HeadCache
	fanout  services.FanOut
	cluster services.Cluster
	closers []func() error
}

func (s *storage) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		_ = s.closers[i]()
	}
}

// openStorage connects the store and the cache the flags name. With both a
// PostgreSQL and a Redis URL, other instances may serve the same rooms, so
// committed operations are also fanned out through Redis.
func openStorage(c *cli.Context, log *slog.Logger) (*storage, error) {
	st := &storage{}
	store, err := gormstore.Open(c.Context, c.String("database-url"), c.String("data-dir"), gormstore.Options{
		Log: log, MigrationLockTimeout: c.Duration("migration-lock-timeout"),
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	st.store = store
	st.closers = append(st.closers, store.Close)
	redisURL := c.String("redis-url")
	if redisURL == "" {
		st.cache = memory.NewCache(memory.CacheOptions{
			Window: c.Int("history-window"), WindowBytes: int64(c.Int("cache-window-bytes")), MaxBytes: int64(c.Int("cache-bytes")),
		})
		return st, nil
	}
	ctx, cancel := context.WithTimeout(c.Context, 30*time.Second)
	defer cancel()
	cache, err := rediscache.Open(ctx, redisURL, rediscache.Options{
		Prefix: c.String("redis-prefix"), Window: c.Int("history-window"), WindowBytes: int64(c.Int("cache-window-bytes")),
	})
	if err != nil {
		st.close()
		return nil, fmt.Errorf("open redis: %w", err)
	}
	st.cache = cache
	st.closers = append(st.closers, cache.Close)
	if c.String("database-url") != "" {
		fanout := rediscache.NewFanOut(cache.Client(), c.String("redis-prefix"), log)
		st.fanout = fanout
		st.closers = append(st.closers, fanout.Close)
		if term := c.Duration("cluster-lease"); term > 0 {
			st.cluster = rediscache.NewCluster(cache.Client(), c.String("redis-prefix"), term, log)
		}
	}
	return st, nil
}

// fileRecorder writes each loaded room's submissions to a recording file,
// created at the room's first submission (a room only read makes none).
type fileRecorder struct{ dir string }

// recordingFlushEvery is how often a recording's buffered lines are
// handed to the operating system; each is also synced to disk when its
// room unloads (docs/recording.md, "fsync").
const recordingFlushEvery = time.Second

func (f fileRecorder) StartRoom(info services.RoomInfo, revision int, content string) (services.RoomRecording, error) {
	fi, err := os.Stat(f.dir)
	if err == nil && !fi.IsDir() {
		err = errors.New("not a directory")
	}
	if err != nil {
		return nil, fmt.Errorf("record dir: %w", recordingError("open", info.ID, err))
	}
	return &roomRecording{dir: f.dir, info: info, revision: revision, content: content}, nil
}

// roomRecording is one room's recording file. It is used from the room's
// goroutine; a goroutine of its own flushes it every recordingFlushEvery.
type roomRecording struct {
	dir  string
	info services.RoomInfo
	// revision and content: the room as loaded, the header's.
	revision int
	content  string
	file     recordingFile
	w        *client.RecordingWriter
	stop     chan struct{}
	flushed  chan struct{}
	// last is the newest committed revision written; doc is the document
	// after revision docRev, and checked the newest with a checkpoint.
	last, docRev, checked int
	doc                   ot.Document
}

func (r *roomRecording) open(at time.Time) error {
	name := filepath.Join(r.dir, fmt.Sprintf("%s-%d.jsonl", r.info.ID.Reveal(), time.Now().UnixMilli()))
	f, err := os.Create(name)
	if err != nil {
		return recordingError("create", r.info.ID, err)
	}
	r.file = recordingFile{f, r.info.ID}
	r.w, err = client.NewRecordingWriter(r.file, client.RecordingHeader{
		Room: r.info.ID.Reveal(), Language: r.info.Language, Revision: r.revision, Content: r.content, CreatedAt: at,
	})
	if err != nil {
		_ = f.Close()
		return err
	}
	r.content = ""
	r.last, r.docRev, r.checked = r.revision, r.revision, r.revision
	r.stop, r.flushed = make(chan struct{}), make(chan struct{})
	go r.flushEvery(recordingFlushEvery)
	return nil
}

func (r *roomRecording) flushEvery(d time.Duration) {
	defer close(r.flushed)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = r.w.Flush() // an error sticks: the room's next Record returns it
		case <-r.stop:
			return
		}
	}
}

func (r *roomRecording) Record(s services.RecordedSubmission) error {
	if r.w == nil {
		if err := r.open(s.Received); err != nil {
			return err
		}
	}
	line := client.RecordedOp{
		Client: s.ClientID, Revision: s.Base, Op: s.Op, ID: s.OpID, T: r.w.Offset(s.Received),
		Committed: s.Revision, Resubmitted: s.Resubmitted,
	}
	if !s.Resubmitted && !s.Committed.Equal(s.Op) {
		line.Applied = &s.Committed
	}
	if err := r.w.Write(line); err != nil {
		return err
	}
	if s.Resubmitted {
		return nil
	}
	r.last = s.Revision
	if s.Content == nil {
		return nil
	}
	r.doc, r.docRev = *s.Content, s.Revision
	// At the first revision with its document from each
	// client.CheckpointEvery on (group commits hand over only the last).
	if s.Revision/client.CheckpointEvery > r.checked/client.CheckpointEvery {
		return r.checkpoint()
	}
	return nil
}

func (r *roomRecording) checkpoint() error {
	r.checked = r.docRev
	return r.w.Checkpoint(r.docRev, r.doc.SHA256())
}

// Close ends the recording with a checkpoint (when the document after the
// last line is known), flushes it and syncs it to disk.
func (r *roomRecording) Close() error {
	if r.w == nil {
		return nil
	}
	close(r.stop)
	<-r.flushed
	var err error
	if r.docRev == r.last && r.last > r.checked {
		err = r.checkpoint()
	}
	if ferr := r.w.Flush(); err == nil {
		err = ferr
	}
	if serr := r.file.f.Sync(); err == nil && serr != nil {
		err = recordingError("sync", r.info.ID, serr)
	}
	if cerr := r.w.Close(); err == nil {
		err = cerr
	}
	r.w = nil
	return err
}

// recordingFile is a room's recording file. Its name holds the room's
// whole id (docs/recording.md), and so do the errors of os, which get
// logged: its errors name the room by its short form instead.
type recordingFile struct {
	f    *os.File
	room services.RoomID
}

func (r recordingFile) Write(p []byte) (int, error) {
	n, err := r.f.Write(p)
	return n, recordingError("write", r.room, err)
}

func (r recordingFile) Close() error { return recordingError("close", r.room, r.f.Close()) }

// recordingError drops the path from err (an *fs.PathError from os).
func recordingError(op string, room services.RoomID, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s the recording of room %s: %w", op, room, pe.Err)
	}
	return err
}
