// Package repository holds what every database-backed store shares: the
// schema migrations. The stores themselves live in sub-packages, one per
// dependency: gormstore (PostgreSQL or SQLite through GORM), rediscache
// (Redis), memory (in-process). storetest and cachetest are the
// conformance suites every services.Store and services.HeadCache must pass.
//
// # Migrations
//
// The tables are the GORM rows of package models; models.All lists them.
// Migrate brings a database up to date by running, in order and each in its
// own transaction, every entry of Migrations whose version is not yet
// recorded in schema_migrations. Migration 1 is schema v1, frozen in
// schema_v1.go; every later one is explicit (AddColumn, CreateTables, Exec)
// and never reads package models, so it means the same forever. Released
// migrations are never edited. A NOT NULL column needs a DEFAULT. The
// recipe, with worked examples, is docs/models.md.
//
// Migrate is safe to run from several processes at once: on PostgreSQL it
// holds an advisory lock for the duration (others wait up to
// Options.LockTimeout, saying so in the log); SQLite serialises writers.
package repository
