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
// own transaction, every entry of the migrations list (migrate.go) whose
// version is not yet recorded in the schema_migrations table, recording it
// in the same transaction. Migration 1 is AutoMigrate(models.All()...).
//
// To change the schema:
//
//  1. Change or add the struct in models/ (and add a new model to All).
//  2. Append a migration with the next version to the list in migrate.go.
//     To add a column, index or table, AutoMigrate the changed models:
//     AutoMigrate only adds what is missing, never drops or renames.
//     For renames, drops and backfills, use tx.Migrator() and tx.Exec.
//  3. Never edit or reorder a migration that has been released.
//
// A fresh database runs every migration against the current models, so
// migration 1 already creates the new column and the later migration must
// tolerate that: AutoMigrate does; guard Migrator calls with HasColumn,
// HasIndex or HasTable.
//
// Migrate is safe to run from several processes at once: on PostgreSQL it
// holds an advisory lock for the duration; SQLite serialises writers.
package repository
