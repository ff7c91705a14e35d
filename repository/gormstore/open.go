package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tandem-editor/tandem/repository"
	"github.com/tandem-editor/tandem/services"
)

// DefaultDataDir is where the SQLite file goes when Open gets no directory.
const DefaultDataDir = "data"

// SQLiteFile is the name of the SQLite database inside the data directory.
const SQLiteFile = "tandem.db"

// Options are Open's settings beside the database's URL.
type Options struct {
	// Log receives slow queries, GORM errors, applied migrations and the
	// wait for the migration lock; nil discards them.
	Log *slog.Logger
	// MigrationLockTimeout bounds the wait for another instance's migration
	// (PostgreSQL); 0 is repository.DefaultLockTimeout.
	MigrationLockTimeout time.Duration
}

// pingTimeout bounds Open's first contact with the database.
const pingTimeout = 30 * time.Second

// Open connects to the database named by databaseURL, checks that it
// answers and migrates its schema.
//
//   - "" opens (creating it if needed) the SQLite file dataDir/tandem.db;
//     dataDir "" means DefaultDataDir.
//   - "sqlite:PATH" opens the SQLite file PATH.
//   - "postgres://..." or "postgresql://..." opens PostgreSQL. connect_timeout
//     defaults to 5 seconds.
//
// ctx bounds the whole of it; beside it, the first contact may take 30
// seconds and the wait for another instance's migration
// opts.MigrationLockTimeout, while a migration that runs takes the time it
// needs. A database that does not answer gives an error wrapping
// services.ErrStoreUnreachable.
func Open(ctx context.Context, databaseURL, dataDir string, opts Options) (*Store, error) {
	s, err := connect(databaseURL, dataDir, opts.Log)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	err = s.Ping(pctx)
	cancel()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%w: %w", services.ErrStoreUnreachable, err)
	}
	if err := repository.Migrate(ctx, s.w, repository.Options{Log: opts.Log, LockTimeout: opts.MigrationLockTimeout}); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return s, nil
}

// GORM's Raw(…).Scan logs through a trace recorder whose parameter filter
// keeps the values, so a failed statement's log line would hold them, room
// ids among them, whatever ParameterizedQueries says. Room ids are
// capabilities: no statement's values reach a log.
func init() {
	logger.RecorderParamsFilter = func(_ context.Context, sql string, _ ...any) (string, []any) {
		return sql, nil
	}
}

// connect builds the store's connection pools without touching the network.
func connect(databaseURL, dataDir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := func(prepare bool) *gorm.Config {
		return &gorm.Config{
			Logger: logger.NewSlogLogger(log, logger.Config{
				SlowThreshold:             200 * time.Millisecond,
				LogLevel:                  logger.Warn,
				IgnoreRecordNotFoundError: true,
				ParameterizedQueries:      true,
			}),
			SkipDefaultTransaction: true,
			DisableAutomaticPing:   true,
			PrepareStmt:            prepare,
			PrepareStmtMaxSize:     256,
			NowFunc:                now,
		}
	}
	switch {
	case databaseURL == "":
		if dataDir == "" {
			dataDir = DefaultDataDir
		}
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		return connectSQLite(filepath.Join(dataDir, SQLiteFile), cfg)
	case strings.HasPrefix(databaseURL, "sqlite:"):
		return connectSQLite(strings.TrimPrefix(databaseURL, "sqlite:"), cfg)
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return connectPostgres(databaseURL, cfg)
	default:
		return nil, fmt.Errorf("database URL: unsupported scheme in %q (want postgres://, postgresql://, sqlite:PATH or empty)", redact(databaseURL))
	}
}

// sqlitePragmas make every SQLite connection durable and patient: WAL with
// a full fsync at each commit, and a wait instead of SQLITE_BUSY.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_time_format=sqlite"

func connectSQLite(path string, cfg func(bool) *gorm.Config) (*Store, error) {
	if path == "" {
		return nil, errors.New("database URL: sqlite: needs a file path")
	}
	dsn := "file:" + path + "?" + sqlitePragmas
	w, err := gorm.Open(sqlite.Open(dsn+"&_txlock=immediate"), cfg(true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, err
	}
	// One writer: SQLite allows one at a time, so more would only wait.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	r, err := gorm.Open(sqlite.Open(dsn+"&_pragma=query_only(1)"), cfg(true))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		wdb.Close()
		return nil, err
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	return &Store{w: w, r: r, pools: []*sql.DB{wdb, rdb}}, nil
}

func connectPostgres(databaseURL string, cfg func(bool) *gorm.Config) (*Store, error) {
	dsn, err := postgresDSN(databaseURL)
	if err != nil {
		return nil, err
	}
	// pgx caches prepared statements per connection already.
	db, err := gorm.Open(postgres.Open(dsn), cfg(false))
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", redact(databaseURL), err)
	}
	sdb, err := db.DB()
	if err != nil {
		return nil, err
	}
	sdb.SetMaxOpenConns(16)
	sdb.SetMaxIdleConns(16)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	sdb.SetConnMaxLifetime(30 * time.Minute)
	return &Store{w: db, r: db, pools: []*sql.DB{sdb}}, nil
}

// postgresDSN is databaseURL with tandem's defaults for what it leaves
// out: a 5 s connect timeout, and no TLS to a database on this machine.
// pgx's default sslmode, prefer, encrypts without checking whom it talks
// to, which guards only against someone reading the wire; a loopback
// connection has none, and the encryption cost a quarter of the server's
// CPU at light typing over many rooms. A URL's own sslmode, or PGSSLMODE,
// always wins.
func postgresDSN(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
	}
	// pgx keeps 512 prepared statements and descriptions per connection
	// by default, with maps sized for them up front; tandem runs a few
	// dozen statements of fixed text.
	for _, k := range []string{"statement_cache_capacity", "description_cache_capacity"} {
		if q.Get(k) == "" {
			q.Set(k, "128")
		}
	}
	if q.Get("sslmode") == "" && os.Getenv("PGSSLMODE") == "" && loopbackHosts(u.Host) {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// loopbackHosts reports whether every host of a URL's host part (pgx takes
// a comma-separated list, each with an optional port) is this machine.
func loopbackHosts(hostPart string) bool {
	if hostPart == "" {
		return false // pgx then uses a Unix socket or PGHOST: leave it be
	}
	for _, h := range strings.Split(hostPart, ",") {
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.Trim(h, "[]")
		if ip := net.ParseIP(h); !(strings.EqualFold(h, "localhost") || ip != nil && ip.IsLoopback()) {
			return false
		}
	}
	return true
}

// now is the store's clock: UTC, at the microsecond precision PostgreSQL keeps.
func now() time.Time { return stamp(time.Now()) }

// stamp is t as the store keeps and returns it (services.Stamp; SQLite
// would keep nanoseconds), also for rows an older version wrote with
// nanoseconds.
var stamp = services.Stamp

// redact hides the password of a URL for messages.
func redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
