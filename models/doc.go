// Package models holds the GORM rows of tandem's database: one struct per
// table, its column tags and its indexes, and nothing else. It has no
// behaviour and imports nothing but the standard library and GORM's tags.
//
// All lists every model. repository.Migrate creates the tables from it
// (migration 1 is AutoMigrate(All()...)); adding a field or a model also
// means adding a migration there, as repository's doc.go explains.
package models
