// Package gormstore is the durable services.Store, written once with GORM
// and run on PostgreSQL (gorm.io/driver/postgres) or on an embedded SQLite
// file (github.com/glebarez/sqlite, pure Go). Open picks the database from a
// URL and migrates its schema (see package repository).
//
// Durability: AppendOps returns nil only after its transaction committed.
// SQLite runs in WAL mode with synchronous=FULL, so a committed transaction
// survives kill -9 and power loss; all writes go through one connection
// (BEGIN IMMEDIATE), reads through a small pool of read-only connections.
//
// Errors: the documented sentinels of services (ErrRoomNotFound,
// ErrRevisionTaken, ErrOpNotFound, ErrSnapshotNotFound). A write that failed
// before its transaction began (no connection, BEGIN refused, context done)
// wraps services.ErrStoreUnreachable: nothing was written. Any other error,
// in particular one from COMMIT, leaves the outcome unknown.
//
// A Store is safe for concurrent use. The caller must Close it.
package gormstore
