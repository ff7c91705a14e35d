// Package models holds the GORM rows of tandem's database: one struct per
// table, its column tags and its indexes, and nothing else. It has no
// behaviour and imports nothing but the standard library and GORM's tags.
//
// All lists every model. The migrations in package repository build these
// tables without reading them (a test checks that they match); adding a
// field or a model also means adding a migration, as docs/models.md shows.
package models
